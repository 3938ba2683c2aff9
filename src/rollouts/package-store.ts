// Package files on disk, under DATA_DIR/packages/. Content is streamed in (never held whole in memory),
// hashed on the way, written under a temporary name and renamed only once it matched, so a reader never
// sees half a file or one that failed its checks. Names are server-made (<package id>.pkg).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredContent {
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
}

export class ContentTooLarge extends Error {}

export class PackageStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'packages');
  }

  /**
   * Streams the content to a temporary file, stopping as soon as it passes maxBytes; `accept` then sees
   * its size and hashes and either keeps it (renamed to its final name) or throws (the file is removed).
   */
  async receive<T>(packageId: string, content: Readable, maxBytes: number, accept: (stored: StoredContent) => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const partial = join(this.dir, `.${packageId}.${randomBytes(6).toString('hex')}.part`);
    const hashes = { sha256: createHash('sha256'), sha1: createHash('sha1'), md5: createHash('md5') };
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new ContentTooLarge(`more than ${maxBytes} bytes`));
        hashes.sha256.update(chunk);
        hashes.sha1.update(chunk);
        hashes.md5.update(chunk);
        done(null, chunk);
      },
    });
    // Opened before streaming: a write stream destroyed while still opening its own file (content
    // refused in its first chunk) would create it after the clean-up below and leave it behind.
    const file = await open(partial, 'wx');
    try {
      await pipeline(content, measure, file.createWriteStream());
      const result = await accept({ size, sha256: hashes.sha256.digest('hex'), sha1: hashes.sha1.digest('hex'), md5: hashes.md5.digest('hex') });
      await rename(partial, this.pathOf(packageId));
      return result;
    } finally {
      await file.close();
      await rm(partial, { force: true });
    }
  }

  /** The file's name relative to the store, for streaming it out with Range support. */
  fileName(packageId: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(packageId)) throw new Error(`not a package id: ${packageId}`);
    return `${packageId}.pkg`;
  }

  pathOf(packageId: string): string {
    return join(this.dir, this.fileName(packageId));
  }
}
