// Package files on disk: what is kept and what is never left behind.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ContentTooLarge, PackageStore } from './package-store.ts';

const store = () => new PackageStore(mkdtempSync(join(tmpdir(), 'posfleet-store-')));
const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('the package store', () => {
  it('keeps accepted content under its package id, with its hashes', async () => {
    const s = store();
    const stored = await s.receive('pkg-1', chunks('hello ', 'world'), 100, async (facts) => facts);
    expect(stored).toEqual({
      size: 11, sha256: createHash('sha256').update('hello world').digest('hex'),
      sha1: createHash('sha1').update('hello world').digest('hex'), md5: createHash('md5').update('hello world').digest('hex'),
    });
    expect(readdirSync(s.dir)).toEqual(['pkg-1.pkg']);
    expect(readFileSync(s.pathOf('pkg-1'), 'utf8')).toBe('hello world');
  });

  it('leaves nothing behind when the content is refused, even in its very first chunk', async () => {
    const s = store();
    for (let i = 0; i < 20; i++) {
      await expect(s.receive(`big-${i}`, chunks('x'.repeat(100)), 10, async () => 'kept')).rejects.toBeInstanceOf(ContentTooLarge);
      await expect(s.receive(`bad-${i}`, chunks('abc'), 10, async () => { throw new Error('hash mismatch'); })).rejects.toThrow('hash mismatch');
    }
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('names files itself, never after what a caller passed', () => {
    expect(() => store().fileName('../../etc/passwd')).toThrow('not a package id');
    expect(store().fileName('0f6c-AB')).toBe('0f6c-AB.pkg');
  });
});
