// KPI rollups of done work orders (0043): per work order done on a UTC day what it adds to MTTR, first-time
// fix and the planned share (src/kpis/kpis.tables.ts; written by the `kpi-rollups` job, read by the KPIs
// for whole days), and which days are rolled up — marked apart from the outages of 0040, because other
// facts un-roll them. A done work order's figures change when it is edited, when a follow-up names it,
// when a terminal is added to it, and when a failure incident of one of its terminals is recorded or
// moved: one that began before it was made (its failure start) or up to 7 days after it was done (its
// first-time fix). The triggers below delete the mark of exactly the days of the work orders concerned,
// in the same statement as the fact: those days are read live again until the job rolls them anew. A new
// failure un-rolls only the days of the work orders on its terminal done in the 7 days before it, so the
// days of the last week stay rolled up unless a fact about one of their work orders arrives. And a
// covering index of terminals by id for the KPIs' lookups of a terminal's status, site and model.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { KPI_ROLLUP_LOCK } from './0040_kpi_rollups.ts';

/** FAILURE_RULES of src/kpis/kpis.ts as they stood when this migration was written (a migration does not change with the code). */
const FAILURE_RULES = ['offline', 'site_network_down', 'tamper', 'card_reader_chip', 'card_reader_swipe', 'card_reader_contactless', 'printer_jam'];

type Dialect = 'sqlite' | 'postgres';

const day = (d: Dialect, value: string) => (d === 'sqlite' ? `substr(${value}, 1, 10)` : `left(${value}, 10)`);
/** The day a week before the instant's day. */
const weekBefore = (d: Dialect, value: string) => (d === 'sqlite' ? `date(substr(${value}, 1, 10), '-7 days')` : `to_char(left(${value}, 10)::date - 7, 'YYYY-MM-DD')`);
const changed = (d: Dialect, ...columns: string[]) => `(${columns.map((c) => (d === 'sqlite' ? `old.${c} is not new.${c}` : `old.${c} is distinct from new.${c}`)).join(' or ')})`;
/** The earliest of these days (null, or a day after every real one, when none). */
const earliest = (d: Dialect, values: string[]) => (d === 'postgres' ? `least(${values.join(', ')})` : `min(${values.map((v) => `coalesce(${v}, '~')`).join(', ')})`);
const failure = (row: 'new' | 'old') => `${row}.rule in (${FAILURE_RULES.map((r) => `'${r}'`).join(', ')})`;

/** Un-rolls the days on which these work orders were done. */
const ofOrders = (d: Dialect, orders: string) => `delete from kpi_work_order_days where day in (
  select ${day(d, 'h.at')} from work_order_history h where h.work_order_id in (${orders}) and h.to_status = 'done')`;
/** Un-rolls the days on which work orders of these terminals were done, from `since` (a day) on. */
const ofTerminals = (d: Dialect, terminals: string, since: string) => `delete from kpi_work_order_days where day in (
  select ${day(d, 'h.at')} from work_order_terminals wot inner join work_order_history h on h.work_order_id = wot.work_order_id
  where wot.terminal_id in (${terminals}) and h.to_status = 'done' and h.at >= ${since})`;

interface Unroll {
  name: string;
  table: string;
  event: 'insert' | 'update';
  columns?: string[];
  when?: (d: Dialect) => string;
  unroll: (d: Dialect) => string;
}

