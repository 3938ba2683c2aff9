// The encryption of a terminal's backup, with Web Crypto only (the SDK runs wherever fetch does):
// AES-256-GCM with a random data key per backup; the data key is wrapped with the server's escrow
// public key (RSA-OAEP, SHA-256), whose private key is a server secret, so the server stores only the
// wrapped key. On restore the server unwraps the data key in memory and wraps it again for a one-time
// key pair the restoring terminal made, so the key never travels or rests in plain.

const subtle = () => globalThis.crypto.subtle;
/** A Web Crypto key (the DOM's CryptoKey, named without the DOM library). */
export type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;
const OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

export interface SealedBackup {
  ciphertext: Uint8Array;
  /** base64 */
  wrappedKey: string;
  /** base64, 12 bytes */
  iv: string;
  /** hex SHA-256 of the ciphertext: what the server verifies. */
  sha256: string;
}

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** An RSA public key in SPKI (base64), as the server publishes it and a restoring terminal sends it. */
export function importPublicKey(spkiBase64: string): Promise<CryptoKey> {
  return subtle().importKey('spki', fromBase64(spkiBase64), OAEP, false, ['encrypt']);
}

export async function seal(plaintext: Uint8Array<ArrayBuffer>, escrowPublicKey: CryptoKey): Promise<SealedBackup> {
  const dataKey = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv }, dataKey, plaintext));
  const raw = new Uint8Array(await subtle().exportKey('raw', dataKey));
  const wrapped = new Uint8Array(await subtle().encrypt(OAEP, escrowPublicKey, raw));
  raw.fill(0);
  return { ciphertext, wrappedKey: toBase64(wrapped), iv: toBase64(iv), sha256: await sha256Hex(ciphertext) };
}

/** A one-time key pair a terminal makes to receive a backup's data key. */
export async function restoreKeyPair(): Promise<{ privateKey: CryptoKey; publicKeySpki: string }> {
  const pair = await subtle().generateKey({ ...OAEP, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
  return { privateKey: pair.privateKey, publicKeySpki: toBase64(new Uint8Array(await subtle().exportKey('spki', pair.publicKey))) };
}

/** Server side: the data key wrapped with the escrow key, wrapped again for the restoring terminal's key. */
export async function rewrap(wrappedKey: string, escrowPrivateKey: CryptoKey, recipientSpki: string): Promise<string> {
  const raw = new Uint8Array(await subtle().decrypt(OAEP, escrowPrivateKey, fromBase64(wrappedKey)));
  try {
    return toBase64(new Uint8Array(await subtle().encrypt(OAEP, await importPublicKey(recipientSpki), raw)));
  } finally {
    raw.fill(0);
  }
}

/** Terminal side: decrypts a backup with the data key the server wrapped for this terminal's one-time key. */
export async function open(ciphertext: Uint8Array<ArrayBuffer>, iv: string, wrappedForMe: string, privateKey: CryptoKey): Promise<Uint8Array> {
  const raw = new Uint8Array(await subtle().decrypt(OAEP, privateKey, fromBase64(wrappedForMe)));
  const key = await subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['decrypt']);
  raw.fill(0);
  return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: fromBase64(iv) }, key, ciphertext));
}
