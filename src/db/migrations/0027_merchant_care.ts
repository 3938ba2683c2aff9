// The merchant's side (0027): what the shop's staff confirmed of their daily and weekly care (one row per
// care task and occurrence: done, or could not with a reason), and the planned maintenance a merchant
// moved within the policy (one row per move, with the expected loss of the new slot).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('care_confirmations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pm_task_id', 'text', (c) => c.notNull().references('pm_tasks.id'))
    .addColumn('task_code', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('site_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('confirmed_by', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text', (c) => c.notNull())
    // One answer per care task and occurrence: a heartbeat retried (or a second click) changes nothing.
    .addUniqueConstraint('care_confirmations_once', ['pm_task_id', 'task_code', 'due_at'])
    .execute();
  await db.schema.createIndex('care_confirmations_due').on('care_confirmations').columns(['due_at']).execute();

  await db.schema.createTable('maintenance_moves')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('maintenance_jobs.id'))
    .addColumn('from_start', 'text', (c) => c.notNull())
    .addColumn('to_start', 'text', (c) => c.notNull())
    .addColumn('expected_loss_minor', 'integer')
    .addColumn('currency', 'text')
    .addColumn('moved_by', 'text', (c) => c.notNull())
    .addColumn('moved_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_moves_job').on('maintenance_moves').columns(['job_id', 'moved_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('maintenance_moves').execute();
  await db.schema.dropTable('care_confirmations').execute();
}
