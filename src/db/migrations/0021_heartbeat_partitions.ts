// Heartbeat history that does not grow without bound, and the indexes the KPI reads need. On PostgreSQL the table becomes partitioned by
// UTC day (declarative range partitioning on received_day), keeping its rows, so retention drops whole
// days instead of deleting rows; a job keeps partitions ready ahead (src/history). A retried heartbeat is
// still stored once: the primary key holds within a day, and the writer checks the day before near
// midnight. On SQLite the column is added for one insert on both dialects; pruning there deletes in
// small batches by received_at.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { addDays, dayOf, PARTITION_DAYS_AHEAD, partitionName } from '../../history/partition-days.ts';

/**
 * Indexes for the maintenance KPIs' range reads over history (bench/kpis.bench.ts measures them): what
 * overlaps a period is read as "ended after its start" plus "still going", each a range of the first
 * column; history entries, actions and follow-ups by when or what they are.
 */
export const KPI_INDEXES: { name: string; table: string; columns: string[] }[] = [
  { name: 'incidents_resolved', table: 'incidents', columns: ['resolved_at', 'first_seen_at'] },
  { name: 'maintenance_jobs_ended', table: 'maintenance_jobs', columns: ['ended_at', 'started_at'] },
  { name: 'maintenance_jobs_started', table: 'maintenance_jobs', columns: ['started_at'] },
  { name: 'terminal_locks_lifted', table: 'terminal_locks', columns: ['lifted_at', 'locked_at'] },
  { name: 'work_order_history_status_at', table: 'work_order_history', columns: ['to_status', 'at'] },
  { name: 'work_orders_parent', table: 'work_orders', columns: ['parent_id'] },
  { name: 'guide_runs_started', table: 'guide_runs', columns: ['started_at'] },
  { name: 'terminal_commands_created', table: 'terminal_commands', columns: ['created_at'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of KPI_INDEXES) await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute();
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    await sql`alter table heartbeats add column received_day text not null default ''`.execute(db);
    return;
  }
  await sql`alter table heartbeats rename to heartbeats_unpartitioned`.execute(db);
  await sql`alter table heartbeats_unpartitioned rename constraint heartbeats_pk to heartbeats_unpartitioned_pk`.execute(db);
  await sql`alter index heartbeats_received_at rename to heartbeats_unpartitioned_received_at`.execute(db);
  // COLLATE "C": days compare byte by byte, whatever the database's locale.
  await sql`create table heartbeats (
    terminal_id text not null,
    seq bigint not null,
    received_at text not null,
    report text not null,
    received_day text collate "C" not null,
    constraint heartbeats_pk primary key (terminal_id, seq, received_day)
  ) partition by range (received_day)`.execute(db);
  // A terminal's history over a period (its page, a wave's baseline, usage meters) is read by received_at.
  await sql`create index heartbeats_terminal_received on heartbeats (terminal_id, received_at)`.execute(db);
  // Catches a row for a day whose partition is missing (the job did not run for a week); the job moves such rows out.
  await sql`create table heartbeats_default partition of heartbeats default`.execute(db);
  const { rows } = await sql<{ day: string }>`select distinct left(received_at, 10) as day from heartbeats_unpartitioned`.execute(db);
  const today = dayOf(new Date());
  const days = new Set(rows.map((r) => r.day));
  for (let i = 0; i <= PARTITION_DAYS_AHEAD; i++) days.add(addDays(today, i));
  for (const day of [...days].sort()) {
    await sql`create table ${sql.id(partitionName(day))} partition of heartbeats for values from (${sql.lit(day)}) to (${sql.lit(addDays(day, 1))})`.execute(db);
  }
  await sql`insert into heartbeats (terminal_id, seq, received_at, report, received_day)
    select terminal_id, seq, received_at, report, left(received_at, 10) from heartbeats_unpartitioned`.execute(db);
  await sql`drop table heartbeats_unpartitioned`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0021_heartbeat_partitions cannot be undone: restore a backup taken before it');
}
