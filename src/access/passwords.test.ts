// Password hashing: production's scrypt cost is fixed (no environment setting lowers it); a hash names
// its own cost, so hashes made at the test harness's lower cost verify the same way.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { dummyHash, hashPassword, PASSWORD_HASH_COST, verifyPassword } from './passwords.ts';

describe('password hashes', () => {
  it('are made at scrypt N=32768 unless a caller names a cost, whatever the environment says', async () => {
    expect(PASSWORD_HASH_COST).toBe(32768);
    expect(loadConfig({ PASSWORD_HASH_COST: '1024', SCRYPT_N: '1024' }).passwordHashCost).toBe(32768);
    expect((await hashPassword('correct horse 12')).split('$').slice(0, 4)).toEqual(['scrypt', '32768', '8', '1']);
  });

  it('verify at the cost they name, and a dummy hash at that cost matches no password', async () => {
    const hash = await hashPassword('correct horse 12', 1024);
    expect(hash.split('$')[1]).toBe('1024');
    expect(await verifyPassword('correct horse 12', hash)).toBe(true);
    expect(await verifyPassword('correct horse 13', hash)).toBe(false);
    expect(await verifyPassword('correct horse 12', dummyHash(1024))).toBe(false);
  });
});
