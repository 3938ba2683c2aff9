// Random credentials and their one-way hashes. Credentials are long and random, so a fast SHA-256
// is enough to store them (a slow password hash would cap heartbeat throughput); only hashes are kept.
import { createHash, randomBytes, randomInt } from 'node:crypto';

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

// No 0/O, 1/I/L: enrolment codes are typed on a terminal's keypad or read over the phone.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A one-time enrolment code such as "K7XQ-2M9P" (≈ 40 bits). */
export function newEnrolmentCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Codes are compared without case, spaces or dashes, as people type them. */
export function normaliseEnrolmentCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/** The credential of an `Authorization: Bearer <credential>` header. */
export function bearer(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}
