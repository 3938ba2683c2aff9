// Operator passwords: hashed with scrypt (memory-hard, in node:crypto) and held to PCI DSS-style
// rules — at least 12 characters with letters and digits, not one of the last four.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { invalidField } from '../shared/errors.ts';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(password, salt, keylen, options, (e, key) => (e ? reject(e) : resolve(key))));

// N=2^15, r=8: 32 MiB and ~100 ms of CPU per hash on this class of machine.
const PARAMS = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
/** scrypt's cost N for new hashes. Only the test harness lowers it (test/support), never an environment setting. */
export const PASSWORD_HASH_COST = PARAMS.N;
export const PASSWORD_HISTORY = 4;

/** A new hash at cost `cost` (scrypt's N, a power of two); a hash says its own cost, so any cost verifies. */
export async function hashPassword(password: string, cost: number = PASSWORD_HASH_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { ...PARAMS, N: cost });
  return `scrypt$${cost}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A hash that matches no password, at cost `cost`: checking it takes as long as checking a real one. */
export const dummyHash = (cost: number = PASSWORD_HASH_COST) =>
  `scrypt$${cost}$${PARAMS.r}$${PARAMS.p}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, expected] = parts as [string, string, string, string, string, string];
  const want = Buffer.from(expected, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), want.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return timingSafeEqual(key, want);
}

/** Throws a 400 naming `password` when the new password breaks a rule. */
export async function checkNewPassword(password: string, previousHashes: string[]): Promise<void> {
  if (password.length < 12) throw invalidField('password', 'user.password_too_short', { min: 12 });
  if (password.length > 256) throw invalidField('password', 'user.password_too_long', { max: 256 });
  if (!/\p{L}/u.test(password) || !/\p{N}/u.test(password)) throw invalidField('password', 'user.password_letters_digits');
  for (const previous of previousHashes.slice(0, PASSWORD_HISTORY)) {
    if (await verifyPassword(password, previous)) throw invalidField('password', 'user.password_reused', { count: PASSWORD_HISTORY });
  }
}

/** A password older than maxAgeDays must be changed before anything else (PCI DSS 8.3.9). */
export function passwordExpired(changedAt: string | null, maxAgeDays: number, now: Date): boolean {
  if (maxAgeDays <= 0) return false;
  if (!changedAt) return true;
  return now.getTime() - new Date(changedAt).getTime() > maxAgeDays * 86_400_000;
}
