// Two nodes on one PostgreSQL, each with its own caches: what is changed through one is true on the
// other. A revoked terminal credential or API token is refused by the other node within 5 s (it is told
// through LISTEN/NOTIFY; it used to trust its cache for 30 s), and a lock or a maintenance job set
// through one node is in the very next heartbeat answer of the other.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query = 'LISTEN posfleet_invalidate'`.execute(a!.services.db.kysely);
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
