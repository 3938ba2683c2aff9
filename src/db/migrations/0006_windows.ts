// Maintenance windows (when planned work may run, per merchant, site, terminal or filter) and which
// window each planned maintenance job is bound to, with the minutes planning budgeted for it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    // The merchant, site or terminal; for a filter window the merchant it is narrowed to, if any.
    .addColumn('target_id', 'text')
    .addColumn('target_filter', 'text')
    // One text per target ("site:<id>", "filter:{...}"): windows of one target are checked against each other.
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('schedule_kind', 'text', (c) => c.notNull())
    .addColumn('schedule_start', 'text')
    .addColumn('rrule', 'text')
    .addColumn('cron', 'text')
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_windows_target').on('maintenance_windows').columns(['target_key']).execute();
  await db.schema.createIndex('maintenance_windows_kind_id').on('maintenance_windows').columns(['target_kind', 'target_id']).execute();

  await db.schema
    .createTable('maintenance_job_windows')
    .addColumn('job_id', 'text', (c) => c.primaryKey().references('maintenance_jobs.id'))
    // No foreign key: a window's links to finished jobs are removed with it (open ones keep it from being deleted).
    .addColumn('window_id', 'text', (c) => c.notNull())
    .addColumn('budget_minutes', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_job_windows_window').on('maintenance_job_windows').columns(['window_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['maintenance_job_windows', 'maintenance_windows']) await db.schema.dropTable(table).execute();
}
