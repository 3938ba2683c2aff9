// Preventive maintenance, second part: the runs of remote tasks (a maintenance job inside the
// terminal's window that does a task's remote checklist, with the results per item and the terminal's
// report), and indexes for the due list (per terminal, for scoped lists; by due date then id, for paging).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('pm_task_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull().references('pm_tasks.id'))
    .addColumn('maintenance_job_id', 'text', (c) => c.notNull().unique().references('maintenance_jobs.id'))
    // The due date the run serves: a run settles its task only if the task is still at this due date.
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull()) // planned | completed | failed | aborted
    .addColumn('results', 'text') // JSON: [{ taskCode, itemCode, text, result: pass | fail, note }]
    .addColumn('report', 'text') // JSON: the terminal's report (self-tests, the job's transitions)
    .addColumn('planned_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('pm_task_runs_task').on('pm_task_runs').columns(['task_id', 'planned_at']).execute();
  await db.schema.createIndex('pm_task_runs_state').on('pm_task_runs').columns(['state']).execute();
  await db.schema.createIndex('pm_tasks_terminal_due').on('pm_tasks').columns(['terminal_id', 'next_due_at']).execute();
  await db.schema.createIndex('pm_tasks_due_id').on('pm_tasks').columns(['next_due_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('pm_tasks_due_id').execute();
  await db.schema.dropIndex('pm_tasks_terminal_due').execute();
  await db.schema.dropTable('pm_task_runs').execute();
}
