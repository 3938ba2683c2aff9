// Operator access: sign-in with lockout, password rules and expiry, TOTP, sessions with CSRF, scoped
// API tokens, and the hash-chained audit trail with its verification.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { createDemoAccount } from '../src/demo/demo-estate.ts';
import { databases } from './support/databases.ts';
import { waitFor } from './support/server.ts';
import { posfleetEntry } from './support/cli.ts';

const PASSWORD = 'lemon tea 2026 counter';

/** A server-sent event stream read as it arrives: what came so far, and whether the server ended it. */
async function liveStream(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  if (response.status !== 200) throw new Error(`the stream did not open: ${response.status}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  })().catch(() => undefined).finally(() => { ended = true; });
  return { text: () => text, ended: () => ended };
}

describe.each(databases())('operator access on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T08:00:00.000Z');
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await kind.fresh();
    t = await startTestApp(databaseUrl, { PASSWORD_MAX_AGE_DAYS: '90', MAX_FAILED_LOGINS: '3', LOCKOUT_MINUTES: '30' }, () => now);
  });
  afterAll(() => t.close());

  let n = 0;
  const newUser = async (role: 'operator' | 'auditor' | 'merchant' | 'support' = 'operator', extra: Record<string, unknown> = {}) => {
    const res = await t.api('POST', '/api/v1/users', { email: `user${++n}@example.com`, name: `User ${n}`, role, password: PASSWORD, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; email: string };
  };
  const login = (email: string, password = PASSWORD, totp?: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password, ...(totp && { totp }) } });
  const sessionOf = (res: Awaited<ReturnType<typeof login>>) => {
    const cookie = res.cookies.find((c) => c.name === 'pf_session')!;
    return { cookie: `pf_session=${cookie.value}`, csrf: res.json().me.csrfToken as string, attributes: cookie };
  };

  it('signs in with a session cookie that needs the CSRF token for changes', async () => {
    const user = await newUser();
    const res = await login(user.email);
    expect(res.statusCode).toBe(200);
    const session = sessionOf(res);
    expect(session.attributes).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } });
    expect(me.json()).toMatchObject({ userId: user.id, role: 'operator', via: 'session' });

    const merchant = { name: 'CSRF test', timeZone: 'Asia/Shanghai', locale: 'zh-CN' };
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/merchants', headers: { cookie: session.cookie }, payload: merchant });
    expect(forged.statusCode).toBe(403);
    const real = await t.app.inject({ method: 'POST', url: '/api/v1/merchants', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: merchant });
    expect(real.statusCode).toBe(201);

    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } })).statusCode).toBe(401);
  });

  it('gives the same answer for an unknown e-mail, a wrong password and a locked account, and locks after repeated failures', async () => {
    const user = await newUser();
    const unknown = await login('nobody@example.com');
    const wrong = await login(user.email, 'not the password 1');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    await login(user.email, 'not the password 2');
    await login(user.email, 'not the password 3'); // the third failure locks
    const locked = await login(user.email); // the right password, but locked
    expect(locked.statusCode).toBe(wrong.statusCode);
    expect(locked.json()).toEqual(wrong.json());
    expect(locked.json().error).toEqual({ code: 'unauthenticated', key: 'auth.wrong_credentials', params: {}, message: 'Wrong e-mail or password.' });
    // The admin sees the lock, and the audit trail says what really happened.
    expect((await t.api('GET', `/api/v1/users/${user.id}`)).json().lockedUntil).toBe(new Date(now.getTime() + 30 * 60_000).toISOString());
    const reasons = (await t.services.db.kysely.selectFrom('audit_log').select('details').where('action', '=', 'auth.login').where('object_id', '=', user.id).orderBy('seq').execute())
      .map((r) => JSON.parse(r.details ?? '{}').reason);
    expect(reasons).toEqual([
      'wrong password (1 of 3 before the account locks)', 'wrong password (2 of 3 before the account locks)',
      `wrong password; the account is now locked until ${new Date(now.getTime() + 30 * 60_000).toISOString()} after 3 failed sign-ins`,
      `the account is locked until ${new Date(now.getTime() + 30 * 60_000).toISOString()}`,
    ]);
    now = new Date(now.getTime() + 31 * 60_000);
    expect((await login(user.email)).statusCode).toBe(200);
  });

  it('counts every one of many wrong passwords that arrive together: exactly the limit locks the account', async () => {
    const almost = await newUser();
    const locked = await newUser();
    const tryAll = (email: string, times: number) => Promise.all(Array.from({ length: times }, (_, i) => login(email, `parallel wrong ${i}`)));
    expect((await tryAll(almost.email, 2)).map((r) => r.statusCode)).toEqual([401, 401]);
    expect((await tryAll(locked.email, 3)).map((r) => r.statusCode)).toEqual([401, 401, 401]);
    expect((await t.api('GET', `/api/v1/users/${almost.id}`)).json().lockedUntil).toBeNull();
    expect((await t.api('GET', `/api/v1/users/${locked.id}`)).json().lockedUntil).not.toBeNull();
    expect((await login(locked.email)).statusCode).toBe(401); // the right password, refused: locked
    expect((await login(almost.email)).statusCode).toBe(200); // and a success clears the count
    await tryAll(almost.email, 2);
    expect((await login(almost.email)).statusCode).toBe(200);
  });

  it('slows down guessing with a rate limit per address and account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login('guess@example.com', `guess number ${i}`)).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const limited = await login('guess@example.com');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
  });

  it('lets an admin unlock an account', async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) await login(user.email, `wrong password ${i}x`);
    expect((await login(user.email)).statusCode).toBe(401);
    expect((await t.api('POST', `/api/v1/users/${user.id}/unlock`)).statusCode).toBe(200);
    expect((await login(user.email)).statusCode).toBe(200);
  });

  it('lets an admin disable an account: it cannot sign in, its session ends at once, and enabling lets it sign in again', async () => {
    const user = await newUser();
    const session = sessionOf(await login(user.email));
    const headers = { cookie: session.cookie };
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).statusCode).toBe(200);
    const disabled = await t.api('POST', `/api/v1/users/${user.id}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabledAt).not.toBeNull();
    expect((await t.api('POST', `/api/v1/users/${user.id}/disable`)).json().disabledAt).toBe(disabled.json().disabledAt); // twice: no change
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).statusCode).toBe(401);
    expect((await login(user.email)).statusCode).toBe(401);
    expect((await t.api('POST', `/api/v1/users/${user.id}/enable`)).json().disabledAt).toBeNull();
    expect((await login(user.email)).statusCode).toBe(200);
    // The old session stays ended.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).statusCode).toBe(401);
    const audit = await t.api('GET', '/api/v1/audit?limit=100');
    expect(JSON.stringify(audit.json())).toContain(`POST /api/v1/users/:id/disable`);
  });

  it('lets the demo account reach Users', async () => {
    await createDemoAccount(t.services.access, 'demo password 2026');
    const me = (await login('demo@posfleet.local', 'demo password 2026')).json().me;
    expect(me.permissions).toContain('users:manage');
  });

  it('lets an admin set a temporary password: old sessions end, the old password fails, the new one must be changed', async () => {
    const user = await newUser();
    const session = sessionOf(await login(user.email));
    for (let i = 0; i < 3; i++) await login(user.email, `wrong password ${i}x`); // locked
    const reset = await t.api('POST', `/api/v1/users/${user.id}/password-reset`, { password: 'temporary pass 4711' });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } })).statusCode).toBe(401);
    expect((await login(user.email)).statusCode).toBe(401);
    const fresh = await login(user.email, 'temporary pass 4711');
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json().me.mustChangePassword).toBe(true);
    const short = await t.api('POST', `/api/v1/users/${user.id}/password-reset`, { password: 'short1' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('password');
  });

  it('holds passwords to the rules: length, letters and digits, not one of the last four', async () => {
    const short = await t.api('POST', '/api/v1/users', { email: 'short@example.com', name: 'S', role: 'operator', password: 'abc123' });
    expect(short.json().error).toMatchObject({ field: 'password', key: 'user.password_too_short', params: { min: 12 } });
    const noDigit = await t.api('POST', '/api/v1/users', { email: 'nodigit@example.com', name: 'S', role: 'operator', password: 'only letters here' });
    expect(noDigit.json().error.field).toBe('password');

    const user = await newUser();
    const session = sessionOf(await login(user.email));
    const change = (currentPassword: string, newPassword: string) => t.app.inject({
      method: 'POST', url: '/api/v1/auth/password', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: { currentPassword, newPassword },
    });
    const passwords = [PASSWORD, 'second password 22', 'third password 333', 'fourth password 4444'];
    for (let i = 1; i < passwords.length; i++) expect((await change(passwords[i - 1]!, passwords[i]!)).statusCode).toBe(204);
    const reuse = await change(passwords[3]!, PASSWORD);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().error).toMatchObject({ field: 'password', key: 'user.password_reused', params: { count: 4 } });
    expect((await change('wrong current 12', 'fifth password 55555')).json().error.field).toBe('currentPassword');
    expect((await change(passwords[3]!, 'fifth password 55555')).statusCode).toBe(204);
  });

  it('makes a user change an expired password before anything else', async () => {
    const user = await newUser();
    now = new Date(now.getTime() + 91 * 86_400_000);
    const res = await login(user.email);
    expect(res.json().me.mustChangePassword).toBe(true);
    const session = sessionOf(res);
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf };
    const blocked = await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toMatchObject({ field: 'password', key: 'auth.password_expired' });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers, payload: { currentPassword: PASSWORD, newPassword: 'a fresh password 91' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers })).statusCode).toBe(200);
  });

  it('asks for a TOTP code once the second factor is on, and counts wrong codes toward the lock', async () => {
    const user = await newUser();
    const session = sessionOf(await login(user.email));
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf };
    const { secret } = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers })).json();
    const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: now.getTime() }); // on the server's clock
    const wrongCode = () => (code() === '000000' ? '111111' : '000000');
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp/confirm', headers, payload: { code: wrongCode() } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp/confirm', headers, payload: { code: code() } })).statusCode).toBe(204);
    const without = await login(user.email);
    expect(without.statusCode).toBe(401);
    expect(without.json().error.field).toBe('totp');
    expect((await login(user.email, PASSWORD, code())).statusCode).toBe(200);

    // The password is known, the codes are guessed: the limit locks the account as for passwords.
    const guesses = await Promise.all([0, 1, 2].map(() => login(user.email, PASSWORD, wrongCode())));
    expect(guesses.map((r) => r.json().error.field)).toEqual(['totp', 'totp', 'totp']);
    const locked = await login(user.email, PASSWORD, code());
    expect(locked.statusCode).toBe(401);
    expect(locked.json().error).toEqual({ code: 'unauthenticated', key: 'auth.wrong_credentials', params: {}, message: 'Wrong e-mail or password.' });
  });

  it('ends the dashboard\'s live stream once its token is revoked or its session signs out', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const created = (await t.api('POST', '/api/v1/tokens', { name: 'wall screen' })).json();
    const byToken = await liveStream(`${address}/api/v1/events`, { authorization: `Bearer ${created.token}` });
    await waitFor(() => byToken.text().includes('event: fleet'), 30_000, 'the first snapshot');
    expect((await t.api('DELETE', `/api/v1/tokens/${created.id}`)).statusCode).toBe(204);
    await waitFor(byToken.ended, 30_000, 'the token\'s stream to end');
    expect((await fetch(`${address}/api/v1/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${created.token}` } })).status).toBe(401);

    const user = await newUser();
    const session = sessionOf(await login(user.email));
    const bySession = await liveStream(`${address}/api/v1/events`, { cookie: session.cookie });
    await waitFor(() => bySession.text().includes('event: fleet'), 30_000, 'the first snapshot');
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    await waitFor(bySession.ended, 30_000, 'the session\'s stream to end');

    // A disabled account's stream ends too.
    const disabled = await newUser();
    const its = sessionOf(await login(disabled.email));
    const byDisabled = await liveStream(`${address}/api/v1/events`, { cookie: its.cookie });
    await waitFor(() => byDisabled.text().includes('event: fleet'), 30_000, 'the first snapshot');
    await t.api('PATCH', `/api/v1/users/${disabled.id}`, { disabled: true });
    await waitFor(byDisabled.ended, 30_000, 'the disabled account\'s stream to end');
  });

  it('issues API tokens that are shown once, can be read-only, expire and can be revoked', async () => {
    const user = await newUser();
    const session = sessionOf(await login(user.email));
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf };
    const created = (await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { name: 'read script', scope: 'read', expiresInDays: 1 } })).json();
    expect(created.token).toMatch(/^pfo_/);
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers })).json().items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('token');

    const bearer = { authorization: `Bearer ${created.token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers: bearer })).statusCode).toBe(200);
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/merchants', headers: bearer, payload: { name: 'x' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().error).toMatchObject({ code: 'forbidden', key: 'auth.read_only_token' });

    now = new Date(now.getTime() + 2 * 86_400_000);
    // The token cache runs on the same clock: two days on, the one-day token is refused.
    const lapsed = await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers: bearer });
    expect(lapsed.statusCode).toBe(401);
    expect(lapsed.json().error.message).toContain('expired');
    const expired = await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers: { authorization: `Bearer ${(await t.services.access.createToken(user.id, { name: 'short', expiresInDays: 1 })).token}` } });
    expect(expired.statusCode).toBe(200);
    const another = await t.services.access.createToken(user.id, { name: 'to revoke' });
    await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${another.id}`, headers: { authorization: `Bearer ${another.token}` } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/terminals', headers: { authorization: `Bearer ${another.token}` } })).statusCode).toBe(401);
  });

  it('shows merchant users only their own merchant', async () => {
    const mine = await buildEstate(t);
    const theirs = await buildEstate(t);
    const myTerminal = await buildTerminal(t, mine);
    const theirTerminal = await buildTerminal(t, theirs);
    const user = await newUser('merchant', { merchantId: mine.merchant.id });
    const { token } = await t.services.access.createToken(user.id, { name: 'merchant' });
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    expect((await get('/api/v1/terminals?limit=1000')).json().items.map((x: { id: string }) => x.id)).toEqual([myTerminal.id]);
    expect((await get(`/api/v1/terminals/${myTerminal.id}`)).statusCode).toBe(200);
    const hidden = await get(`/api/v1/terminals/${theirTerminal.id}`);
    const missing = await get('/api/v1/terminals/00000000-0000-0000-0000-000000000000');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe(missing.json().error.code);
    expect((await get(`/api/v1/sites/${theirs.site.id}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/merchants/${theirs.merchant.id}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/terminals/${theirTerminal.id}/health`)).statusCode).toBe(404);
    expect((await get('/api/v1/merchants')).json().items.map((m: { id: string }) => m.id)).toEqual([mine.merchant.id]);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/merchants', headers: { authorization: `Bearer ${token}` }, payload: { name: 'x' } })).statusCode).toBe(403);
  });

  it('records who changed what, and who was refused', async () => {
    const user = await newUser('auditor', { locale: 'zh-CN' });
    const { token } = await t.services.access.createToken(user.id, { name: 'auditor' });
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/merchants', headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' }, payload: { name: 'not allowed' } });
    expect(refused.statusCode).toBe(403);
    // The refusal names the role and what it may not do, in words, in the account's language.
    expect(refused.json().error).toMatchObject({
      code: 'forbidden', key: 'auth.role_may_not', params: { role: 'auditor', permission: 'estate:write', readOnly: 'no' },
      message: '审计员角色无权修改商户、门店、终端型号或终端。',
    });
    const created = (await t.api('POST', '/api/v1/merchants', { name: 'Audited', timeZone: 'Asia/Shanghai', locale: 'en' })).json();
    const entries = (await t.app.inject({ method: 'GET', url: '/api/v1/audit?limit=5', headers: { authorization: `Bearer ${token}` } })).json().items;
    expect(entries[1]).toMatchObject({ actorId: user.id, action: 'POST /api/v1/merchants', outcome: 'failure', details: { status: 403 } });
    expect(entries[0]).toMatchObject({ actorName: 'admin', action: 'POST /api/v1/merchants', objectType: 'merchants', objectId: created.id, outcome: 'success' });
    expect(entries[0].requestId).toEqual(expect.any(String));
    // Reading the audit log is itself audited.
    const again = (await t.api('GET', '/api/v1/audit?limit=1')).json().items[0];
    expect(again).toMatchObject({ actorId: user.id, action: 'GET /api/v1/audit' });
  });

  it('finds the exact entry that was edited, removed or reordered in the database', async () => {
    for (let i = 0; i < 5; i++) await t.api('POST', '/api/v1/merchants', { name: `Chain ${i}`, timeZone: 'Asia/Shanghai', locale: 'en' });
    const db = t.services.db.kysely;
    const verify = async () => (await t.api('GET', '/api/v1/audit/verify')).json();
    expect(await verify()).toMatchObject({ ok: true });
    // Each verify call is itself audited, so pick entries from before them.
    const [a, b, c] = (await db.selectFrom('audit_log').select('seq').orderBy('seq').limit(3).offset(3).execute()).map((r) => Number(r.seq));

    await db.updateTable('audit_log').set({ outcome: 'failure' }).where('seq', '=', b!).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: b, problem: 'edited' });
    await db.updateTable('audit_log').set({ outcome: 'success' }).where('seq', '=', b!).execute();
    expect(await verify()).toMatchObject({ ok: true });

    const cli = () => promisify(execFile)(process.execPath, [posfleetEntry(), 'audit', 'verify', '--database-url', databaseUrl]).then(
      (r) => ({ code: 0, out: r.stdout }), (e: { code: number; stderr: string }) => ({ code: e.code, out: e.stderr }));
    // Swap two entries' places: the chain breaks where the order changed.
    await sql`update audit_log set seq = -1 where seq = ${a}`.execute(db);
    await sql`update audit_log set seq = ${a} where seq = ${b}`.execute(db);
    await sql`update audit_log set seq = ${b} where seq = -1`.execute(db);
    const reordered = await verify();
    expect(reordered).toMatchObject({ ok: false, seq: a });
    expect((await cli()).out).toContain(`entry ${a}`);

    await sql`update audit_log set seq = -1 where seq = ${a}`.execute(db);
    await sql`update audit_log set seq = ${a} where seq = ${b}`.execute(db);
    await sql`update audit_log set seq = ${b} where seq = -1`.execute(db);
    await db.deleteFrom('audit_log').where('seq', '=', c!).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: c, problem: 'missing' });
    const result = await cli();
    expect(result.code).toBe(2);
    expect(result.out).toContain(`audit log broken at entry ${c} (missing)`);
  });

  it('keeps the bootstrap token working as the first admin', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(me.json()).toMatchObject({ role: 'admin', name: 'admin', via: 'token' });
  });
});
