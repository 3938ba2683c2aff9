// Where backup bytes live: chunks of an upload under DATA_DIR/terminal-backups/uploads/<backup>/, and a
// stored backup as one file DATA_DIR/terminal-backups/<terminal>/<backup>.bin (encrypted: the server
// cannot read it). Shared storage when several nodes run, like package files.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';

export class BackupStore {
  private readonly root: string;
  constructor(dataDir: string) {
    this.root = join(dataDir, 'terminal-backups');
  }

  private uploadDir(backupId: string): string {
    return join(this.root, 'uploads', backupId);
  }

  filePath(terminalId: string, backupId: string): string {
    return join(this.root, terminalId, `${backupId}.bin`);
  }

  /** Written under a temporary name then renamed, so a chunk is either whole or absent. */
  async putChunk(backupId: string, index: number, bytes: Buffer): Promise<void> {
    const dir = this.uploadDir(backupId);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${index}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, String(index)));
  }

  async received(backupId: string): Promise<number[]> {
    try {
      return (await readdir(this.uploadDir(backupId))).filter((n) => /^[0-9]+$/.test(n)).map(Number).sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  async chunkSize(backupId: string, index: number): Promise<number> {
    return (await stat(join(this.uploadDir(backupId), String(index)))).size;
  }

  /** Joins the chunks into the stored file; answers the SHA-256 and size of what was joined. */
  async assemble(backupId: string, terminalId: string, chunkCount: number): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    const target = this.filePath(terminalId, backupId);
    await mkdir(join(this.root, terminalId), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.alloc(0));
    for (let i = 0; i < chunkCount; i++) {
      const bytes = await readFile(join(this.uploadDir(backupId), String(i)));
      hash.update(bytes);
      size += bytes.length;
      await appendFile(tmp, bytes);
    }
    await rename(tmp, target);
    return { sha256: hash.digest('hex'), size };
  }

  async discardUpload(backupId: string): Promise<void> {
    await rm(this.uploadDir(backupId), { recursive: true, force: true });
  }

  async discardFile(terminalId: string, backupId: string): Promise<void> {
    await rm(this.filePath(terminalId, backupId), { force: true });
  }

  /** SHA-256 of a stored file as it is on disk now (null when the file is gone). */
  async hashOf(terminalId: string, backupId: string): Promise<string | null> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(this.filePath(terminalId, backupId))) hash.update(chunk as Buffer);
    } catch {
      return null;
    }
    return hash.digest('hex');
  }

  read(terminalId: string, backupId: string): Promise<Buffer> {
    return readFile(this.filePath(terminalId, backupId));
  }
}
