// KPI rollups (0040): per terminal and UTC day its downtime and failures, per incident resolved in a
// day how it was fixed, and which days are rolled up (src/kpis/kpis.tables.ts; written by the
// `kpi-rollups` job, read by the KPIs for whole days). A fact recorded late about a rolled day — an
// incident, maintenance job, lock, guide run, command, work order step or terminal whose instant is on
// that day or before — un-rolls that day and every later one in the same statement (triggers below): those
// days are read live again until the job rolls them anew. Deleting history (retention) un-rolls nothing.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Taken shared by every un-rolling trigger and exclusively by the job when it starts a day (PostgreSQL), so no fact slips between. */
export const KPI_ROLLUP_LOCK = 40_0040;

type Dialect = 'sqlite' | 'postgres';

interface Unroll {
  table: string;
  event: 'insert' | 'update';
  /** The columns whose change matters (update only). */
  columns?: string[];
  /** The earliest instant the fact is about (null: none). */
  since: (d: Dialect) => string[];
}

const changed = (d: Dialect, ...columns: string[]) => columns.map((c) => (d === 'sqlite' ? `old.${c} is not new.${c}` : `old.${c} is distinct from new.${c}`)).join(' or ');
const when = (condition: string, value: string) => `case when ${condition} then ${value} end`;

const UNROLLS: Unroll[] = [
  { table: 'incidents', event: 'insert', since: () => ['new.first_seen_at'] },
  // Resolving an incident changes nothing before its resolution (it was down until the end of each day); moving it changes its whole span.
  {
    table: 'incidents', event: 'update', columns: ['first_seen_at', 'resolved_at', 'rule', 'terminal_id', 'site_id', 'merchant_id'],
    since: (d) => {
      const moved = changed(d, 'first_seen_at', 'rule', 'terminal_id', 'site_id', 'merchant_id');
      return ['new.resolved_at', 'old.resolved_at', when(moved, 'old.first_seen_at'), when(moved, 'new.first_seen_at')];
    },
  },
  { table: 'maintenance_jobs', event: 'insert', since: () => ['new.started_at'] },
  {
    table: 'maintenance_jobs', event: 'update', columns: ['started_at', 'ended_at', 'state', 'terminal_id'],
    since: (d) => {
      const moved = changed(d, 'started_at', 'terminal_id');
      // A failed job is out of service until it last changed.
      return [when(moved, 'old.started_at'), when(moved, 'new.started_at'), 'old.ended_at', 'new.ended_at', when(changed(d, 'state'), 'new.updated_at')];
    },
  },
  { table: 'terminal_locks', event: 'insert', since: () => ['new.locked_at'] },
  {
    table: 'terminal_locks', event: 'update', columns: ['locked_at', 'lifted_at', 'terminal_id'],
    since: (d) => {
      const moved = changed(d, 'locked_at', 'terminal_id');
      return [when(moved, 'old.locked_at'), when(moved, 'new.locked_at'), 'old.lifted_at', 'new.lifted_at'];
    },
  },
  { table: 'guide_runs', event: 'insert', since: () => ['new.started_at'] },
  { table: 'terminal_commands', event: 'insert', since: () => ['new.created_at'] },
  { table: 'work_order_history', event: 'insert', since: () => ['new.at'] },
  { table: 'work_order_terminals', event: 'insert', since: () => ['(select min(h.at) from work_order_history h where h.work_order_id = new.work_order_id)'] },
  { table: 'terminals', event: 'insert', since: () => ['new.created_at'] },
];

/** The earliest of these instants, as a 'YYYY-MM-DD' day (null, or a day after every real one, when none). */
function earliestDay(d: Dialect, values: string[]): string {
  if (d === 'postgres') return `left(least(${values.join(', ')}), 10)`;
  const present = values.map((v) => `coalesce(${v}, '~')`);
  return `substr(${present.length > 1 ? `min(${present.join(', ')})` : present[0]}, 1, 10)`;
}

const triggerName = (u: Unroll) => `kpi_unroll_${u.table}_${u.event}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  const d: Dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  await db.schema.createTable('kpi_rollup_days')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('rolled_at', 'text')
    .execute();
  await db.schema.createTable('kpi_terminal_days')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('down_ms', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpi_terminal_days_pk', ['day', 'terminal_id'])
    .execute();
  await db.schema.createTable('kpi_incident_resolutions')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('terminal_id', 'text')
    .addColumn('site_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('resolution', 'text', (c) => c.notNull()) // Resolution (src/kpis/kpis.ts)
    .execute();
  // Covering: the KPIs count a day's resolutions per key without reading the rows.
  await db.schema.createIndex('kpi_incident_resolutions_day').on('kpi_incident_resolutions').columns(['day', 'resolution', 'merchant_id', 'site_id', 'terminal_id']).execute();

  for (const u of UNROLLS) {
    const name = triggerName(u);
    const on = `after ${u.event}${u.columns ? ` of ${u.columns.join(', ')}` : ''} on ${u.table}`;
    const unroll = `delete from kpi_rollup_days where day >= ${earliestDay(d, u.since(d))}`;
    if (d === 'sqlite') {
      await sql.raw(`create trigger ${name} ${on} begin ${unroll}; end`).execute(db);
    } else {
      await sql.raw(`create function ${name}() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock_shared(${KPI_ROLLUP_LOCK});
          ${unroll};
          return null;
        end $$`).execute(db);
      await sql.raw(`create trigger ${name} ${on} for each row execute function ${name}()`).execute(db);
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const u of UNROLLS) {
    await sql.raw(postgres ? `drop trigger ${triggerName(u)} on ${u.table}` : `drop trigger ${triggerName(u)}`).execute(db);
    if (postgres) await sql.raw(`drop function ${triggerName(u)}()`).execute(db);
  }
  for (const table of ['kpi_incident_resolutions', 'kpi_terminal_days', 'kpi_rollup_days']) await db.schema.dropTable(table).execute();
}
