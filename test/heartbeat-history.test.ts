// Heartbeat history does not grow without bound: the hourly job keeps HEARTBEAT_RETENTION_DAYS of it.
// On PostgreSQL it drops expired daily partitions whole and creates the days ahead; on SQLite it deletes
// expired rows in small batches. Driven by the injected clock: no waiting.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { migrateTo, migrateToLatest } from '../src/db/migrate.ts';
import { HistoryRepository } from '../src/history/history.repository.ts';
import { HeartbeatHistory } from '../src/history/history.service.ts';
import { declareRecurringJobs } from '../src/services.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, runAllDueJobs, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const DAY = 86_400_000;

describe.each(databases())('heartbeat history retention on $name', (kind) => {
  let t: TestApp;
  // Far from the day the migration ran: the first heartbeats land in the default partition on PostgreSQL.
  let now = new Date('2027-03-01T12:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_RETENTION_DAYS: '3' }, () => now);
  });
  afterAll(() => t.close());

  const partitions = async () => (await sql<{ name: string }>`select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid where i.inhparent = 'heartbeats'::regclass order by 1`.execute(t.services.db.kysely)).rows.map((r) => r.name);

  it('keeps recent history and drops what is past retention, by the job', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const start = now.getTime();
    // One heartbeat a day for six days (1-6 March), then the job runs on the 7th.
    for (let day = 0; day < 6; day++) {
      now = new Date(start + day * DAY);
      expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(day + 1))).statusCode).toBe(200);
    }
    await declareRecurringJobs(t.services);
    now = new Date(start + 6 * DAY); // 7 March 12:00: kept from 4 March (whole days only)
    await runAllDueJobs(t);

    const history = (await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json();
    expect(history.items.map((h: { seq: number }) => h.seq)).toEqual([6, 5, 4]);
    if (kind.name === 'postgres') {
      const names = await partitions();
      expect(names).not.toContain('heartbeats_p20270303');
      expect(names).toContain('heartbeats_p20270304');
      // A week ahead is ready, so no heartbeat lands in the default partition.
      expect(names).toContain('heartbeats_p20270314');
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from heartbeats_default`.execute(t.services.db.kysely);
      expect(rows[0]!.n).toBe(0);
    }
  });

  it('stores a heartbeat retried just after midnight once, although the history key holds within a day', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    now = new Date('2027-03-08T23:59:59.000Z');
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).json()).toMatchObject({ duplicate: false });
    now = new Date('2027-03-09T00:00:02.000Z');
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).json()).toMatchObject({ duplicate: true });
    const history = (await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json();
    expect(history.items.map((h: { seq: number }) => h.seq)).toEqual([1]);
  });

  it('deletes expired rows a small batch at a time until none past retention is left', async () => {
    now = new Date(now.getTime() + 30 * DAY);
    const repo = new HistoryRepository(t.services.db.kysely, t.services.db.dialect);
    const statements: number[] = [];
    const pruneBatch = repo.pruneBatch.bind(repo);
    repo.pruneBatch = async (before, limit) => { const n = await pruneBatch(before, limit); statements.push(n); return n; };
    const { pruned } = await new HeartbeatHistory(repo, () => now, { retentionDays: 3, pruneBatch: 1 }).upkeep();
    // SQLite deletes the 4 rows left, one statement each; PostgreSQL drops their partitions and has no row to delete.
    expect(pruned).toBe(kind.name === 'sqlite' ? 4 : 0);
    expect(statements.every((n) => n <= 1)).toBe(true);
    const { rows } = await sql<{ n: number }>`select count(*) as n from heartbeats`.execute(t.services.db.kysely);
    expect(Number(rows[0]!.n)).toBe(0);
  });
});

describe.each(databases())('migration 0021 on $name', (kind) => {
  it('keeps every heartbeat already stored, each in the partition of its day on PostgreSQL', async () => {
    const db = openDatabase(await kind.fresh());
    try {
      await migrateTo(db, '0018_site_trading_history');
      const old = sql`insert into heartbeats (terminal_id, seq, received_at, report) values
        ('t1', 1, '2026-01-10T23:59:59.000Z', '{}'), ('t1', 2, '2026-01-11T00:00:01.000Z', '{}'), ('t2', 1, '2026-01-11T08:00:00.000Z', '{}')`;
      await old.execute(db.kysely);
      await migrateToLatest(db);
      const rows = await db.kysely.selectFrom('heartbeats').select(['terminal_id', 'seq', 'received_at']).orderBy('terminal_id').orderBy('seq').execute();
      expect(rows.map((r) => `${r.terminal_id} ${Number(r.seq)} ${r.received_at}`)).toEqual([
        't1 1 2026-01-10T23:59:59.000Z', 't1 2 2026-01-11T00:00:01.000Z', 't2 1 2026-01-11T08:00:00.000Z',
      ]);
      if (kind.name === 'postgres') {
        const { rows: placed } = await sql<{ part: string; n: number }>`select tableoid::regclass::text as part, count(*)::int as n
          from heartbeats group by 1 order by 1`.execute(db.kysely);
        expect(placed).toEqual([{ part: 'heartbeats_p20260110', n: 1 }, { part: 'heartbeats_p20260111', n: 2 }]);
      }
    } finally {
      await db.close();
    }
  });
});
