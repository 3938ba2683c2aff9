import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromTar, hashList, signBundle, toTar, verifyBundle, type BundleFile } from './bundle.ts';

const key = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const files: BundleFile[] = [{ name: 'case.json', bytes: Buffer.from('{"id":"c1"}') }, { name: 'photos/i1.png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }];

describe('case bundles', () => {
  it('lists every file with its SHA-256 in sha256sum\'s format', () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(hashList([...files].reverse())).toBe(`${sha(files[0]!.bytes)}  case.json\n${sha(files[1]!.bytes)}  photos/i1.png\n`);
  });

  it('a signed bundle verifies after a trip through tar; a changed, missing or added file and another key do not', async () => {
    const k = key();
    const signed = signBundle(files, k.privateKey, k.pem);
    const back = await fromTar(await toTar('case-c1', signed, new Date('2026-12-07T00:00:00Z')));
    expect(verifyBundle(back)).toMatchObject({ ok: true, files: 2 });
    expect(verifyBundle(back, k.pem)).toMatchObject({ ok: true });

    const changed = back.map((f) => (f.name === 'case.json' ? { ...f, bytes: Buffer.from('{"id":"c2"}') } : f));
    expect(verifyBundle(changed)).toEqual({ ok: false, problems: [{ file: 'case.json', problem: 'changed' }] });
    expect(verifyBundle(back.filter((f) => f.name !== 'photos/i1.png'))).toEqual({ ok: false, problems: [{ file: 'photos/i1.png', problem: 'missing' }] });
    expect(verifyBundle([...back, { name: 'extra.txt', bytes: Buffer.from('x') }])).toEqual({ ok: false, problems: [{ file: 'extra.txt', problem: 'unlisted' }] });
    // Someone re-hashes the changed file and re-signs with their own key: the reader's trusted key says no.
    const forged = signBundle(changed.filter((f) => !['SHA256SUMS', 'SHA256SUMS.sig', 'signing-key.pem'].includes(f.name)), key().privateKey, key().pem);
    expect(verifyBundle(forged, k.pem)).toMatchObject({ ok: false });
  });
});
