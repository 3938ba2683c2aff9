// Queries of the merchant's side: the staff's care tasks of every plan (for the in-memory care cache),
// the staff's answers, the terminals' next planned maintenance, and maintenance moved by merchants.
import type { Kysely, Selectable } from 'kysely';
import { insertInBatches, selectInBatches } from '../db/batches.ts';
import type { Executor } from '../db/database.ts';
import type { CareConfirmationTable, Database, MaintenanceMoveTable, ShopForecastTable } from '../db/schema.ts';
import type { JobState } from '../shared/job-states.ts';

export type ConfirmationRow = Selectable<CareConfirmationTable>;
export type MoveRow = Selectable<MaintenanceMoveTable>;

export interface StaffTaskRow {
  pm_task_id: string;
  terminal_id: string;
  serial_number: string;
  model_id: string;
  site_id: string | null;
  site_name: string | null;
  merchant_id: string | null;
  locale: string | null;
  start_at: string;
  interval_days: number;
  tasks: string;
}

export interface WaitingJobRow {
  id: string;
  terminal_id: string;
  state: string;
  planned_start: string;
  expected_minutes: number;
  work: string;
  reason: string;
  locale: string | null;
}

export class MerchantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every plan task whose template has a task for the merchant's staff, on a terminal still in the estate. */
  staffTasks(): Promise<StaffTaskRow[]> {
    return this.db.selectFrom('pm_tasks').innerJoin('pm_plans', 'pm_plans.id', 'pm_tasks.plan_id')
      .innerJoin('pm_templates', 'pm_templates.id', 'pm_tasks.template_id')
      .innerJoin('terminals', 'terminals.id', 'pm_tasks.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id').leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .select([
        'pm_tasks.id as pm_task_id', 'pm_tasks.terminal_id', 'terminals.serial_number', 'terminals.model_id', 'terminals.site_id', 'sites.name as site_name', 'sites.merchant_id', 'merchants.locale',
        'pm_plans.start_at', 'pm_templates.interval_days', 'pm_templates.tasks',
      ])
      .where('terminals.deleted_at', 'is', null).where('pm_templates.tasks', 'like', '%merchant_staff%')
      .orderBy('pm_tasks.id').execute();
  }

  /** The staff's answers to occurrences due at or after `since`. */
  answersSince(since: string): Promise<ConfirmationRow[]> {
    return this.db.selectFrom('care_confirmations').selectAll().where('due_at', '>=', since).execute();
  }

  /** Answers to occurrences due in [from, to) of these terminals. */
  answersIn(terminalIds: string[], from: string, to: string): Promise<ConfirmationRow[]> {
    return selectInBatches(terminalIds, (ids) => this.db.selectFrom('care_confirmations').selectAll()
      .where('terminal_id', 'in', ids).where('due_at', '>=', from).where('due_at', '<', to).execute());
  }

  /** Stores answers; one already stored for the same task and occurrence is kept (a retry). Returns the ids stored now. */
  async insertAnswers(rows: ConfirmationRow[]): Promise<Set<string>> {
    await insertInBatches(rows, (batch) => this.db.insertInto('care_confirmations').values(batch)
      .onConflict((oc) => oc.columns(['pm_task_id', 'task_code', 'due_at']).doNothing()).execute());
    const stored = await selectInBatches(rows.map((r) => r.id), (ids) => this.db.selectFrom('care_confirmations').select('id').where('id', 'in', ids).execute());
    return new Set(stored.map((r) => r.id));
  }

  /** Every planned maintenance job not started yet, soonest first, with its merchant's language. */
  waitingJobs(states: readonly JobState[]): Promise<WaitingJobRow[]> {
    return this.db.selectFrom('maintenance_jobs').innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id').leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .select([
        'maintenance_jobs.id', 'maintenance_jobs.terminal_id', 'maintenance_jobs.state', 'maintenance_jobs.planned_start', 'maintenance_jobs.expected_minutes',
        'maintenance_jobs.work', 'maintenance_jobs.reason', 'merchants.locale',
      ])
      .where('maintenance_jobs.state', 'in', [...states]).orderBy('maintenance_jobs.planned_start').orderBy('maintenance_jobs.id').execute();
  }

  /** Waiting jobs at a merchant's sites (all merchants' for null), with their terminal and site. */
  upcomingJobs(states: readonly JobState[], merchantId: string | null) {
    return this.db.selectFrom('maintenance_jobs').innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .selectAll('maintenance_jobs').select(['terminals.serial_number', 'sites.name as site_name', 'sites.merchant_id'])
      .where('maintenance_jobs.state', 'in', [...states])
      .$if(merchantId !== null, (q) => q.where('sites.merchant_id', '=', merchantId!))
      .orderBy('maintenance_jobs.planned_start').limit(500).execute();
  }

  /** The merchant of a job's terminal's site (null: none). */
  async merchantOfJob(jobId: string): Promise<{ merchant_id: string | null; site_id: string | null } | undefined> {
    return this.db.selectFrom('maintenance_jobs').innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id').select(['sites.merchant_id', 'terminals.site_id'])
      .where('maintenance_jobs.id', '=', jobId).executeTakeFirst();
  }

  movesOf(jobIds: string[]): Promise<MoveRow[]> {
    return selectInBatches(jobIds, (ids) => this.db.selectFrom('maintenance_moves').selectAll().where('job_id', 'in', ids).orderBy('moved_at').orderBy('id').execute());
  }

  /** Moves whose old or new start lies in [from, to), newest first, with the job, its terminal and site. */
  listMoves(filter: { from?: string | undefined; to?: string | undefined; merchantId?: string | undefined; siteId?: string | undefined; terminalId?: string | undefined; limit: number }) {
    return this.db.selectFrom('maintenance_moves').innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'maintenance_moves.job_id')
      .innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id').leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .selectAll('maintenance_moves')
      .select([
        'maintenance_jobs.state as job_state', 'maintenance_jobs.terminal_id', 'maintenance_jobs.work', 'terminals.serial_number', 'terminals.site_id',
        'sites.name as site_name', 'sites.merchant_id', 'sites.time_zone as site_time_zone', 'merchants.time_zone as merchant_time_zone',
      ])
      .$if(filter.from !== undefined, (q) => q.where((eb) => eb.or([eb('maintenance_moves.from_start', '>=', filter.from!), eb('maintenance_moves.to_start', '>=', filter.from!)])))
      .$if(filter.to !== undefined, (q) => q.where((eb) => eb.or([eb('maintenance_moves.from_start', '<', filter.to!), eb('maintenance_moves.to_start', '<', filter.to!)])))
      .$if(filter.merchantId !== undefined, (q) => q.where('sites.merchant_id', '=', filter.merchantId!))
      .$if(filter.siteId !== undefined, (q) => q.where('terminals.site_id', '=', filter.siteId!))
      .$if(filter.terminalId !== undefined, (q) => q.where('maintenance_jobs.terminal_id', '=', filter.terminalId!))
      .orderBy('maintenance_moves.moved_at', 'desc').orderBy('maintenance_moves.id').limit(filter.limit).execute();
  }

  async insertMove(executor: Executor, row: MoveRow): Promise<void> {
    await executor.insertInto('maintenance_moves').values(row).execute();
  }

  /** These terminals (live ones) with where they belong and their merchant's language (the shop notices' directory). */
  terminalDirectory(ids: string[]) {
    const query = (only: string[]) => this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id').leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.model_id', 'terminals.site_id', 'sites.name as site_name', 'sites.merchant_id', 'merchants.locale'])
      .where('terminals.deleted_at', 'is', null).where('terminals.id', 'in', only).execute();
    return selectInBatches(ids, query);
  }

  /** One pass over the fleet's latest state: each terminal's last report, its model's roll length and what the forecast job remembered. */
  forecastInputs() {
    return this.db.selectFrom('terminals').innerJoin('terminal_models', 'terminal_models.id', 'terminals.model_id')
      .leftJoin('terminal_health', 'terminal_health.terminal_id', 'terminals.id').leftJoin('shop_forecasts', 'shop_forecasts.terminal_id', 'terminals.id')
      .select(['terminals.id', 'terminal_models.receipts_per_roll', 'terminal_health.report', 'shop_forecasts.state'])
      .where('terminals.deleted_at', 'is', null).execute();
  }

  /** What the forecast job remembered, for the notices after a restart. */
  forecastStates() {
    return this.db.selectFrom('shop_forecasts').select(['terminal_id', 'state']).execute();
  }

  async saveForecasts(rows: ShopForecastTable[]): Promise<void> {
    await insertInBatches(rows, (batch) => this.db.insertInto('shop_forecasts').values(batch)
      .onConflict((oc) => oc.column('terminal_id').doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), updated_at: eb.ref('excluded.updated_at') }))).execute());
  }
}
