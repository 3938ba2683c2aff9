// Heartbeat history housekeeping (Kysely only): daily partitions on PostgreSQL, batched pruning on
// SQLite.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { addDays, partitionDay, partitionName } from './partition-days.ts';

/**
 * A DDL statement on the partitioned table waits at most this long for its lock: it would otherwise queue
 * every heartbeat insert behind a long report. A statement that gives up is tried again at the next run.
 */
const LOCK_TIMEOUT = '2s';

export class HistoryRepository {
  constructor(private readonly db: Kysely<Database>, readonly dialect: Dialect) {}

  /** PostgreSQL: the days that have a partition. */
  async partitionDays(): Promise<string[]> {
    const { rows } = await sql<{ name: string }>`select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid where i.inhparent = 'heartbeats'::regclass`.execute(this.db);
    return rows.map((r) => partitionDay(r.name)).filter((d): d is string => d !== undefined).sort();
  }

  /** PostgreSQL: the days of rows the default partition caught (a day whose partition was missing). */
  async daysInDefault(): Promise<string[]> {
    const { rows } = await sql<{ day: string }>`select distinct received_day as day from heartbeats_default`.execute(this.db);
    return rows.map((r) => r.day);
  }

  /** PostgreSQL: creates a day's partition, moving in any rows the default partition caught for that day. */
  async createPartition(day: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(trx);
      await sql`create temporary table heartbeats_moving (like heartbeats) on commit drop`.execute(trx);
      await sql`with moved as (delete from heartbeats_default where received_day = ${day} returning *)
        insert into heartbeats_moving select * from moved`.execute(trx);
      await sql`create table ${sql.id(partitionName(day))} partition of heartbeats
        for values from (${sql.lit(day)}) to (${sql.lit(addDays(day, 1))})`.execute(trx);
      await sql`insert into heartbeats select * from heartbeats_moving`.execute(trx);
    });
  }

  /** PostgreSQL: drops a whole day of history at once (no row-by-row delete, no bloat left behind). */
  async dropPartition(day: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(trx);
      await sql`drop table ${sql.id(partitionName(day))}`.execute(trx);
    });
  }

  /**
   * Deletes at most `limit` heartbeats received before `before`: on SQLite from the table, on
   * PostgreSQL from the default partition. One short statement, so the writer is never held for long.
   */
  async pruneBatch(before: string, limit: number): Promise<number> {
    const result = this.dialect === 'postgres'
      ? await sql`delete from heartbeats_default where ctid in (select ctid from heartbeats_default where received_at < ${before} limit ${limit})`.execute(this.db)
      : await sql`delete from heartbeats where rowid in (select rowid from heartbeats where received_at < ${before} limit ${limit})`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