const UNROLLS: Unroll[] = [
  // A work order done: its day.
  { name: 'kpi_orders_unroll_history', table: 'work_order_history', event: 'insert', when: () => `new.to_status = 'done'`, unroll: (d) => `delete from kpi_work_order_days where day = ${day(d, 'new.at')}` },
  // A follow-up: its parent is no first-time fix.
  { name: 'kpi_orders_unroll_follow_up', table: 'work_orders', event: 'insert', when: () => 'new.parent_id is not null', unroll: (d) => ofOrders(d, 'new.parent_id') },
  {
    name: 'kpi_orders_unroll_order', table: 'work_orders', event: 'update',
    columns: ['source', 'site_id', 'technician_id', 'created_at', 'restored_at', 'minutes_spent', 'parent_id'],
    unroll: (d) => ofOrders(d, `new.id, case when ${changed(d, 'parent_id')} then old.parent_id end, case when ${changed(d, 'parent_id')} then new.parent_id end`),
  },
  { name: 'kpi_orders_unroll_terminal', table: 'work_order_terminals', event: 'insert', unroll: (d) => ofOrders(d, 'new.work_order_id') },
  // A failure that began at F is the failure start of work orders made after F (done after), and the end
  // of a first-time fix for those done in the 7 days before F.
  {
    name: 'kpi_orders_unroll_incident', table: 'incidents', event: 'insert', when: () => `new.terminal_id is not null and ${failure('new')}`,
    unroll: (d) => ofTerminals(d, 'new.terminal_id', weekBefore(d, 'new.first_seen_at')),
  },
  // Resolving it changes the failure start of work orders made after its resolution only; moving it, both.
  {
    name: 'kpi_orders_unroll_incident_change', table: 'incidents', event: 'update', columns: ['first_seen_at', 'resolved_at', 'rule', 'terminal_id'],
    when: () => `(old.terminal_id is not null and ${failure('old')}) or (new.terminal_id is not null and ${failure('new')})`,
    unroll: (d) => {
      const moved = changed(d, 'first_seen_at', 'rule', 'terminal_id');
      return ofTerminals(d, 'old.terminal_id, new.terminal_id', earliest(d, [
        `case when ${moved} then ${weekBefore(d, 'old.first_seen_at')} end`, `case when ${moved} then ${weekBefore(d, 'new.first_seen_at')} end`,
        `case when ${changed(d, 'resolved_at')} then ${day(d, 'old.resolved_at')} end`, `case when ${changed(d, 'resolved_at')} then ${day(d, 'new.resolved_at')} end`,
      ]));
    },
  },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  const d: Dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  await db.schema.createTable('kpi_work_order_days')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('rolled_at', 'text')
    .execute();
  await db.schema.createTable('kpi_done_orders')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('work_order_id', 'text', (c) => c.notNull())
    .addColumn('done_at', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('technician_id', 'text')
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addColumn('planned_minutes', 'integer', (c) => c.notNull())
    .addColumn('repairs', 'integer', (c) => c.notNull())
    .addColumn('repair_ms', 'bigint', (c) => c.notNull())
    .addColumn('restored_ms', 'bigint', (c) => c.notNull())
    .addColumn('first_time_fixes', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpi_done_orders_pk', ['work_order_id', 'done_at'])
    .execute();
  // Covering: a report sums a day's work orders per key without reading the rows.
  await db.schema.createIndex('kpi_done_orders_day').on('kpi_done_orders')
    .columns(['day', 'site_id', 'technician_id', 'work_order_id', 'minutes', 'planned_minutes', 'repairs', 'repair_ms', 'restored_ms', 'first_time_fixes']).execute();

  // Covering: the KPIs look a terminal up by id (its rolled-up days, its outages) for its status, site,
  // creation and model without reading its row. Heartbeats change none of these columns.
  await db.schema.createIndex('terminals_kpi_by_id').on('terminals').columns(['id', 'site_id', 'status', 'deleted_at', 'created_at', 'model_id']).execute();

  for (const u of UNROLLS) {
    const on = `after ${u.event}${u.columns ? ` of ${u.columns.join(', ')}` : ''} on ${u.table}`;
    if (d === 'sqlite') {
      await sql.raw(`create trigger ${u.name} ${on} for each row${u.when ? ` when ${u.when(d)}` : ''} begin ${u.unroll(d)}; end`).execute(db);
    } else {
      await sql.raw(`create function ${u.name}() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock_shared(${KPI_ROLLUP_LOCK});
          ${u.unroll(d)};
          return null;
        end $$`).execute(db);
      await sql.raw(`create trigger ${u.name} ${on} for each row${u.when ? ` when (${u.when(d)})` : ''} execute function ${u.name}()`).execute(db);
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const u of UNROLLS) {
    await sql.raw(postgres ? `drop trigger ${u.name} on ${u.table}` : `drop trigger ${u.name}`).execute(db);
    if (postgres) await sql.raw(`drop function ${u.name}()`).execute(db);
  }
  await db.schema.dropIndex('terminals_kpi_by_id').execute();
  for (const table of ['kpi_done_orders', 'kpi_work_order_days']) await db.schema.dropTable(table).execute();
}
