// The background job layer: recurring and one-off jobs in a table, so they survive restarts, are
// retried on failure, and run once even when several server processes share one PostgreSQL database
// (a due job is claimed with FOR UPDATE SKIP LOCKED and held by a lease, renewed while it runs).
// While the database is away the runner pauses, and it resumes by itself when the database returns.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely, Selectable } from 'kysely';
import { isDatabaseUnavailable, type Dialect } from '../db/database.ts';
import type { Database, JobTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { nextRunAfterFailure, nextSlot } from './schedule.ts';

export type JobHandler = (payload: unknown) => Promise<void>;

export interface JobRunnerOptions {
  pollMs: number;
  /** How long a claimed job is held before another node may take it over; renewed while the job runs. */
  leaseMs?: number;
  maxAttempts?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class JobRunner {
  readonly node = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The database was away at the last poll (logged once, and once when it is back). */
  private waitingForDatabase = false;
  /** A run's closing writes that failed while the database was away: made first when it is back. */
  private unsettled: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly options: JobRunnerOptions,
  ) {}

  /** True while the database is away: no job is claimed until it is back. */
  get paused(): boolean {
    return this.waitingForDatabase;
  }

  handle(kind: string, handler: JobHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** Declares a recurring job; its first run is due now, later ones every intervalMs. */
  async recurring(id: string, kind: string, intervalMs: number): Promise<void> {
    await this.db.insertInto('jobs').values({
      id, kind, payload: '{}', run_at: this.clock().toISOString(), interval_ms: intervalMs, locked_by: null, locked_until: null,
      attempts: 0, last_error: null, done_at: null,
    }).onConflict((oc) => oc.column('id').doUpdateSet({ interval_ms: intervalMs, kind })).execute();
  }

  /** Schedules a one-off job. */
  async enqueue(kind: string, payload: unknown, runAt: Date = this.clock()): Promise<string> {
    const id = randomUUID();
    await this.db.insertInto('jobs').values({
      id, kind, payload: JSON.stringify(payload ?? {}), run_at: runAt.toISOString(), interval_ms: null, locked_by: null,
      locked_until: null, attempts: 0, last_error: null, done_at: null,
    }).execute();
    return id;
  }

  start(): void {
    this.stopped = false;
    this.schedulePoll(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedulePoll(delay: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runDueJobs()
        .then(() => {
          if (this.waitingForDatabase) this.options.log?.('background jobs resumed: the database is back');
          this.waitingForDatabase = false;
        }, (error: unknown) => {
          if (!isDatabaseUnavailable(error)) return this.options.log?.('job poll failed', { error: String(error) });
          if (!this.waitingForDatabase) this.options.log?.('background jobs paused: the database is unavailable', { error: String(error) });
          this.waitingForDatabase = true;
        })
        .finally(() => this.schedulePoll(this.options.pollMs));
    }, delay);
  }

  /** Runs every job due now (bounded per call); returns how many ran. */
  async runDueJobs(limit = 50): Promise<number> {
    while (this.unsettled.length) {
      await this.unsettled[0]!();
      this.unsettled.shift();
    }
    let ran = 0;
    while (ran < limit && !this.stopped) {
      const job = await this.claim();
      if (!job) break;
      await this.run(job);
      ran++;
    }
    return ran;
  }

  private async claim(): Promise<Selectable<JobTable> | undefined> {
    const now = this.clock();
    const nowIso = now.toISOString();
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return undefined;
    return this.db.transaction().execute(async (trx) => {
      let due = trx.selectFrom('jobs').select('id')
        .where('done_at', 'is', null).where('run_at', '<=', nowIso).where('kind', 'in', kinds)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
        .orderBy('run_at').limit(1);
      if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
      const candidate = await due.executeTakeFirst();
      if (!candidate) return undefined;
      return trx.updateTable('jobs')
        .set((eb) => ({ locked_by: this.node, locked_until: this.leaseEnd(now), attempts: eb('attempts', '+', 1) }))
        .where('id', '=', candidate.id)
        .returningAll()
        .executeTakeFirst();
    });
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 300_000;
  }

  private leaseEnd(now: Date): string {
    return new Date(now.getTime() + this.leaseMs).toISOString();
  }

  private async run(job: Selectable<JobTable>): Promise<void> {
    const runId = randomUUID();
    const claimed = () => this.db.updateTable('jobs').where('id', '=', job.id).where('locked_by', '=', this.node);
    try {
      await this.db.insertInto('job_runs').values({
        id: runId, job_id: job.id, scheduled_for: job.run_at, node: this.node, started_at: this.clock().toISOString(),
        finished_at: null, outcome: 'running', error: null,
      }).execute();
    } catch (error) {
      // Not started: the claim is given back, now or when the database returns.
      await this.settle(() => claimed().set({ locked_by: null, locked_until: null }).execute());
      throw error;
    }
    // The lease is renewed while the handler runs, so a long run is not taken up again by another node.
    const renewal = setInterval(() => {
      claimed().set({ locked_until: this.leaseEnd(this.clock()) }).executeTakeFirst().then((renewed) => {
        if (Number(renewed.numUpdatedRows) === 0) this.options.log?.('job lease lost', { job: job.id, kind: job.kind });
      }, (error: unknown) => this.options.log?.('job lease not renewed', { job: job.id, kind: job.kind, error: String(error) }));
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    let error: string | null = null;
    try {
      await this.handlers.get(job.kind)!(parseJson<unknown>(job.payload, {}));
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.options.log?.('job failed', { job: job.id, kind: job.kind, attempt: job.attempts, error });
    } finally {
      clearInterval(renewal);
    }
    await this.settle(async () => {
      const now = this.clock();
      await this.db.updateTable('job_runs').set({ finished_at: now.toISOString(), outcome: error ? 'failed' : 'succeeded', error }).where('id', '=', runId).execute();
      await claimed().set(this.afterRun(job, error, now)).execute();
    });
  }

  /** A write that closes a run; kept for the next poll when the database is away, so no run stays claimed. */
  private async settle(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.unsettled.push(write);
      throw error;
    }
  }

  /** Deletes the run history started before `before` (crashed runs too), in bounded statements; returns how many. */
  async pruneRuns(before: string, batch = 10_000): Promise<number> {
    let pruned = 0;
    for (;;) {
      const old = this.db.selectFrom('job_runs').select('id').where('started_at', '<', before).limit(batch);
      const deleted = await this.db.deleteFrom('job_runs').where('id', 'in', old).executeTakeFirst();
      pruned += Number(deleted.numDeletedRows);
      if (Number(deleted.numDeletedRows) < batch) return pruned;
    }
  }

  private afterRun(job: Selectable<JobTable>, error: string | null, now: Date): Partial<JobTable> {
    const released = { locked_by: null, locked_until: null, last_error: error };
    const interval = job.interval_ms === null ? null : Number(job.interval_ms);
    const maxAttempts = this.options.maxAttempts ?? 5;
    if (error && job.attempts < maxAttempts) return { ...released, run_at: nextRunAfterFailure(now, job.attempts).toISOString() };
    if (interval !== null) return { ...released, attempts: 0, run_at: nextSlot(new Date(job.run_at), interval, now).toISOString() };
    return { ...released, done_at: now.toISOString() };
  }
}
