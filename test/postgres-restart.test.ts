// PostgreSQL restarting (a failover, a minor upgrade) under heartbeat load: the server keeps running,
// answers 503 with Retry-After while the database is away, takes heartbeats again by itself when it
// is back, and every heartbeat it acknowledged is stored. On a cluster of its own, so it can be stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { heartbeatReport } from './support/app.ts';
import { postgresUrl } from './support/env.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { enrolmentSite, operatorApi, poll, sleep, startTestServer, waitFor, type TestServer } from './support/server.ts';

const TERMINALS = 8;
/** Generous: a request that takes this long has hung, whatever the machine's load. */
const HANG = 30_000;

describe.skipIf(!postgresUrl())('PostgreSQL restarting under heartbeat load', () => {
  let cluster: ThrowawayPostgres | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    cluster = await startThrowawayPostgres();
    server = await startTestServer({ prefix: 'posfleet-pg-restart', env: { DATABASE_URL: cluster.url } });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  });

  it('answers 503 with Retry-After while it is away, takes heartbeats again when it is back, and loses none it acknowledged', async () => {
    const api = operatorApi(server!);
    const { code } = await enrolmentSite(api, 'PGR', TERMINALS, 'Restart');
    const post = (path: string, body: unknown, credential?: string) => fetch(server!.url + path, {
      method: 'POST', signal: AbortSignal.timeout(HANG),
      headers: { 'content-type': 'application/json', ...(credential && { authorization: `Bearer ${credential}` }) },
      body: JSON.stringify(body),
    });
    const terminals = await Promise.all(Array.from({ length: TERMINALS }, async (_, i) => {
      const enrolled = await post('/device/v1/enrol', { serialNumber: `PGR-${i}`, code });
      expect(enrolled.status).toBe(201);
      const { terminalId, credential } = await enrolled.json() as { terminalId: string; credential: string };
      return { terminalId, credential, acknowledged: [] as number[], refused: 0, retryAfter: new Set<string | null>() };
    }));

    // Each terminal beats as fast as it is answered; a refused heartbeat is sent again with its seq.
    let loading = true;
    const load = Promise.all(terminals.map(async (t) => {
      let seq = 1;
      while (loading) {
        const answer = await post('/device/v1/heartbeat', heartbeatReport(seq), t.credential);
        if (answer.status === 200) {
          t.acknowledged.push(seq++);
        } else {
          expect(answer.status).toBe(503);
          expect((await answer.json() as { error: { code: string } }).error.code).toBe('database_unavailable');
          t.refused++;
          t.retryAfter.add(answer.headers.get('retry-after'));
        }
        await sleep(20); // pacing, not waiting for something
      }
    }));
    const failed = load.then(() => undefined, (error: unknown) => error);
    const everyTerminal = (condition: (t: (typeof terminals)[number]) => boolean) => () => terminals.every(condition);

    try {
      await waitFor(everyTerminal((t) => t.acknowledged.length >= 2), HANG, 'heartbeats before the restart');
      await cluster!.shutDown();
      await waitFor(everyTerminal((t) => t.refused > 0), HANG, 'every terminal told to come back later');
      await waitFor(() => server!.services.jobs.paused, HANG, 'background jobs paused');
      const operator = await fetch(`${server!.url}/api/v1/terminals`, { headers: { authorization: 'Bearer test-admin-token' }, signal: AbortSignal.timeout(HANG) });
      expect(operator.status).toBe(503);
      expect(operator.headers.get('retry-after')).toMatch(/^\d+$/);
      for (const t of terminals) expect([...t.retryAfter]).toEqual([expect.stringMatching(/^\d+$/)]);

      await cluster!.startAgain();
      const restartedAt = new Date().toISOString();
      const before = terminals.map((t) => t.acknowledged.length);
      await waitFor(() => terminals.every((t, i) => t.acknowledged.length >= before[i]! + 2), 60_000, 'heartbeats taken again after the restart');
      await waitFor(() => !server!.services.jobs.paused, 60_000, 'background jobs resumed');
      // Background jobs resumed by themselves: the offline sweep (every second here) ran again.
      const db = openDatabase(cluster!.url);
      try {
        await poll(async () => {
          const run = await db.kysely.selectFrom('job_runs').select('id').where('job_id', '=', 'offline-sweep').where('started_at', '>', restartedAt).where('outcome', '=', 'succeeded').executeTakeFirst();
          return run ? true : undefined;
        }, 60_000, 'the offline sweep running again');
        loading = false;
        expect(await failed).toBeUndefined();
        const stored = new Set((await db.kysely.selectFrom('heartbeats').select(['terminal_id', 'seq']).execute()).map((h) => `${h.terminal_id} ${Number(h.seq)}`));
        const lost = terminals.flatMap((t) => t.acknowledged.filter((seq) => !stored.has(`${t.terminalId} ${seq}`)).map((seq) => `${t.terminalId} ${seq}`));
        expect(lost).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      loading = false;
      await failed;
    }
  }, 240_000);
});
