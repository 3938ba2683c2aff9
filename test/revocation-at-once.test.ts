// One node: a terminal credential or an API token is remembered for minutes (a terminal heartbeating every
// few minutes costs no credential query), and still every way of ending one is refused at the very next
// request, because the code that ends it forgets it (and on PostgreSQL the node is also told by NOTIFY).
// The server's clock is driven: minutes pass between requests without waiting.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessRepository } from '../src/access/access.repository.ts';
import { DeviceRepository } from '../src/device/device.repository.ts';
import { buildEstate, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const MINUTE = 60_000;
const PASSWORD = 'lemon tea 2026 counter';
const HARDWARE = { pinPadSerial: 'PP-20931', secureProcessorId: 'SP-7F3A' };

describe.each(databases())('a revocation on one node, refused at once on $name', (kind) => {
  let t: TestApp;
  let now = Date.parse('2026-11-25T08:00:00.000Z');
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => new Date(now));
    // As a served node does: on PostgreSQL it listens for what other nodes revoke (and so trusts its cache long).
    await t.services.invalidations?.start();
    estate = await buildEstate(t);
  });
  afterAll(async () => {
    await t.services.invalidations?.stop();
    await t.close();
  });
  afterEach(() => vi.restoreAllMocks());

  let serials = 0;
  let seq = 0;
  const enrol = async (hardware = false) => {
    const serialNumber = `AT-ONCE-${++serials}`;
    await t.services.estate.createTerminal({ serialNumber, modelId: estate.model.id, siteId: estate.site.id, tags: [] });
    const { code } = await t.services.device.createEnrolmentCode({ serialNumber }, 'test');
    const res = await t.device('/device/v1/enrol', undefined, { serialNumber, code, ...(hardware && { hardware: { serial: serialNumber, ...HARDWARE } }) });
    expect(res.statusCode, res.body).toBe(201);
    return { serialNumber, ...(res.json() as { terminalId: string; credential: string }) };
  };
  const heartbeat = (credential: string, overrides: Record<string, unknown> = {}) => t.device('/device/v1/heartbeat', credential, heartbeatReport(++seq, overrides));
  /** Heartbeats now and again 9 minutes later: the second is answered from the cache (no credential query). */
  const cachedForMinutes = async (credential: string, overrides: Record<string, unknown> = {}) => {
    expect((await heartbeat(credential, overrides)).statusCode).toBe(200);
    now += 9 * MINUTE;
    const queries = vi.spyOn(DeviceRepository.prototype, 'terminalsForCredentials');
    expect((await heartbeat(credential, overrides)).statusCode).toBe(200);
    expect(queries).not.toHaveBeenCalled();
    queries.mockRestore();
  };

  it('answers a terminal heartbeating minutes apart from its cache, and after 10 minutes asks the database again', async () => {
    const { credential } = await enrol();
    await cachedForMinutes(credential);
    now += 2 * MINUTE;
    const queries = vi.spyOn(DeviceRepository.prototype, 'terminalsForCredentials');
    expect((await heartbeat(credential)).statusCode).toBe(200);
    expect(queries).toHaveBeenCalledTimes(1);
  });

  it('refuses a revoked credential at once', async () => {
    const { credential, terminalId } = await enrol();
    await cachedForMinutes(credential);
    expect((await t.api('POST', `/api/v1/terminals/${terminalId}/credentials/revoke`)).statusCode).toBe(200);
    expect((await heartbeat(credential)).statusCode).toBe(401);
  });

  it('refuses the credential of a deleted terminal at once', async () => {
    const { credential, terminalId } = await enrol();
    await cachedForMinutes(credential);
    expect((await t.api('DELETE', `/api/v1/terminals/${terminalId}`)).statusCode).toBe(204);
    expect((await heartbeat(credential)).statusCode).toBe(401);
  });

  it('refuses the old credential of a terminal enrolled again at once, and takes the new one', async () => {
    const { credential, serialNumber } = await enrol();
    await cachedForMinutes(credential);
    const { code } = await t.services.device.createEnrolmentCode({ serialNumber }, 'test');
    const again = await t.device('/device/v1/enrol', undefined, { serialNumber, code });
    expect(again.statusCode).toBe(201);
    expect((await heartbeat(credential)).statusCode).toBe(401);
    expect((await heartbeat(again.json().credential)).statusCode).toBe(200);
  });

  it('judges other hardware and a lock on the next heartbeat of a cached credential', async () => {
    const { credential, terminalId, serialNumber } = await enrol(true);
    const own = { hardware: { serial: serialNumber, ...HARDWARE } };
    await cachedForMinutes(credential, own);
    const skimmer = await heartbeat(credential, { hardware: { serial: serialNumber, ...HARDWARE, pinPadSerial: 'PP-SKIMMER' } });
    expect(skimmer.statusCode).toBe(403);
    expect(skimmer.json().error.key).toBe('security.hardware_mismatch');
    expect((await t.api('POST', `/api/v1/terminals/${terminalId}/lock`, { reason: 'tamper switch opened' })).statusCode).toBe(200);
    expect((await heartbeat(credential, own)).json()).toMatchObject({ mode: 'locked', reason: 'tamper switch opened' });
  });

  let users = 0;
  /** An operator account with an API token and a signed-in session. */
  const operator = async () => {
    const created = await t.api('POST', '/api/v1/users', { email: `at-once-${++users}@example.com`, name: `At once ${users}`, role: 'operator', password: PASSWORD });
    expect(created.statusCode, created.body).toBe(201);
    const user = created.json() as { id: string; email: string };
    const { token } = await t.services.access.createToken(user.id, { name: 'script', expiresInDays: 1 });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } });
    const cookie = login.cookies.find((c) => c.name === 'pf_session')!;
    return { user, token, session: { cookie: `pf_session=${cookie.value}`, 'x-csrf-token': login.json().me.csrfToken as string } };
  };
  const asToken = (token: string, method = 'GET', url = '/api/v1/terminals', payload?: object) =>
    t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(payload && { payload }) });
  const asSession = (session: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session });
  /** The token answers now and 9 minutes later from the cache (no token query). */
  const tokenCachedForMinutes = async (token: string) => {
    expect((await asToken(token)).statusCode).toBe(200);
    now += 9 * MINUTE;
    const queries = vi.spyOn(AccessRepository.prototype, 'tokenWithUser');
    expect((await asToken(token)).statusCode).toBe(200);
    expect(queries).not.toHaveBeenCalled();
    queries.mockRestore();
  };

  it('refuses a revoked API token at once', async () => {
    const { token } = await operator();
    await tokenCachedForMinutes(token);
    const [mine] = (await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } })).json().items;
    expect((await t.api('DELETE', `/api/v1/tokens/${mine.id}`)).statusCode).toBe(204);
    expect((await asToken(token)).statusCode).toBe(401);
  });

  it('refuses the token and the session of a disabled account at once', async () => {
    const { user, token, session } = await operator();
    await tokenCachedForMinutes(token);
    expect((await t.api('POST', `/api/v1/users/${user.id}/disable`)).statusCode).toBe(200);
    expect((await asToken(token)).statusCode).toBe(401);
    expect((await asSession(session)).statusCode).toBe(401);
  });

  it('answers a token by its account\'s new role at once', async () => {
    const { user, token } = await operator();
    await tokenCachedForMinutes(token);
    expect((await t.api('PATCH', `/api/v1/users/${user.id}`, { role: 'auditor' })).statusCode).toBe(200);
    const write = await asToken(token, 'POST', '/api/v1/merchants', { name: 'Not for an auditor', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    expect(write.statusCode).toBe(403);
  });

  it('ends the sessions of an account whose password an admin reset, and a signed-out session, at once', async () => {
    const { user, session, token } = await operator();
    expect((await asSession(session)).statusCode).toBe(200);
    await tokenCachedForMinutes(token);
    expect((await t.api('POST', `/api/v1/users/${user.id}/password-reset`, { password: 'temporary pass 4711' })).statusCode).toBe(200);
    expect((await asSession(session)).statusCode).toBe(401);
    // A token is a script's: a new password does not stop it (it is revoked on its own).
    expect((await asToken(token)).statusCode).toBe(200);

    const other = await operator();
    expect((await asSession(other.session)).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: other.session });
    expect((await asSession(other.session)).statusCode).toBe(401);
  });

  it('refuses a cached token once it expires, however long it may be cached', async () => {
    const { token } = await operator();
    now += 24 * 60 * MINUTE - 3 * MINUTE; // the one-day token has 3 minutes left
    expect((await asToken(token)).statusCode).toBe(200);
    now += 3 * MINUTE;
    const expired = await asToken(token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.key).toBe('auth.token_expired');
  });
});
