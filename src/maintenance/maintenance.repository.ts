// Maintenance queries (Kysely only): jobs, their transitions, locks, and the site facts the
// continuity rule needs.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { onPostgres } from '../db/database.ts';
import type { Database, MaintenanceJobTable, TerminalLockTable } from '../db/schema.ts';
import type { LockKind } from './maintenance.schemas.ts';
import { selectInBatches } from '../db/batches.ts';
import { fixed, prepared } from '../db/prepared.ts';
import type { JobState } from '../shared/job-states.ts';
import { parseJson } from '../shared/json.ts';

type Executor = Kysely<Database> | Transaction<Database>;
export type JobRow = Selectable<MaintenanceJobTable>;
/** What a heartbeat answer needs of a terminal's out-of-service job. */
export type ModeJob = Pick<JobRow, 'id' | 'terminal_id' | 'state' | 'reason' | 'work' | 'started_at' | 'expected_minutes' | 'lease_until'>;
/** What a heartbeat answer needs of a terminal's active lock. */
export interface ModeLock { terminal_id: string; reason: string; kind: LockKind }

export interface SiteTerminal {
  id: string;
  siteId: string;
  serialNumber: string;
  backup: boolean;
  lastSeenAt: string | null;
  locked: boolean;
  inMaintenance: boolean;
}

