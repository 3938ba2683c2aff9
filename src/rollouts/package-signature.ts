// What a publisher signs and how it is checked. Ed25519 signs a short statement naming the package
// (kind, name, version, size, SHA-256) rather than the file: the file can then be hashed while it streams
// (Ed25519 cannot sign a stream), and the signature also binds the version it claims to be, so a signed
// file cannot be relabelled. Used by the server at upload, by the SDK before installing, and by the CLI.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.ts';
import { statementText, type SignedFacts } from './package-statement.ts';

export type { SignedFacts };

/** What the signature binds of a parameter schema a package carries: the SHA-256 of its canonical JSON. */
export function parametersDigest(parameters: unknown): string {
  return createHash('sha256').update(canonicalJson(parameters)).digest('hex');
}

export function statementOf(facts: SignedFacts): Buffer {
  return Buffer.from(statementText(facts), 'utf8');
}

/** A base64 signature of the statement, made with an Ed25519 private key (PEM or KeyObject). */
export function signPackage(facts: SignedFacts, privateKey: string | KeyObject): string {
  return sign(null, statementOf(facts), privateKey).toString('base64');
}

export function verifyPackage(facts: SignedFacts, signature: string, publicKey: string | KeyObject): boolean {
  try {
    return verify(null, statementOf(facts), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** `reason` in English (the CLI prints it); `problem` (and `type`) for the catalogue's rollouts.public_key_invalid. */
export type PublicKeyCheck = { ok: true; pem: string; fingerprint: string } | { ok: false; reason: string; problem: 'private' | 'not_pem' | 'wrong_type'; type?: string };

/** Accepts an Ed25519 public key in PEM (SPKI); its id is the first 32 hex digits of the SHA-256 of the DER. */
export function readPublicKey(pem: string): PublicKeyCheck {
  // createPublicKey would quietly take the public half of a private key: refuse it, so that a private
  // key pasted by mistake is noticed (and replaced) rather than accepted.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return { ok: false, reason: 'is a private key; give the public key (posfleet keys generate prints it), and keep the private key secret', problem: 'private' };
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return { ok: false, reason: 'is not a PEM public key', problem: 'not_pem' };
  }
  if (key.asymmetricKeyType !== 'ed25519') return { ok: false, reason: `is a ${key.asymmetricKeyType ?? 'unknown'} key; an Ed25519 key is required`, problem: 'wrong_type', type: key.asymmetricKeyType ?? 'unknown' };
  const der = key.export({ type: 'spki', format: 'der' });
  return { ok: true, pem: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: createHash('sha256').update(der).digest('hex').slice(0, 32) };
}
