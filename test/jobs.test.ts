// The background job layer: due jobs run once, failures are retried, and two server processes on one
// PostgreSQL database never run the same job twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { JobRunner } from '../src/jobs/job-runner.ts';
import { nextSlot } from '../src/jobs/schedule.ts';
import { declareRecurringJobs } from '../src/services.ts';
import { runAllDueJobs, startTestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { postgresUrl } from './support/env.ts';
import { createFreshPostgresDatabase } from './support/postgres.ts';
import { poll, waitFor } from './support/server.ts';

describe('schedule', () => {
  it('skips missed slots of a recurring job instead of replaying them', () => {
    const due = new Date('2026-01-01T00:00:00Z');
    expect(nextSlot(due, 60_000, new Date('2026-01-01T00:00:10Z')).toISOString()).toBe('2026-01-01T00:01:00.000Z');
    expect(nextSlot(due, 60_000, new Date('2026-01-01T00:05:30Z')).toISOString()).toBe('2026-01-01T00:06:00.000Z');
  });
});

describe.each(databases())('job runner on $name', (kind) => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => { for (const db of opened) await db.close(); });

  async function freshDb() {
    const url = await kind.fresh();
    const db = openDatabase(url);
    opened.push(db);
    await migrateToLatest(db);
    return Object.assign(db, { url });
  }

  it('runs each one-off job once even with two runners racing for them', async () => {
    const db = await freshDb();
    // On PostgreSQL the second runner has its own connection pool, like a second server process.
    const second = kind.name === 'postgres' ? openDatabase(db.url) : db;
    if (second !== db) opened.push(second);
    const ran: string[] = [];
    const handler = async (payload: unknown) => { ran.push((payload as { n: string }).n); await new Promise((r) => setTimeout(r, 2)); };
    const a = new JobRunner(db.kysely, db.dialect, () => new Date(), { pollMs: 10 }).handle('count', handler);
    const b = new JobRunner(second.kysely, second.dialect, () => new Date(), { pollMs: 10 }).handle('count', handler);
    for (let i = 0; i < 40; i++) await a.enqueue('count', { n: String(i) });
    await Promise.all([a.runDueJobs(), b.runDueJobs(), a.runDueJobs(), b.runDueJobs()]);
    expect(ran.sort()).toEqual(Array.from({ length: 40 }, (_, i) => String(i)).sort());
    const runs = await db.kysely.selectFrom('job_runs').select('job_id').execute();
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(runs.length);
  });

  it('retries a failed job with back-off and survives a restart', async () => {
    const db = await freshDb();
    let now = new Date('2026-11-25T00:00:00Z');
    let attempts = 0;
    const flaky = async () => { attempts++; if (attempts < 3) throw new Error('printer offline'); };
    const runner = () => new JobRunner(db.kysely, db.dialect, () => now, { pollMs: 10 }).handle('flaky', flaky);
    await runner().enqueue('flaky', {});
    expect(await runner().runDueJobs()).toBe(1);
    expect(await runner().runDueJobs()).toBe(0); // backing off
    now = new Date(now.getTime() + 5_000);
    expect(await runner().runDueJobs()).toBe(1); // a new runner (a restarted server) picks it up
    now = new Date(now.getTime() + 10_000);
    expect(await runner().runDueJobs()).toBe(1);
    expect(attempts).toBe(3);
    const job = await db.kysely.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.done_at).not.toBeNull();
    const outcomes = await db.kysely.selectFrom('job_runs').select(['outcome', 'error']).orderBy('started_at').execute();
    expect(outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(outcomes[0]!.error).toBe('printer offline');
  });

  it('keeps the run history only as long as JOB_RUN_RETENTION_DAYS', async () => {
    let now = new Date('2026-11-25T00:00:00Z');
    const t = await startTestApp(await kind.fresh(), { JOB_RUN_RETENTION_DAYS: '2' }, () => now);
    try {
      await declareRecurringJobs(t.services);
      await runAllDueJobs(t);
      const runsOn = async (day: string) => (await t.services.db.kysely.selectFrom('job_runs').select('started_at').execute()).filter((r) => r.started_at.startsWith(day)).length;
      expect(await runsOn('2026-11-25')).toBeGreaterThan(0);
      now = new Date('2026-11-26T12:00:00Z');
      await runAllDueJobs(t);
      expect(await runsOn('2026-11-25')).toBeGreaterThan(0); // a day and a half: still kept
      now = new Date('2026-11-27T12:00:00Z');
      await runAllDueJobs(t);
      expect(await runsOn('2026-11-25')).toBe(0);
      expect(await runsOn('2026-11-26')).toBeGreaterThan(0);
      expect(await runsOn('2026-11-27')).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

/** Two runners with a connection pool each (two server processes) on one PostgreSQL database. */
describe.skipIf(!postgresUrl())('a job that outlives its lease on PostgreSQL', () => {
  it('is renewed while it runs, so a second node never takes it up again', async () => {
    const url = await createFreshPostgresDatabase(postgresUrl()!);
    const first = openDatabase(url);
    const second = openDatabase(url);
    try {
      await migrateToLatest(first);
      let finish!: () => void;
      const running = new Promise<void>((resolve) => { finish = resolve; });
      const runs: string[] = [];
      const slow = (node: string) => async () => { runs.push(node); await running; };
      const leaseMs = 300;
      const a = new JobRunner(first.kysely, first.dialect, () => new Date(), { pollMs: 10, leaseMs }).handle('slow', slow('a'));
      const b = new JobRunner(second.kysely, second.dialect, () => new Date(), { pollMs: 10, leaseMs }).handle('slow', slow('b'));
      const id = await a.enqueue('slow', {});
      const lease = async () => (await first.kysely.selectFrom('jobs').select('locked_until').where('id', '=', id).executeTakeFirstOrThrow()).locked_until;
      const aRan = a.runDueJobs();
      await waitFor(() => runs.length === 1, 30_000, 'the first runner starting the job');
      // The first lease ends; the second node keeps looking while the job goes on.
      const leases = new Set<string | null>([await lease()]);
      await poll(async () => {
        expect(await b.runDueJobs()).toBe(0);
        leases.add(await lease());
        return leases.size > 4 ? true : undefined;
      }, 30_000, 'the lease renewed four times');
      finish();
      expect(await aRan).toBe(1);
      expect(runs).toEqual(['a']);
      expect(await first.kysely.selectFrom('job_runs').select(['node', 'outcome']).execute()).toEqual([{ node: a.node, outcome: 'succeeded' }]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

/** Two real `posfleet serve` processes share one PostgreSQL database and its recurring jobs. */
describe.skipIf(!postgresUrl())('two server processes on one PostgreSQL database', () => {
  const children: ChildProcess[] = [];
  afterAll(() => { for (const child of children) child.kill('SIGKILL'); });

  it('run every slot of a recurring job exactly once', async () => {
    const databaseUrl = await createFreshPostgresDatabase(postgresUrl()!);
    const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', POSFLEET_ADMIN_TOKEN: 'two-nodes', OFFLINE_SWEEP_SECONDS: '1', POSFLEET_JOB_POLL_MS: '20', LOG_LEVEL: 'warn' };
    const start = async () => {
      const child = spawn(process.execPath, ['bin/posfleet.mjs', 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (chunk) => { out += chunk; });
      await poll(() => (out.includes('listening') ? true : undefined), 60_000, 'the server listening');
      return child;
    };
    // One after the other: the first creates the schema, the second finds it.
    const first = await start();
    const second = await start();
    const db = openDatabase(databaseUrl);
    try {
      const offlineSweeps = () => db.kysely.selectFrom('job_runs').select(['job_id', 'scheduled_for', 'node']).where('job_id', '=', 'offline-sweep').execute();
      // Both processes take part (the jobs are shared, not held by one): waited for, however busy the machine.
      await poll(async () => {
        const runs = await offlineSweeps();
        return runs.length >= 4 && new Set(runs.map((r) => r.node)).size === 2 ? true : undefined;
      }, 90_000, 'four offline sweeps run by both processes');
      for (const child of [first, second]) { child.kill('SIGTERM'); await once(child, 'exit'); }
      const slots = (await offlineSweeps()).map((r) => r.scheduled_for);
      expect(new Set(slots).size).toBe(slots.length);
    } finally {
      await db.close();
    }
  }, 150_000);
});
