// The terminal's side of a chunked, resumable upload (backups, logs, screenshots): declare the upload
// (the same declaration again answers which chunks the server already has), send only the missing
// chunks, then complete. A retryable failure (a dropped link, a server fault) asks again, a few rounds;
// the caller keeps what it declared, so a later call resumes where the link dropped.
import { toBase64 } from '../protocol/index.ts';
import { PosFleetError } from './errors.ts';

export interface ChunkPort {
  postJson<T>(path: string, body: unknown): Promise<T>;
  putJson<T>(path: string, body: unknown): Promise<T>;
}

export interface ChunkedUpload {
  /** Where the upload is declared (POST), e.g. /device/v1/backups. */
  startPath: string;
  /** The declaration: the same object on every round (it carries the upload's own id). */
  start: { uploadId: string; chunkSize: number };
  bytes: Uint8Array;
}

interface Status {
  state: string;
  chunkCount: number;
  received: number[];
}

/** Rounds of "which chunks do you have?" before giving up until the next try. */
const ROUNDS = 5;

/** Uploads what the server lacks and completes; answers the completion's body. */
export async function uploadInChunks<T>(port: ChunkPort, upload: ChunkedUpload, rounds = ROUNDS): Promise<T> {
  const { start, bytes } = upload;
  const path = `${upload.startPath}/${encodeURIComponent(start.uploadId)}`;
  for (let round = 1; ; round++) {
    try {
      const status = await port.postJson<Status>(upload.startPath, start);
      if (status.state === 'uploading') {
        const have = new Set(status.received);
        for (let i = 0; i < status.chunkCount; i++) {
          if (have.has(i)) continue;
          await port.putJson(`${path}/chunks/${i}`, { data: toBase64(bytes.subarray(i * start.chunkSize, (i + 1) * start.chunkSize)) });
        }
      }
      return await port.postJson<T>(`${path}/complete`, {});
    } catch (error) {
      if (error instanceof PosFleetError && error.retryable && round < rounds) continue;
      throw error;
    }
  }
}
