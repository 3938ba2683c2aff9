// Where each rolled-up terminal-day's terminal is now (0046): the KPIs count a terminal's downtime at the
// site it is at now, and only while it is in service now. Looking each terminal up for that was most of
// a report by site's rolled-up downtime (~22,000 terminals in 30 days at 100,000 terminals). So each row
// of `kpi_terminal_days` carries its terminal's site, model, status and deletion, kept as they are now:
// written from `terminals` when the day is saved, and changed in the same statement as the terminal
// (triggers below: moved, given another model, another status, deleted or removed). A covering index
// sums a day's rows per site (or model) without reading a terminal. What a row holds (down_ms,
// failures) does not change: the downtime of a moved terminal is that of its outages, wherever it was.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { KPI_ROLLUP_LOCK } from './0040_kpi_rollups.ts';

/** The terminal's columns each row carries, in `terminals` and in `kpi_terminal_days` alike. */
export const PLACE_COLUMNS = ['site_id', 'model_id', 'status', 'deleted_at'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const column of PLACE_COLUMNS) await db.schema.alterTable('kpi_terminal_days').addColumn(column, 'text').execute();
  await sql`update kpi_terminal_days set (${sql.join(PLACE_COLUMNS.map((c) => sql.ref(c)))}) = (select ${sql.join(PLACE_COLUMNS.map((c) => sql.ref(`t.${c}`)))} from terminals t where t.id = kpi_terminal_days.terminal_id)`.execute(db);
  // A report sums the days per site or model without reading the rows; a terminal's rows are found by it.
  await db.schema.createIndex('kpi_terminal_days_place').on('kpi_terminal_days').columns(['day', 'site_id', 'status', 'deleted_at', 'model_id', 'down_ms', 'failures']).execute();
  await db.schema.createIndex('kpi_terminal_days_terminal').on('kpi_terminal_days').column('terminal_id').execute();
  // The reads summed per terminal before looking it up (0041) are gone.
  await db.schema.dropIndex('kpi_terminal_days_day_terminal').execute();

  const set = PLACE_COLUMNS.map((c) => `${c} = new.${c}`).join(', ');
  if (!postgres) {
    const changed = PLACE_COLUMNS.map((c) => `old.${c} is not new.${c}`).join(' or ');
    await sql.raw(`create trigger kpi_terminal_days_placed after update of ${PLACE_COLUMNS.join(', ')} on terminals for each row when ${changed}
      begin update kpi_terminal_days set ${set} where terminal_id = new.id; end`).execute(db);
    await sql.raw(`create trigger kpi_terminal_days_removed after delete on terminals for each row
      begin delete from kpi_terminal_days where terminal_id = old.id; end`).execute(db);
    return;
  }
  // The shared lock of 0040: a day being saved (which holds it exclusively, then copies the places from
  // `terminals`) is either seen by this update or sees the terminal's change.
  const changed = PLACE_COLUMNS.map((c) => `old.${c} is distinct from new.${c}`).join(' or ');
  await sql.raw(`create function kpi_terminal_days_placed() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${KPI_ROLLUP_LOCK});
      if tg_op = 'DELETE' then
        delete from kpi_terminal_days where terminal_id = old.id;
      else
        update kpi_terminal_days set ${set} where terminal_id = new.id;
      end if;
      return null;
    end $$`).execute(db);
  await sql.raw(`create trigger kpi_terminal_days_placed after update of ${PLACE_COLUMNS.join(', ')} on terminals for each row when (${changed})
    execute function kpi_terminal_days_placed()`).execute(db);
  await sql.raw(`create trigger kpi_terminal_days_removed after delete on terminals for each row execute function kpi_terminal_days_placed()`).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const trigger of ['kpi_terminal_days_placed', 'kpi_terminal_days_removed']) await sql.raw(postgres ? `drop trigger ${trigger} on terminals` : `drop trigger ${trigger}`).execute(db);
  if (postgres) await sql`drop function kpi_terminal_days_placed()`.execute(db);
  await db.schema.createIndex('kpi_terminal_days_day_terminal').on('kpi_terminal_days').columns(['day', 'terminal_id', 'down_ms', 'failures']).execute();
  await db.schema.dropIndex('kpi_terminal_days_terminal').execute();
  await db.schema.dropIndex('kpi_terminal_days_place').execute();
  for (const column of [...PLACE_COLUMNS].reverse()) await db.schema.alterTable('kpi_terminal_days').dropColumn(column).execute();
}
