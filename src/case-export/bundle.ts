// A case bundle: the files of a suspicious-activity case for an acquirer or the police, with a hash list
// (SHA256SUMS, one "<sha256>  <file>" line per file, as `sha256sum -c` reads it) signed with Ed25519
// (SHA256SUMS.sig, base64) and the public key that signed it (signing-key.pem), packed as a tar file.
// Verifying needs only this module (or sha256sum and openssl): every listed file must be present with
// its hash, nothing may be unlisted, and the signature must hold over the list.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { keyFingerprint } from './signing-key.ts';

export const SUMS = 'SHA256SUMS';
export const SIGNATURE = 'SHA256SUMS.sig';
export const PUBLIC_KEY = 'signing-key.pem';
const UNLISTED = new Set([SUMS, SIGNATURE, PUBLIC_KEY]);

export interface BundleFile {
  name: string;
  bytes: Buffer;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The hash list of the files, sorted by name, in sha256sum's format. */
export function hashList(files: readonly BundleFile[]): string {
  return [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${sha256(f.bytes)}  ${f.name}\n`).join('');
}

/** The files with their hash list, its signature and the public key: what goes into the tar. */
export function signBundle(files: readonly BundleFile[], privateKey: KeyObject, publicKeyPem: string): BundleFile[] {
  for (const f of files) if (UNLISTED.has(f.name) || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(f.name) || f.name.includes('..')) throw new Error(`bad bundle file name ${f.name}`);
  const sums = Buffer.from(hashList(files), 'utf8');
  const signature = sign(null, sums, privateKey).toString('base64');
  return [...files, { name: SUMS, bytes: sums }, { name: SIGNATURE, bytes: Buffer.from(`${signature}\n`, 'utf8') }, { name: PUBLIC_KEY, bytes: Buffer.from(publicKeyPem, 'utf8') }];
}

export type Verdict =
  | { ok: true; files: number; fingerprint: string }
  | { ok: false; problems: { file: string; problem: 'missing' | 'changed' | 'unlisted' | 'bad_signature' | 'untrusted_key' | 'no_hash_list' }[] };

/**
 * Checks a bundle's files against its signed hash list. `trusted` is the public key (PEM) the reader
 * expects; without it the bundle's own key is used, and the verdict names its fingerprint to compare.
 */
export function verifyBundle(files: readonly BundleFile[], trusted?: string): Verdict {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const sums = byName.get(SUMS);
  const signature = byName.get(SIGNATURE);
  const keyPem = byName.get(PUBLIC_KEY);
  if (!sums || !signature || !keyPem) return { ok: false, problems: [{ file: !sums ? SUMS : !signature ? SIGNATURE : PUBLIC_KEY, problem: 'no_hash_list' }] };
  const problems: Extract<Verdict, { ok: false }>['problems'] = [];
  let key: KeyObject;
  try {
    key = createPublicKey(trusted ?? keyPem.toString('utf8'));
    if (trusted && keyFingerprint(key) !== keyFingerprint(createPublicKey(keyPem.toString('utf8')))) problems.push({ file: PUBLIC_KEY, problem: 'untrusted_key' });
    if (!verify(null, sums, key, Buffer.from(signature.toString('utf8').trim(), 'base64'))) problems.push({ file: SIGNATURE, problem: 'bad_signature' });
  } catch {
    return { ok: false, problems: [{ file: PUBLIC_KEY, problem: 'bad_signature' }] };
  }
  const listed = new Set<string>();
  for (const line of sums.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) continue;
    const [, hash, name] = m as unknown as [string, string, string];
    listed.add(name);
    const bytes = byName.get(name);
    if (!bytes) problems.push({ file: name, problem: 'missing' });
    else if (sha256(bytes) !== hash) problems.push({ file: name, problem: 'changed' });
  }
  for (const name of byName.keys()) if (!listed.has(name) && !UNLISTED.has(name)) problems.push({ file: name, problem: 'unlisted' });
  return problems.length ? { ok: false, problems } : { ok: true, files: listed.size, fingerprint: keyFingerprint(key) };
}

/** The files as a tar archive, each under `folder/`. */
export async function toTar(folder: string, files: readonly BundleFile[], mtime: Date): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => { tar.on('end', resolve); tar.on('error', reject); });
  for (const f of files) {
    await new Promise<void>((resolve, reject) => tar.entry({ name: `${folder}/${f.name}`, size: f.bytes.length, mode: 0o644, mtime }, f.bytes, (e) => (e ? reject(e) : resolve())));
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The regular files of a tar archive, with the first folder of each name taken off. */
export async function fromTar(archive: Buffer): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  const reader = extract();
  await new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((header.type ?? 'file') === 'file') files.push({ name: header.name.replace(/^[^/]+\//, ''), bytes: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
    Readable.from([archive]).pipe(reader);
  });
  return files;
}
