// Photos on disk, under DATA_DIR/<folder>/ (inspections/, work-orders/). A photo is written to a
// temporary name and renamed, so a reader never sees half a file; names are server-made (<id>.<ext>).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class PhotoStore {
  private readonly dir: string;

  constructor(dataDir: string, folder: 'inspections' | 'work-orders' = 'inspections') {
    this.dir = join(dataDir, folder);
  }

  /** Stores the bytes and returns the file name to keep in the inspection's row. */
  async save(id: string, extension: string, bytes: Uint8Array): Promise<string> {
    const file = `${id}.${extension}`;
    const partial = join(this.dir, `.${file}.${randomBytes(6).toString('hex')}.part`);
    await mkdir(this.dir, { recursive: true });
    await writeFile(partial, bytes, { flag: 'wx' });
    await rename(partial, join(this.dir, file));
    return file;
  }

  /** The stored bytes, or undefined when the file is gone. */
  async read(file: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(file: string): Promise<void> {
    await rm(this.path(file), { force: true });
  }

  // Names come from our own rows; refusing anything else keeps a bad row from reaching outside the folder.
  private path(file: string): string {
    if (!/^[A-Za-z0-9-]+\.(jpg|png)$/.test(file)) throw new Error(`not a photo file name: ${file}`);
    return join(this.dir, file);
  }
}
