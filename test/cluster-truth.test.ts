// Two nodes on one PostgreSQL, each with its own caches: what is changed through one is true on the
// other. A revoked terminal credential or API token is refused by the other node within 5 s (it is told
// through LISTEN/NOTIFY; it used to trust its cache for 30 s), and a lock or a maintenance job set
// through one node is in the very next heartbeat answer of the other. While a node listens it trusts what
// it cached for minutes (a terminal heartbeating every few minutes costs it no credential query); while it
// does not, 5 s.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessRepository } from '../src/access/access.repository.ts';
import { InvalidationListener, LISTENER_APPLICATION_NAME } from '../src/cluster/invalidations.ts';
import { DeviceRepository } from '../src/device/device.repository.ts';
import { heartbeatReport } from './support/app.ts';
import { postgresUrl } from './support/env.ts';
import { createFreshPostgresDatabase } from './support/postgres.ts';
import { ADMIN_TOKEN, enrolmentSite, operatorApi, poll, startTestServer, waitFor, type TestServer } from './support/server.ts';

/** The promise: every node refuses a revoked secret within this. */
const REVOCATION_BOUND_MS = 5_000;

describe.skipIf(!postgresUrl())('two nodes on PostgreSQL agree', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  beforeAll(async () => {
    const databaseUrl = await createFreshPostgresDatabase(postgresUrl()!);
    // Terminals stay online for a minute between heartbeats, however slowly a busy machine runs the test.
    const env = { DATABASE_URL: databaseUrl, HEARTBEAT_INTERVAL_SECONDS: '60' };
    a = await startTestServer({ prefix: 'posfleet-node-a', env });
    b = await startTestServer({ prefix: 'posfleet-node-b', env });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  let seq = 1;
  const heartbeat = async (node: TestServer, credential: string) => {
    const response = await fetch(`${node.url}/device/v1/heartbeat`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` }, body: JSON.stringify(heartbeatReport(seq++)),
    });
    return { status: response.status, body: await response.json() as { mode?: string; reason?: string | null } };
  };
  let modelId = '';
  const estate = async (terminals: number) => {
    const api = operatorApi(a!);
    const site = await enrolmentSite(api, 'TRUTH', terminals, 'Truth');
    modelId = site.modelId;
    const { code } = site;
    const enrolled = [];
    for (let i = 0; i < terminals; i++) {
      const response = await fetch(`${a!.url}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber: `TRUTH-${i}`, code }) });
      enrolled.push(await response.json() as { terminalId: string; credential: string });
    }
    return enrolled;
  };
  let terminals: { terminalId: string; credential: string }[] = [];

  it('refuses a terminal credential revoked through the other node within 5 s', async () => {
    terminals = await estate(3);
    const [revoked] = terminals;
    // Both nodes have taken it (and remember it).
    expect((await heartbeat(a!, revoked!.credential)).status).toBe(200);
    expect((await heartbeat(b!, revoked!.credential)).status).toBe(200);
    await operatorApi(a!)('POST', `/api/v1/terminals/${revoked!.terminalId}/credentials/revoke`);
    expect((await heartbeat(a!, revoked!.credential)).status).toBe(401);
    await poll(async () => ((await heartbeat(b!, revoked!.credential)).status === 401 ? true : undefined), REVOCATION_BOUND_MS, 'the other node refusing the revoked credential');
  });

  it('refuses an API token revoked through the other node within 5 s', async () => {
    const { id, token } = await operatorApi(a!)('POST', '/api/v1/tokens', { name: 'script on node b' });
    const list = () => fetch(`${b!.url}/api/v1/terminals`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await list()).toBe(200);
    await operatorApi(a!)('DELETE', `/api/v1/tokens/${id}`);
    await poll(async () => ((await list()) === 401 ? true : undefined), REVOCATION_BOUND_MS, 'the other node refusing the revoked token');
    // The admin's own token, cached on the same node, still works.
    expect((await fetch(`${b!.url}/api/v1/terminals`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });

  it('listens again by itself when its listening connection breaks, and is told of revocations as before', async () => {
    const listener = b!.services.invalidations!;
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = ${LISTENER_APPLICATION_NAME}`.execute(a!.services.db.kysely);
    await waitFor(() => !listener.listening, 30_000, 'the broken connection noticed');
    await waitFor(() => listener.listening, 30_000, 'listening again');
    const { id, token } = await operatorApi(a!)('POST', '/api/v1/tokens', { name: 'after the break' });
    const list = () => fetch(`${b!.url}/api/v1/terminals`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await list()).toBe(200);
    await operatorApi(a!)('DELETE', `/api/v1/tokens/${id}`);
    await poll(async () => ((await list()) === 401 ? true : undefined), REVOCATION_BOUND_MS, 'the other node refusing the revoked token');
  });

  it('answers a lock or a maintenance job set through one node in the next heartbeat of the other', async () => {
    const [, terminal, another] = terminals;
    const { credential, terminalId } = terminal!;
    // Another terminal of the site trades on, so the site may lose this one to maintenance.
    expect((await heartbeat(a!, another!.credential)).status).toBe(200);
    expect((await heartbeat(b!, credential)).body.mode).toBe('normal');
    await operatorApi(a!)('POST', `/api/v1/terminals/${terminalId}/lock`, { reason: 'tamper switch opened' });
    expect((await heartbeat(b!, credential)).body).toMatchObject({ mode: 'locked', reason: 'tamper switch opened' });
    await operatorApi(b!)('POST', `/api/v1/terminals/${terminalId}/unlock`, { reason: 'seal intact on inspection' });
    expect((await heartbeat(a!, credential)).body.mode).toBe('normal');
    const { items: [job] } = await operatorApi(a!)('POST', '/api/v1/maintenance/jobs', { terminalIds: [terminalId], work: ['update'], reason: 'security patch' });
    expect(job.state).toBe('draining');
    expect((await heartbeat(b!, credential)).body).toMatchObject({ mode: 'maintenance', reason: 'security patch' });
  });

  it('judges the next heartbeat on the other node by thresholds changed through one', async () => {
    const [, , terminal] = terminals;
    const healthLow = () => a!.services.db.kysely.selectFrom('incidents').select('id')
      .where('terminal_id', '=', terminal!.terminalId).where('rule', '=', 'battery_health_low').execute();
    // Node b has judged this model's terminals by the defaults (a battery at 95 % health is fine)...
    expect((await heartbeat(b!, terminal!.credential)).status).toBe(200);
    expect(await healthLow()).toEqual([]);
    // ...until a fleet manager says this model's batteries fail below 96 %.
    await operatorApi(a!)('PUT', `/api/v1/terminal-models/${modelId}/diagnostic-thresholds`, { battery: { minHealth: 96 } });
    await poll(async () => {
      expect((await heartbeat(b!, terminal!.credential)).status).toBe(200);
      return (await healthLow()).length === 1 ? true : undefined;
    }, REVOCATION_BOUND_MS, 'the incident opened by the other node');
  });
});

describe.skipIf(!postgresUrl())('a node on PostgreSQL trusts its cache long only while it listens', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  /** Node b's clock, driven by the tests (its background jobs are off, so nothing else minds). */
  let clock = () => new Date();
  beforeAll(async () => {
    const env = { DATABASE_URL: await createFreshPostgresDatabase(postgresUrl()!), HEARTBEAT_INTERVAL_SECONDS: '60' };
    a = await startTestServer({ prefix: 'posfleet-node-a', env });
    b = await startTestServer({ prefix: 'posfleet-node-b', env, jobs: false, clock: () => clock() });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    clock = () => new Date();
  });

  let seq = 1;
  const heartbeat = (credential: string, node = b!, overrides: Record<string, unknown> = {}) => fetch(`${node.url}/device/v1/heartbeat`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` }, body: JSON.stringify(heartbeatReport(seq++, overrides)),
  }).then((r) => r.status);
  const list = (token: string) => fetch(`${b!.url}/api/v1/terminals`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  let code = '';
  let enrolled = 0;
  const enrol = async () => {
    code ||= (await enrolmentSite(operatorApi(a!), 'LONG', 10, 'Long')).code;
    const response = await fetch(`${a!.url}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber: `LONG-${++enrolled}`, code }) });
    return await response.json() as { terminalId: string; credential: string };
  };
  const token = async (name: string) => await operatorApi(a!)('POST', '/api/v1/tokens', { name }) as { id: string; token: string };
  /** Node b's clock stands at `at` (ms) until moved again. */
  const standAt = (at: number) => { clock = () => new Date(at); };

  it('answers from its cache minutes later, and refuses a credential or token revoked through the other node within 5 s', async () => {
    const terminal = await enrol();
    const script = await token('script on node b');
    expect(await heartbeat(terminal.credential)).toBe(200);
    expect(await list(script.token)).toBe(200);
    // Five minutes on, node b still answers both from its cache: no query.
    clock = () => new Date(Date.now() + 5 * 60_000);
    const credentialQueries = vi.spyOn(DeviceRepository.prototype, 'terminalsForCredentials');
    const tokenQueries = vi.spyOn(AccessRepository.prototype, 'tokenWithUser');
    expect(await heartbeat(terminal.credential)).toBe(200);
    expect(await list(script.token)).toBe(200);
    expect(credentialQueries).not.toHaveBeenCalled();
    expect(tokenQueries).not.toHaveBeenCalled();
    // Its entries would live minutes more: a refusal within 5 s is the other node's notice.
    await operatorApi(a!)('POST', `/api/v1/terminals/${terminal.terminalId}/credentials/revoke`);
    await operatorApi(a!)('DELETE', `/api/v1/tokens/${script.id}`);
    await poll(async () => ((await heartbeat(terminal.credential)) === 401 ? true : undefined), REVOCATION_BOUND_MS, 'node b refusing the revoked credential');
    await poll(async () => ((await list(script.token)) === 401 ? true : undefined), REVOCATION_BOUND_MS, 'node b refusing the revoked token');
  });

  it('while its listener is down, trusts a cached credential or token 5 s only, and forgets them all once it listens again', async () => {
    const listener = b!.services.invalidations!;
    const [revoked, kept] = [await enrol(), await enrol()];
    const script = await token('revoked while node b is deaf');
    const t0 = Date.now();
    standAt(t0 - 60_000);
    expect(await heartbeat(kept.credential)).toBe(200); // cached a minute ago, while listening
    standAt(t0);
    expect(await heartbeat(revoked.credential)).toBe(200);
    expect(await list(script.token)).toBe(200);
    await listener.stop();
    try {
      expect(listener.listening).toBe(false);
      // Read a minute ago: no longer trusted now that notices are not heard (asked again, still valid).
      const credentialQueries = vi.spyOn(DeviceRepository.prototype, 'terminalsForCredentials');
      expect(await heartbeat(kept.credential)).toBe(200);
      expect(credentialQueries).toHaveBeenCalledTimes(1);
      // Revoked through node a, and node b is not told...
      await operatorApi(a!)('POST', `/api/v1/terminals/${revoked.terminalId}/credentials/revoke`);
      await operatorApi(a!)('DELETE', `/api/v1/tokens/${script.id}`);
      standAt(t0 + 4_999);
      expect(await heartbeat(revoked.credential)).toBe(200);
      expect(await list(script.token)).toBe(200);
      // ...so its cache keeps them no longer than 5 s.
      standAt(t0 + 5_000);
      expect(await heartbeat(revoked.credential)).toBe(401);
      expect(await list(script.token)).toBe(401);
    } finally {
      await listener.start();
    }
    expect(listener.listening).toBe(true);
    // Listening again, it forgot everything: the next request asks the database.
    vi.restoreAllMocks();
    const credentialQueries = vi.spyOn(DeviceRepository.prototype, 'terminalsForCredentials');
    expect(await heartbeat(kept.credential)).toBe(200);
    expect(credentialQueries).toHaveBeenCalledTimes(1);
  });

  it('refuses other hardware on a node that cached the terminal before its first fingerprint was bound through another', async () => {
    const terminal = await enrol(); // enrolled without hardware: the first heartbeat reporting some binds it
    const hardware = (pinPadSerial: string) => ({ hardware: { serial: `LONG-${enrolled}`, pinPadSerial, secureProcessorId: 'SP-7F3A' } });
    expect(await heartbeat(terminal.credential)).toBe(200); // node b caches it, unbound
    expect(await heartbeat(terminal.credential, a!, hardware('PP-20931'))).toBe(200); // bound through node a
    expect(await heartbeat(terminal.credential, b!, hardware('PP-SKIMMER'))).toBe(403);
    expect(await heartbeat(terminal.credential, b!, hardware('PP-20931'))).toBe(200);
  });

  it('counts a listening connection that stops answering (no reset, as over a lost network path) as not listening', async () => {
    const listener = new InvalidationListener(postgresUrl()!, { probeMs: 100, probeTimeoutMs: 500, retryMs: 60_000 });
    const listeners = async () => (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME}`.execute(a!.services.db.kysely)).rows.map((r) => r.pid);
    const before = new Set(await listeners());
    await listener.start();
    let stopped: number | undefined;
    try {
      expect(listener.listening).toBe(true);
      stopped = (await listeners()).find((pid) => !before.has(pid));
      try {
        process.kill(stopped!, 'SIGSTOP'); // its PostgreSQL backend stops answering, the connection stays open
      } catch {
        return; // a PostgreSQL server of another user (CI's own): cannot be paused from here
      }
      await waitFor(() => !listener.listening, 30_000, 'the silent connection counted as lost');
    } finally {
      if (stopped) process.kill(stopped, 'SIGCONT');
      await listener.stop();
    }
  });
});
