// What a publisher signs and how it is checked, without a server.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readPublicKey, signPackage, statementOf, verifyPackage } from './package-signature.ts';

const publisher = generateKeyPairSync('ed25519');
const pem = publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const facts = { kind: 'application', name: 'pos-app', version: '3.3.0', size: 1234, sha256: 'ab'.repeat(32) };

describe('package signatures', () => {
  it('verifies a signature made over the statement with the matching public key', () => {
    const signature = signPackage(facts, publisher.privateKey);
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(verifyPackage(facts, signature, pem)).toBe(true);
    expect(verifyPackage(facts, signature, publisher.publicKey)).toBe(true);
    // The hash may be given in upper case: the statement is the same.
    expect(verifyPackage({ ...facts, sha256: facts.sha256.toUpperCase() }, signature, pem)).toBe(true);
    // The PEM private key text works as well as a KeyObject (what `posfleet package sign` reads from a file).
    expect(signPackage(facts, publisher.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toBe(signature);
  });

  it('refuses the signature when any signed fact differs: the file cannot be relabelled or swapped', () => {
    const signature = signPackage(facts, publisher.privateKey);
    for (const changed of [{ kind: 'firmware' }, { name: 'pos-app2' }, { version: '3.3.1' }, { size: 1235 }, { sha256: 'cd'.repeat(32) }]) {
      expect(verifyPackage({ ...facts, ...changed }, signature, pem), JSON.stringify(changed)).toBe(false);
    }
  });

  it('keeps fields apart in the statement, so shifting text from one to the next changes it', () => {
    expect(statementOf({ ...facts, name: 'pos', version: '-app\n3.3.0' }).equals(statementOf(facts))).toBe(false);
    expect(statementOf(facts).toString()).toBe(`posfleet-package-v1\napplication\npos-app\n3.3.0\n1234\n${'ab'.repeat(32)}`);
  });

  it('refuses another key, garbage and truncated signatures without throwing', () => {
    const other = generateKeyPairSync('ed25519');
    expect(verifyPackage(facts, signPackage(facts, other.privateKey), pem)).toBe(false);
    expect(verifyPackage(facts, 'not base64 at all!', pem)).toBe(false);
    expect(verifyPackage(facts, signPackage(facts, publisher.privateKey).slice(0, 40), pem)).toBe(false);
    expect(verifyPackage(facts, '', pem)).toBe(false);
    expect(verifyPackage(facts, signPackage(facts, publisher.privateKey), 'not a key')).toBe(false);
  });
});

describe('publisher keys', () => {
  it('reads an Ed25519 public key and names it by a stable fingerprint', () => {
    const read = readPublicKey(pem);
    expect(read).toMatchObject({ ok: true, pem });
    if (!read.ok) return;
    expect(read.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    // The same key with other line endings and surrounding space is the same key.
    expect(readPublicKey(`\n${pem.replaceAll('\n', '\r\n')}  `)).toEqual(read);
    expect((readPublicKey(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()) as { fingerprint: string }).fingerprint).not.toBe(read.fingerprint);
  });

  it('refuses other key types, private keys and text that is no key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(readPublicKey(rsa)).toEqual({ ok: false, reason: 'is a rsa key; an Ed25519 key is required', problem: 'wrong_type', type: 'rsa' });
    expect(readPublicKey(publisher.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toMatchObject({ ok: false, reason: expect.stringContaining('private key') });
    expect(readPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toEqual({ ok: false, reason: 'is not a PEM public key', problem: 'not_pem' });
    expect(readPublicKey('hello')).toMatchObject({ ok: false });
  });
});
