// The server's case-export signing key: Ed25519, the algorithm publishers sign packages with. The private
// half is a secret like the backup escrow key (the same handling): a PEM file named by
// CASE_EXPORT_KEY_FILE, or, when unset, one generated on first start under DATA_DIR/secrets/ (mode
// 0600). Give acquirers and the police its public key (or its fingerprint) out of band, once.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SigningKey {
  privateKey: KeyObject;
  /** SPKI PEM, put in every bundle. */
  publicKeyPem: string;
  /** First 32 hex digits of the SHA-256 of the public key's DER, as publisher keys are named. */
  fingerprint: string;
}

export function signingKeyPath(dataDir: string, file: string | undefined): string {
  return file ?? join(dataDir, 'secrets', 'case-export-key.pem');
}

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function loadSigningKey(path: string, generate = true): SigningKey {
  if (!existsSync(path)) {
    if (!generate) throw new Error(`case-export signing key ${path} does not exist`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
    }
    chmodSync(path, 0o600);
  }
  const privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`case-export signing key ${path} is ${privateKey.asymmetricKeyType ?? 'unknown'}; an Ed25519 key is required`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: keyFingerprint(publicKey) };
}
