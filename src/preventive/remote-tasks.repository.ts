// Queries of remote preventive tasks (Kysely only): due tasks with a remote part and no run for their
// due date yet, the runs whose maintenance job has ended, and the runs' listing.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { insertInBatches } from '../db/batches.ts';
import { NOTHING, technicianSees } from '../access/scope-sql.ts';
import type { Database, PmTaskRunTable, PmTaskTable } from '../db/schema.ts';
import type { Executor } from '../db/database.ts';
import type { JobState } from '../shared/job-states.ts';

export type RunRow = Selectable<PmTaskRunTable>;

export interface DueRemoteTask {
  id: string;
  plan_id: string;
  terminal_id: string;
  template_id: string;
  next_due_at: string;
}

export class RemoteTasksRepository {
  constructor(readonly db: Kysely<Database>) {}

  /**
   * Tasks of these templates due by `horizon`, of terminals not deleted, that no run serves yet (one
   * planned or completed for the same due date), earliest due first. Failed and aborted runs are tried again.
   */
  dueRemote(templateIds: string[], horizon: string, limit: number, after?: { dueAt: string; id: string }): Promise<DueRemoteTask[]> {
    if (!templateIds.length) return Promise.resolve([]);
    return this.db.selectFrom('pm_tasks').innerJoin('terminals', 'terminals.id', 'pm_tasks.terminal_id')
      .select(['pm_tasks.id', 'pm_tasks.plan_id', 'pm_tasks.terminal_id', 'pm_tasks.template_id', 'pm_tasks.next_due_at'])
      .where('pm_tasks.template_id', 'in', templateIds).where('pm_tasks.next_due_at', '<=', horizon).where('terminals.deleted_at', 'is', null)
      .where('terminals.site_id', 'is not', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('pm_task_runs').select('pm_task_runs.id')
        .whereRef('pm_task_runs.task_id', '=', 'pm_tasks.id').whereRef('pm_task_runs.due_at', '=', 'pm_tasks.next_due_at')
        .where('pm_task_runs.state', 'in', ['planned', 'completed']))))
      .$if(!!after, (q) => q.where((eb) => eb.or([
        eb('pm_tasks.next_due_at', '>', after!.dueAt), eb.and([eb('pm_tasks.next_due_at', '=', after!.dueAt), eb('pm_tasks.id', '>', after!.id)]),
      ])))
      .orderBy('pm_tasks.next_due_at').orderBy('pm_tasks.id').limit(limit).execute();
  }

  async insertRuns(rows: RunRow[]): Promise<void> {
    await insertInBatches(rows, (batch) => this.db.insertInto('pm_task_runs').values(batch).execute());
  }

  /** Planned runs whose maintenance job is in one of `states` (it ended, or failed). */
  endedRuns(states: readonly JobState[], limit: number) {
    return this.db.selectFrom('pm_task_runs').innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'pm_task_runs.maintenance_job_id')
      .selectAll('pm_task_runs')
      .select(['maintenance_jobs.state as job_state', 'maintenance_jobs.self_tests as job_self_tests', 'maintenance_jobs.ended_at as job_ended_at', 'maintenance_jobs.updated_at as job_updated_at'])
      .where('pm_task_runs.state', '=', 'planned').where('maintenance_jobs.state', 'in', [...states])
      .orderBy('pm_task_runs.planned_at').orderBy('pm_task_runs.id').limit(limit).execute();
  }

  /** Ends a run once: false when another node did it first. */
  async finishRun(trx: Executor, id: string, values: Pick<RunRow, 'state' | 'results' | 'report' | 'ended_at'>): Promise<boolean> {
    const res = await trx.updateTable('pm_task_runs').set(values).where('id', '=', id).where('state', '=', 'planned').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Settles a run and, in the same transaction, moves its task on to its next due date — only if the
   * task is still due when the run was (a visit may have settled it meanwhile). False when another
   * settled the run first (nothing is written then).
   */
  settleRun(
    id: string, values: Pick<RunRow, 'state' | 'results' | 'report' | 'ended_at'>,
    advance: { taskId: string; dueAt: string; task: Updateable<PmTaskTable> } | null,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await this.finishRun(trx, id, values))) return false;
      if (advance) await trx.updateTable('pm_tasks').set(advance.task).where('id', '=', advance.taskId).where('next_due_at', '=', advance.dueAt).execute();
      return true;
    });
  }

  /** The site environment of a terminal, for recomputing its due date. */
  async environmentOf(terminalId: string): Promise<string | null> {
    const row = await this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id').select('sites.environment').where('terminals.id', '=', terminalId).executeTakeFirst();
    return row?.environment ?? null;
  }

  runs(filter: { terminalId?: string | undefined; planId?: string | undefined; limit: number }, scope: Scope) {
    return this.db.selectFrom('pm_task_runs').innerJoin('pm_tasks', 'pm_tasks.id', 'pm_task_runs.task_id').innerJoin('pm_templates', 'pm_templates.id', 'pm_tasks.template_id')
      .selectAll('pm_task_runs').select(['pm_tasks.plan_id', 'pm_tasks.terminal_id', 'pm_tasks.template_id', 'pm_templates.code as template_code'])
      .$if(scope.kind === 'merchant', (q) => q.where(NOTHING))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('terminal', 'pm_tasks.terminal_id', scope)))
      .$if(!!filter.terminalId, (q) => q.where('pm_tasks.terminal_id', '=', filter.terminalId!))
      .$if(!!filter.planId, (q) => q.where('pm_tasks.plan_id', '=', filter.planId!))
      .orderBy('pm_task_runs.planned_at', 'desc').orderBy('pm_task_runs.id').limit(filter.limit).execute();
  }
}