export class MaintenanceRepository {
  /** PostgreSQL: the heartbeat path's reads are statements written once for any number of terminals (arrays), prepared by name. */
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = onPostgres(db);
  }

  async insertJob(executor: Executor, row: JobRow): Promise<void> {
    await executor.insertInto('maintenance_jobs').values(row).execute();
  }

  /**
   * Creates jobs, each with its first transition (by an operator, noting `note`), in one transaction. A
   * terminal that already has a job in one of the `open` states throws `refuse(job, open)`: nothing is written.
   */
  async createJobs(jobs: { row: JobRow; note: string | null }[], open: readonly JobState[], refuse: (row: JobRow, open: JobRow) => Error): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const { row, note } of jobs) {
        const existing = await this.openJobOfTerminal(row.terminal_id, open, trx);
        if (existing) throw refuse(row, existing);
        await this.insertJob(trx, row);
        await this.recordTransition(trx, { job_id: row.id, from_state: null, to_state: row.state, at: row.created_at, actor: 'operator', actor_name: row.created_by, note });
      }
    });
  }

  async job(id: string, executor: Executor = this.db): Promise<JobRow | undefined> {
    return executor.selectFrom('maintenance_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async jobsOfTerminal(terminalId: string, limit = 100): Promise<JobRow[]> {
    return this.db.selectFrom('maintenance_jobs').selectAll().where('terminal_id', '=', terminalId).orderBy('created_at', 'desc').limit(limit).execute();
  }

  async openJobOfTerminal(terminalId: string, open: readonly JobState[], executor: Executor = this.db): Promise<JobRow | undefined> {
    return executor.selectFrom('maintenance_jobs').selectAll().where('terminal_id', '=', terminalId).where('state', 'in', open).executeTakeFirst();
  }

  async jobsInStates(states: readonly JobState[], terminalIds?: string[]): Promise<JobRow[]> {
    if (!terminalIds) return this.db.selectFrom('maintenance_jobs').selectAll().where('state', 'in', states).execute();
    if (this.postgres) return terminalIds.length ? (await this.db.executeQuery(this.jobsOfTerminalsPg(terminalIds, states))).rows : [];
    return selectInBatches(terminalIds, async (ids) => (await this.jobsOfTerminals.run(this.db, states, ids)).rows);
  }

  /**
   * A heartbeat batch's answers: its terminals' jobs in `states` and their active locks. On PostgreSQL
   * one prepared statement (one round trip, planned once per connection) instead of two whose SQL changed
   * with the batch's length; on SQLite the two reads.
   */
  async modesOfTerminals(terminalIds: string[], states: readonly JobState[]): Promise<{ jobs: ModeJob[]; locks: ModeLock[] }> {
    if (!terminalIds.length) return { jobs: [], locks: [] };
    if (!this.postgres) {
      const [jobs, locks] = await Promise.all([this.jobsInStates(states, terminalIds), this.activeLocks(terminalIds)]);
      return { jobs, locks };
    }
    const jobs: ModeJob[] = [];
    const locks: ModeLock[] = [];
    for (const r of (await this.db.executeQuery(this.modesPg(terminalIds, states))).rows) {
      if (r.id === null) locks.push({ terminal_id: r.terminal_id, reason: r.reason, kind: r.state as LockKind });
      else jobs.push({ ...r, id: r.id, state: r.state as JobState });
    }
    return { jobs, locks };
  }

  // Every heartbeat batch asks these (its terminals' modes): built once (src/db/prepared.ts).
  private readonly jobsOfTerminals = prepared((states: readonly JobState[], ids: string[]) =>
    this.db.selectFrom('maintenance_jobs').selectAll().where('state', 'in', states).where('terminal_id', 'in', ids));

  private readonly locksOfTerminals = prepared((ids: string[]) =>
    this.db.selectFrom('terminal_locks').selectAll().where('terminal_id', 'in', ids).where('lifted_at', 'is', null));

  private readonly jobsOfTerminalsPg = fixed<JobRow>('select * from maintenance_jobs where terminal_id = any($1::text[]) and state = any($2::text[])');

  private readonly locksOfTerminalsPg = fixed<Selectable<TerminalLockTable>>('select * from terminal_locks where terminal_id = any($1::text[]) and lifted_at is null');

  // A lock is a row without a job id; its kind in `state`.
  private readonly modesPg = fixed<Omit<ModeJob, 'id'> & { id: string | null }>(`
    select terminal_id, id, state, reason, work, started_at, expected_minutes, lease_until from maintenance_jobs
    where terminal_id = any($1::text[]) and state = any($2::text[])
    union all
    select terminal_id, null, kind, reason, null, null, null, null from terminal_locks where terminal_id = any($1::text[]) and lifted_at is null`);

  async dueJobs(now: string, states: readonly JobState[]): Promise<JobRow[]> {
    return this.db.selectFrom('maintenance_jobs').selectAll().where('state', 'in', states).where('planned_start', '<=', now).orderBy('planned_start').limit(5000).execute();
  }

  async expiredLeases(now: string, states: readonly JobState[]): Promise<JobRow[]> {
    return this.db.selectFrom('maintenance_jobs').selectAll().where('state', 'in', states).where('lease_until', '<', now).execute();
  }

  /**
   * Moves a job from `from` to `to` and records the transition, in one transaction. The guard on the
   * current state makes a concurrent or repeated move a no-op (returns false).
   */
  async transition(
    executor: Executor,
    job: { id: string; state: JobState },
    to: JobState,
    at: string,
    actor: { kind: string; name: string | null },
    changes: Partial<JobRow> = {},
    note: string | null = null,
  ): Promise<boolean> {
    const result = await executor.updateTable('maintenance_jobs').set({ ...changes, state: to, updated_at: at })
      .where('id', '=', job.id).where('state', '=', job.state).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await this.recordTransition(executor, { job_id: job.id, from_state: job.state, to_state: to, at, actor: actor.kind, actor_name: actor.name, note });
    return true;
  }

  /** `transition` on its own (outside any caller's transaction). */
  move(job: { id: string; state: JobState }, to: JobState, at: string, actor: { kind: string; name: string | null }, changes: Partial<JobRow> = {}, note: string | null = null): Promise<boolean> {
    return this.transition(this.db, job, to, at, actor, changes, note);
  }

  /**
   * A move and, if it happened, the move that settles it at once (a terminal verifying with its
   * self-test results: completed or failed), in one transaction.
   */
  async moveAndSettle(
    job: { id: string; state: JobState },
    move: { to: JobState; actor: { kind: string; name: string | null }; changes: Partial<JobRow>; note: string | null },
    settle: { to: JobState; actor: { kind: string; name: string | null }; changes: Partial<JobRow>; note: string | null } | null,
    at: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.transition(trx, job, move.to, at, move.actor, move.changes, move.note))) return;
      if (settle) await this.transition(trx, { id: job.id, state: move.to }, settle.to, at, settle.actor, settle.changes, settle.note);
    });
  }

  /** A transition written on its own (outside any transaction). */
  recordTransitionAlone(t: Parameters<MaintenanceRepository['recordTransition']>[1]): Promise<void> {
    return this.recordTransition(this.db, t);
  }

  async recordTransition(executor: Executor, t: { job_id: string; from_state: JobState | null; to_state: JobState; at: string; actor: string; actor_name: string | null; note: string | null }): Promise<void> {
    await executor.insertInto('maintenance_transitions').values((eb) => ({
      ...t,
      id: randomUUID(),
      position: eb.selectFrom('maintenance_transitions').select((s) => s.fn.countAll<number>().as('n')).where('job_id', '=', t.job_id),
    })).execute();
  }

  async updateJob(id: string, changes: Partial<JobRow>): Promise<void> {
    await this.db.updateTable('maintenance_jobs').set(changes).where('id', '=', id).execute();
  }

  /** A waiting job's new planned start (a merchant moved it); it waits for nothing else there. */
  async replanJob(executor: Executor, id: string, plannedStart: string, at: string): Promise<void> {
    await executor.updateTable('maintenance_jobs').set({ planned_start: plannedStart, waiting_reason: null, waiting_code: null, updated_at: at }).where('id', '=', id).execute();
  }

  async transitions(jobId: string) {
    return this.db.selectFrom('maintenance_transitions').selectAll().where('job_id', '=', jobId).orderBy('position').execute();
  }

  async addRefused(jobId: string, count: number): Promise<void> {
    await this.db.updateTable('maintenance_jobs').set((eb) => ({ refused_transactions: eb('refused_transactions', '+', count) })).where('id', '=', jobId).execute();
  }

  /** Jobs created in [from, to) with their site's merchant, narrowed to a merchant or site. */
  async jobsForFigures(filter: { from: string; to: string; merchantId?: string | undefined; siteId?: string | undefined }) {
    let q = this.db.selectFrom('maintenance_jobs').leftJoin('sites', 'sites.id', 'maintenance_jobs.site_id')
      .select(['maintenance_jobs.terminal_id', 'maintenance_jobs.site_id', 'sites.merchant_id', 'maintenance_jobs.state', 'maintenance_jobs.started_at',
        'maintenance_jobs.ended_at', 'maintenance_jobs.updated_at', 'maintenance_jobs.expected_minutes', 'maintenance_jobs.refused_transactions'])
      .where('maintenance_jobs.created_at', '>=', filter.from).where('maintenance_jobs.created_at', '<', filter.to);
    if (filter.merchantId) q = q.where('sites.merchant_id', '=', filter.merchantId);
    if (filter.siteId) q = q.where('maintenance_jobs.site_id', '=', filter.siteId);
    return q.limit(100_000).execute();
  }

  /** Transaction totals from a terminal's recent heartbeats (bounded), for its average ticket, in the currency it last reported. */
  async recentTransactionTotals(terminalId: string, since: string): Promise<{ count: number; amountMinor: number; currency: string | null }> {
    const rows = await this.db.selectFrom('heartbeats').select('report').where('terminal_id', '=', terminalId).where('received_at', '>=', since)
      .orderBy('seq', 'desc').limit(5000).execute();
    let count = 0;
    let amountMinor = 0;
    let currency: string | null = null;
    for (const row of rows) {
      const tx = (parseJson<{ transactions?: { count?: number; amountMinor?: number; currency?: string } }>(row.report, {})).transactions;
      count += tx?.count ?? 0;
      amountMinor += tx?.amountMinor ?? 0;
      currency ??= tx?.currency ?? null;
    }
    return { count, amountMinor, currency };
  }

  // ---- locks
  async activeLocks(terminalIds: string[]) {
    if (this.postgres) return terminalIds.length ? (await this.db.executeQuery(this.locksOfTerminalsPg(terminalIds))).rows : [];
    return selectInBatches(terminalIds, async (ids) => (await this.locksOfTerminals.run(this.db, ids)).rows);
  }

  async insertLock(row: { id: string; terminal_id: string; kind: LockKind; reason: string; locked_at: string; locked_by: string }) {
    await this.db.insertInto('terminal_locks').values({ ...row, lifted_at: null, lifted_by: null }).execute();
  }

  async liftLocks(terminalId: string, at: string, by: string, reason: string): Promise<number> {
    const r = await this.db.updateTable('terminal_locks').set({ lifted_at: at, lifted_by: by, lift_reason: reason })
      .where('terminal_id', '=', terminalId).where('lifted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Every lock of a terminal, newest first: who locked and lifted it, when and why. */
  locksOf(terminalId: string) {
    return this.db.selectFrom('terminal_locks').selectAll().where('terminal_id', '=', terminalId).orderBy('locked_at', 'desc').orderBy('id').limit(200).execute();
  }

  /** Every working (active, not deleted) terminal of the given sites, with what continuity needs to know. */
  async siteTerminals(siteIds: string[], outOfService: readonly JobState[]): Promise<SiteTerminal[]> {
    const rows = await selectInBatches(siteIds, (ids) => this.db.selectFrom('terminals')
      .leftJoin('terminal_health', 'terminal_health.terminal_id', 'terminals.id')
      .select(['terminals.id', 'terminals.site_id', 'terminals.serial_number', 'terminal_health.last_seen_at'])
      .select((eb) => [
        eb.exists(eb.selectFrom('terminal_tags').select('tag').whereRef('terminal_tags.terminal_id', '=', 'terminals.id').where('tag', '=', 'backup')).as('backup'),
        eb.exists(eb.selectFrom('terminal_locks').select('id').whereRef('terminal_locks.terminal_id', '=', 'terminals.id').where('lifted_at', 'is', null)).as('locked'),
        eb.exists(eb.selectFrom('maintenance_jobs').select('id').whereRef('maintenance_jobs.terminal_id', '=', 'terminals.id').where('state', 'in', outOfService)).as('in_maintenance'),
      ])
      .where('terminals.site_id', 'in', ids).where('terminals.deleted_at', 'is', null).where('terminals.status', '=', 'active')
      .execute());
    return rows.map((r) => ({
      id: r.id, siteId: r.site_id!, serialNumber: r.serial_number, backup: Boolean(r.backup), lastSeenAt: r.last_seen_at, locked: Boolean(r.locked), inMaintenance: Boolean(r.in_maintenance),
    }));
  }
}
