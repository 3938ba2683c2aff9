// Preventive maintenance queries (Kysely only): templates, plans and their tasks, the terminals a plan
// covers and the heartbeats the usage meters are read from.
import type { Kysely, Selectable } from 'kysely';
import { insertInBatches, selectInBatches } from '../db/batches.ts';
import type { Executor } from '../db/database.ts';
import type { Database, PmPlanTable, PmTaskTable, PmTemplateTable } from '../db/schema.ts';

export type TaskRow = Selectable<PmTaskTable>;
export type TemplateRow = Selectable<PmTemplateTable>;

export interface TerminalForPlan {
  id: string;
  site_id: string | null;
  environment: string | null;
}

export class PreventiveRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction (the executor is handed to each query of it). */
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- templates
  async insertTemplate(row: TemplateRow, ignoreExisting = false): Promise<void> {
    await this.db.insertInto('pm_templates').values(row).$if(ignoreExisting, (q) => q.onConflict((oc) => oc.column('code').doNothing())).execute();
  }
  listTemplates(): Promise<TemplateRow[]> {
    return this.db.selectFrom('pm_templates').selectAll().orderBy('interval_days').orderBy('code').execute();
  }
  findTemplate(id: string): Promise<TemplateRow | undefined> {
    return this.db.selectFrom('pm_templates').selectAll().where('id', '=', id).executeTakeFirst();
  }
  findTemplateByCode(code: string): Promise<TemplateRow | undefined> {
    return this.db.selectFrom('pm_templates').selectAll().where('code', '=', code).executeTakeFirst();
  }
  async updateTemplate(id: string, values: Partial<TemplateRow>): Promise<void> {
    await this.db.updateTable('pm_templates').set(values).where('id', '=', id).execute();
  }

  // ---- plans and their tasks
  async insertPlan(trx: Executor, plan: Selectable<PmPlanTable>, tasks: TaskRow[]): Promise<void> {
    await trx.insertInto('pm_plans').values(plan).execute();
    await insertInBatches(tasks, (batch) => trx.insertInto('pm_tasks').values(batch).execute());
  }
  findPlan(id: string, executor: Executor = this.db): Promise<Selectable<PmPlanTable> | undefined> {
    return executor.selectFrom('pm_plans').selectAll().where('id', '=', id).executeTakeFirst();
  }
  tasksOfPlan(planId: string): Promise<(TaskRow & { site_id: string | null })[]> {
    return this.db.selectFrom('pm_tasks').innerJoin('terminals', 'terminals.id', 'pm_tasks.terminal_id')
      .selectAll('pm_tasks').select('terminals.site_id')
      .where('pm_tasks.plan_id', '=', planId).orderBy('pm_tasks.next_due_at').orderBy('pm_tasks.id').execute();
  }
  async updateTask(trx: Executor | undefined, id: string, values: Partial<TaskRow>): Promise<void> {
    await (trx ?? this.db).updateTable('pm_tasks').set(values).where('id', '=', id).execute();
  }
  /** A terminal's tasks not yet ordered, with their template's checklist (JSON). */
  unorderedTasksOf(terminalId: string): Promise<(TaskRow & { template_tasks: string })[]> {
    return this.db.selectFrom('pm_tasks').innerJoin('pm_templates', 'pm_templates.id', 'pm_tasks.template_id')
      .selectAll('pm_tasks').select('pm_templates.tasks as template_tasks')
      .where('pm_tasks.terminal_id', '=', terminalId).where('pm_tasks.work_order_id', 'is', null).execute();
  }
  findTask(trx: Executor | undefined, id: string): Promise<TaskRow | undefined> {
    return (trx ?? this.db).selectFrom('pm_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Terminals (not deleted, with a site) matching a plan's filter, with their site's environment. */
  terminalsForPlan(filter: { merchantId?: string | undefined; siteId?: string | undefined; tag?: string | undefined; modelId?: string | undefined }): Promise<TerminalForPlan[]> {
    return this.db.selectFrom('terminals').innerJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.site_id', 'sites.environment'])
      .where('terminals.deleted_at', 'is', null)
      .$if(!!filter.merchantId, (q) => q.where('sites.merchant_id', '=', filter.merchantId!))
      .$if(!!filter.siteId, (q) => q.where('terminals.site_id', '=', filter.siteId!))
      .$if(!!filter.modelId, (q) => q.where('terminals.model_id', '=', filter.modelId!))
      .$if(!!filter.tag, (q) => q.where((eb) => eb.exists(eb.selectFrom('terminal_tags').select('terminal_tags.tag')
        .whereRef('terminal_tags.terminal_id', '=', 'terminals.id').where('terminal_tags.tag', '=', filter.tag!))))
      .orderBy('terminals.id')
      .execute();
  }

  /** The environment of a terminal's site (JSON list), null when it has none. */
  async environmentOf(terminalId: string): Promise<string | null> {
    const row = await this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id').select('sites.environment').where('terminals.id', '=', terminalId).executeTakeFirst();
    return row?.environment ?? null;
  }

  /** Heartbeat reports received since `since` for these terminals (the usage meters). */
  async reportsSince(terminalIds: string[], since: string): Promise<{ terminal_id: string; report: string }[]> {
    return selectInBatches(terminalIds, (ids) => this.db.selectFrom('heartbeats').select(['terminal_id', 'report'])
      .where('terminal_id', 'in', ids).where('received_at', '>=', since).execute());
  }

}
