// Chunked, resumable uploads of files from terminals (backups, logs, screenshots): the chunks of an
// upload under <root>/uploads/<id>/, each written whole or not at all, asked for again after a dropped
// link ("which chunks do you have?"), then joined into one stored file <root>/<terminal>/<id><ext>
// with its SHA-256. Shared storage when several nodes run, like package files. The chunk arithmetic is
// pure and kept beside it, so every kind of upload checks chunks the same way.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How many chunks an upload of sizeBytes in chunks of chunkSize has (an empty file is one empty chunk). */
export const chunkCount = (sizeBytes: number, chunkSize: number): number => Math.max(1, Math.ceil(sizeBytes / chunkSize));

/** The bytes chunk `index` must hold: chunkSize, except the last, which holds the rest. */
export function expectedChunkBytes(upload: { size_bytes: number; chunk_size: number; chunk_count: number }, index: number): number {
  return index === upload.chunk_count - 1 ? upload.size_bytes - upload.chunk_size * (upload.chunk_count - 1) : upload.chunk_size;
}

/** The chunk indexes not received yet, in order. */
export function missingChunks(count: number, received: readonly number[]): number[] {
  const have = new Set(received);
  return [...Array(count).keys()].filter((i) => !have.has(i));
}

export class ChunkStore {
  constructor(private readonly root: string, private readonly extension: string) {}

  private uploadDir(uploadKey: string): string {
    return join(this.root, 'uploads', uploadKey);
  }

  filePath(terminalId: string, id: string): string {
    return join(this.root, terminalId, `${id}${this.extension}`);
  }

  /** Written under a temporary name then renamed, so a chunk is either whole or absent. */
  async putChunk(uploadKey: string, index: number, bytes: Buffer): Promise<void> {
    const dir = this.uploadDir(uploadKey);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${index}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, String(index)));
  }

  async received(uploadKey: string): Promise<number[]> {
    try {
      return (await readdir(this.uploadDir(uploadKey))).filter((n) => /^[0-9]+$/.test(n)).map(Number).sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  async chunkSize(uploadKey: string, index: number): Promise<number> {
    return (await stat(join(this.uploadDir(uploadKey), String(index)))).size;
  }

  /** Joins the chunks into the stored file; answers the SHA-256 and size of what was joined. */
  async assemble(uploadKey: string, terminalId: string, count: number): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    const target = this.filePath(terminalId, uploadKey);
    await mkdir(join(this.root, terminalId), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.alloc(0));
    for (let i = 0; i < count; i++) {
      const bytes = await readFile(join(this.uploadDir(uploadKey), String(i)));
      hash.update(bytes);
      size += bytes.length;
      await appendFile(tmp, bytes);
    }
    await rename(tmp, target);
    return { sha256: hash.digest('hex'), size };
  }

  async discardUpload(uploadKey: string): Promise<void> {
    await rm(this.uploadDir(uploadKey), { recursive: true, force: true });
  }

  async discardFile(terminalId: string, id: string): Promise<void> {
    await rm(this.filePath(terminalId, id), { force: true });
  }

  /** SHA-256 of a stored file as it is on disk now (null when the file is gone). */
  async hashOf(terminalId: string, id: string): Promise<string | null> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(this.filePath(terminalId, id))) hash.update(chunk as Buffer);
    } catch {
      return null;
    }
    return hash.digest('hex');
  }

  read(terminalId: string, id: string): Promise<Buffer> {
    return readFile(this.filePath(terminalId, id));
  }
}
