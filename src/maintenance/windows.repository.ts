// Maintenance window queries (Kysely only): windows and their visibility, the jobs planned inside them,
// past job durations for planning, and the heartbeats a site's suggested window is learnt from.
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool, Transaction } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { insertInBatches, selectInBatches } from '../db/batches.ts';
import type { Database, MaintenanceJobWindowTable, MaintenanceWindowTable } from '../db/schema.ts';
import type { JobState, WaitingCode } from '../shared/job-states.ts';

type Executor = Kysely<Database> | Transaction<Database>;
export type WindowRow = Selectable<MaintenanceWindowTable>;
export type JobWindowRow = Selectable<MaintenanceJobWindowTable>;

export interface WindowListQuery {
  limit: number;
  cursor?: string | undefined;
  merchantId?: string | undefined;
  siteId?: string | undefined;
  terminalId?: string | undefined;
}

/** One finished job with a single kind of work, for the duration table. */
export interface FinishedJob { modelId: string; work: string; startedAt: string; endedAt: string }

export interface HeartbeatRow { seq: number; receivedAt: string; report: string }

export class WindowsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction: the window services' writes that stand or fall together. */
  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  async insert(row: WindowRow): Promise<void> {
    await this.db.insertInto('maintenance_windows').values(row).execute();
  }

  async update(id: string, changes: Partial<WindowRow>): Promise<void> {
    await this.db.updateTable('maintenance_windows').set(changes).where('id', '=', id).execute();
  }

  /** The window, if `scope` may see it. */
  async find(id: string, scope: Scope): Promise<WindowRow | undefined> {
    return this.db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).where((eb) => visibleTo(eb, scope)).executeTakeFirst();
  }

  async findMany(ids: readonly string[]): Promise<WindowRow[]> {
    return selectInBatches(ids, (batch) => this.db.selectFrom('maintenance_windows').selectAll().where('id', 'in', batch).execute());
  }

  async ofTarget(targetKey: string): Promise<WindowRow[]> {
    return this.db.selectFrom('maintenance_windows').selectAll().where('target_key', '=', targetKey).orderBy('id').limit(1000).execute();
  }

  /** Windows that may apply to terminals of these ids, sites and merchants, and every filter window (by id). */
  async candidates(terminalIds: string[], siteIds: string[], merchantIds: string[]): Promise<WindowRow[]> {
    const aimedAt = (kind: string, ids: string[]) => selectInBatches([...new Set(ids)], (batch) => this.db.selectFrom('maintenance_windows').selectAll()
      .where('target_kind', '=', kind).where('target_id', 'in', batch).execute());
    const rows = [
      ...await aimedAt('terminal', terminalIds), ...await aimedAt('site', siteIds), ...await aimedAt('merchant', merchantIds),
      ...await this.db.selectFrom('maintenance_windows').selectAll().where('target_kind', '=', 'filter').execute(),
    ];
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async list(query: WindowListQuery, scope: Scope): Promise<WindowRow[]> {
    let q = this.db.selectFrom('maintenance_windows').selectAll().where((eb) => visibleTo(eb, scope));
    if (query.merchantId) q = q.where('target_kind', '=', 'merchant').where('target_id', '=', query.merchantId);
    if (query.siteId) q = q.where('target_kind', '=', 'site').where('target_id', '=', query.siteId);
    if (query.terminalId) q = q.where('target_kind', '=', 'terminal').where('target_id', '=', query.terminalId);
    if (query.cursor) q = q.where('id', '>', query.cursor);
    return q.orderBy('id').limit(query.limit + 1).execute();
  }

  /** Removes a window and its links to jobs, unless a job in one of `openStates` still uses it; returns how many do. */
  async delete(id: string, openStates: readonly JobState[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const open = await trx.selectFrom('maintenance_job_windows')
        .innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'maintenance_job_windows.job_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('maintenance_job_windows.window_id', '=', id).where('maintenance_jobs.state', 'in', openStates)
        .executeTakeFirstOrThrow();
      if (Number(open.n) > 0) return Number(open.n);
      await trx.deleteFrom('maintenance_job_windows').where('window_id', '=', id).execute();
      await trx.deleteFrom('maintenance_windows').where('id', '=', id).execute();
      return 0;
    });
  }

  // ---- jobs planned inside windows
  async link(executor: Executor, row: JobWindowRow): Promise<void> {
    await executor.insertInto('maintenance_job_windows').values(row).execute();
  }

  /** Ties a moved job to the window it now runs in (replacing its former tie). */
  async relink(executor: Executor, row: JobWindowRow): Promise<void> {
    await executor.deleteFrom('maintenance_job_windows').where('job_id', '=', row.job_id).execute();
    await executor.insertInto('maintenance_job_windows').values(row).execute();
  }

  async linksOf(jobIds: readonly string[]): Promise<JobWindowRow[]> {
    return selectInBatches(jobIds, (ids) => this.db.selectFrom('maintenance_job_windows').selectAll().where('job_id', 'in', ids).execute());
  }

  /**
   * Moves a planned job that may not start now to a later start, guarded on its state and current
   * planned start so that a job another node started meanwhile is left alone. True when it moved.
   */
  async movePlannedStart(executor: Executor, jobId: string, from: string, to: string, waiting: { reason: string; code: WaitingCode }, at: string, waitingStates: readonly JobState[]): Promise<boolean> {
    const result = await executor.updateTable('maintenance_jobs').set({ planned_start: to, waiting_reason: waiting.reason, waiting_code: waiting.code, updated_at: at })
      .where('id', '=', jobId).where('planned_start', '=', from).where('state', 'in', waitingStates).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The most recent completed jobs with their terminal's model: what durations are learnt from. */
  async finishedJobs(limit: number): Promise<FinishedJob[]> {
    const rows = await this.db.selectFrom('maintenance_jobs')
      .innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .select(['terminals.model_id', 'maintenance_jobs.work', 'maintenance_jobs.started_at', 'maintenance_jobs.ended_at'])
      .where('maintenance_jobs.state', '=', 'completed')
      .where('maintenance_jobs.started_at', 'is not', null).where('maintenance_jobs.ended_at', 'is not', null)
      .orderBy('maintenance_jobs.ended_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ modelId: r.model_id, work: r.work, startedAt: r.started_at!, endedAt: r.ended_at! }));
  }

  // ---- a site's trade, imported
  /** Stores imported buckets; a bucket imported again is replaced (an import is idempotent). Batched under the parameter limits. */
  async upsertTrading(executor: Executor, siteId: string, buckets: readonly { start: string; transactions: number; amountMinor: number }[], currency: string | null, at: string): Promise<void> {
    const rows = buckets.map((b) => ({ site_id: siteId, bucket_start: b.start, transactions: b.transactions, amount_minor: b.amountMinor, currency, imported_at: at }));
    await insertInBatches(rows, (batch) => executor.insertInto('site_trading_history')
      .values(batch)
      .onConflict((oc) => oc.columns(['site_id', 'bucket_start']).doUpdateSet((eb) => ({
        transactions: eb.ref('excluded.transactions'), amount_minor: eb.ref('excluded.amount_minor'), currency: eb.ref('excluded.currency'), imported_at: eb.ref('excluded.imported_at'),
      })))
      .execute());
  }

  /** The site's imported buckets starting in [from, to), oldest first. */
  tradingHistory(siteId: string, from: string, to: string) {
    return this.db.selectFrom('site_trading_history').select(['bucket_start', 'transactions', 'amount_minor', 'currency'])
      .where('site_id', '=', siteId).where('bucket_start', '>=', from).where('bucket_start', '<', to).orderBy('bucket_start').execute();
  }

  // ---- a site's trade, from its terminals' heartbeats
  /** Every terminal that is or was at the site (deleted ones too: their history is the site's trade). */
  async terminalsOfSite(siteId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('terminals').select('id').where('site_id', '=', siteId).orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async countHeartbeats(terminalIds: string[], from: string, to: string): Promise<number> {
    const counts = await selectInBatches(terminalIds, (ids) => this.db.selectFrom('heartbeats').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('terminal_id', 'in', ids).where('received_at', '>=', from).where('received_at', '<=', to).execute());
    return counts.reduce((sum, row) => sum + Number(row.n), 0);
  }

  /** A terminal's heartbeats in [from, to], in sequence order, a page at a time (keyset on seq). */
  async heartbeatPage(terminalId: string, from: string, to: string, afterSeq: number, limit: number): Promise<HeartbeatRow[]> {
    const rows = await this.db.selectFrom('heartbeats').select(['seq', 'received_at', 'report'])
      .where('terminal_id', '=', terminalId).where('seq', '>', afterSeq).where('received_at', '>=', from).where('received_at', '<=', to)
      .orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), receivedAt: r.received_at, report: r.report }));
  }
}

/**
 * The windows a scope may see: all of them for the fleet; for a merchant's users the windows of its own
 * merchant, sites and terminals and the filter windows narrowed to it; none for technicians (yet).
 */
function visibleTo(eb: ExpressionBuilder<Database, 'maintenance_windows'>, scope: Scope): Expression<SqlBool> {
  if (scope.kind === 'fleet') return eb.lit(true);
  if (scope.kind === 'technician') return eb.lit(false);
  const merchantId = scope.merchantId;
  return eb.or([
    eb.and([eb('target_kind', 'in', ['merchant', 'filter']), eb('target_id', '=', merchantId)]),
    eb.and([eb('target_kind', '=', 'site'), eb('target_id', 'in', eb.selectFrom('sites').select('sites.id').where('sites.merchant_id', '=', merchantId))]),
    eb.and([eb('target_kind', '=', 'terminal'), eb('target_id', 'in', eb.selectFrom('terminals')
      .innerJoin('sites', 'sites.id', 'terminals.site_id').select('terminals.id').where('sites.merchant_id', '=', merchantId))]),
  ]);
}
