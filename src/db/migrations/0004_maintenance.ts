// Maintenance jobs (one terminal's trip through maintenance mode), their transitions, and locks.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('maintenance_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('site_id', 'text')
    .addColumn('work', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('planned_start', 'text', (c) => c.notNull())
    .addColumn('expected_minutes', 'integer', (c) => c.notNull())
    .addColumn('max_minutes', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('waiting_reason', 'text')
    .addColumn('override_reason', 'text')
    .addColumn('self_tests', 'text')
    .addColumn('refused_transactions', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_jobs_terminal').on('maintenance_jobs').columns(['terminal_id', 'state']).execute();
  await db.schema.createIndex('maintenance_jobs_state').on('maintenance_jobs').columns(['state', 'planned_start']).execute();

  await db.schema
    .createTable('maintenance_transitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('maintenance_jobs.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('maintenance_transitions_job').on('maintenance_transitions').columns(['job_id', 'position']).execute();

  await db.schema
    .createTable('terminal_locks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('locked_at', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text', (c) => c.notNull())
    .addColumn('lifted_at', 'text')
    .addColumn('lifted_by', 'text')
    .execute();
  await db.schema.createIndex('terminal_locks_terminal').on('terminal_locks').columns(['terminal_id', 'lifted_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['terminal_locks', 'maintenance_transitions', 'maintenance_jobs']) await db.schema.dropTable(table).execute();
}
