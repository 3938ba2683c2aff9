// The server's backup escrow key: an RSA key pair whose public half terminals wrap backup data keys
// with. The private half is a secret like TLS keys: a PEM file named by BACKUP_ESCROW_KEY_FILE, or,
// when unset, one generated on first start under DATA_DIR/secrets/ (mode 0600). Losing it makes every
// stored backup unreadable: keep it with the server's other secrets, not with the database.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CryptoKey } from './backup-envelope.ts';

export interface EscrowKey {
  keyId: string;
  /** SPKI, base64: what terminals fetch. */
  publicKeySpki: string;
  privateKey: CryptoKey;
}

export function escrowKeyPath(dataDir: string, file: string | undefined): string {
  return file ?? join(dataDir, 'secrets', 'backup-escrow-key.pem');
}

export async function loadEscrowKey(path: string, generate: boolean): Promise<EscrowKey> {
  if (!existsSync(path)) {
    if (!generate) throw new Error(`backup escrow key ${path} does not exist`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    try {
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
    }
    chmodSync(path, 0o600);
  }
  const pem = readFileSync(path, 'utf8');
  const key = createPrivateKey(pem);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await globalThis.crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  return { keyId: createHash('sha256').update(spki).digest('hex').slice(0, 16), publicKeySpki: spki.toString('base64'), privateKey };
}
