// Carries a maintenance job through the terminal: stop taking payments, drain, do the work, restart,
// self-test, and report each step to the server; roll back when the job fails, when the server ends
// it, or when its lease runs out on the terminal's own clock. Saved after every step, so a terminal
// that reboots mid-job (restart() may really reboot it) carries on where it was. The job's
// types (handlers, saved job, reports, events): ./maintenance-job.ts.
import type { HeartbeatAnswer, JobState } from '../protocol/index.ts';
import { PosFleetError } from './errors.ts';
import type { JobContext, JobEnding, JobPhase, MaintenanceEvent, MaintenanceHandlers, PendingReport, SavedJob, SelfTestResult, WorkKind } from './maintenance-job.ts';
import { leaseDeadline, msUntil, selfTestsPassed } from './maintenance-rules.ts';
import type { Timers } from './timers.ts';

export { DEFAULT_HANDLERS } from './maintenance-job.ts';
export type {
  JobContext, JobEnding, JobPhase, MaintenanceEvent, MaintenanceHandlers, PendingReport, SavedJob, SelfTestResult, StepState, WorkKind,
} from './maintenance-job.ts';
export type { Timers } from './timers.ts';

export interface RunnerPort {
  handlers: MaintenanceHandlers;
  /** Sends one step report (with the client's retries); resolves to the job as the server has it. */
  report(report: PendingReport, signal: AbortSignal): Promise<{ id: string; state: JobState }>;
  now(): Date;
  timers: Timers;
  save(): Promise<void>;
  /** The runner's job started or ended: the terminal's mode may have changed. */
  changed(): void;
  onError(error: unknown): void;
  onEvent(event: MaintenanceEvent): void;
}

export interface RunnerState {
  job: SavedJob | null;
  outbox: PendingReport[];
  endedJobs: string[];
}

const REMEMBERED_JOBS = 20;
// setTimeout's limit; a longer lease is re-armed when this fires.
const MAX_TIMER_MS = 2 ** 31 - 1;
const LEASE_ENDED = 'lease ended before the job was confirmed';

export class MaintenanceRunner {
  private current: SavedJob | undefined;
  private readonly outbox: PendingReport[];
  private readonly endedJobs: string[];
  private steps: AbortController | undefined;
  private leaseTimer: unknown;
  private resumed = false;
  private probing: string | undefined;
  private sending = false;
  private flushing: Promise<void> = Promise.resolve();
  private flushAgain = false;
  private readonly network = new AbortController();
  private disposed = false;

  constructor(private readonly port: RunnerPort, saved: Partial<RunnerState> = {}) {
    // Copies: the runner updates its job in place, and must not change what the application stored.
    this.current = saved.job ? structuredClone(saved.job) : undefined;
    this.outbox = structuredClone(saved.outbox ?? []);
    this.endedJobs = [...(saved.endedJobs ?? [])];
    // The lease runs even before the first contact: a terminal that cannot reach the server still gets back to trading.
    if (this.current && !this.current.ending) this.armLease(this.current);
  }

  get job(): Readonly<SavedJob> | undefined {
    return this.current;
  }

  snapshot(): RunnerState {
    return { job: this.current ? structuredClone(this.current) : null, outbox: structuredClone(this.outbox), endedJobs: [...this.endedJobs] };
  }

  /** Ended here (rolled back, completed): the server's answers naming it are not obeyed any more. */
  hasEnded(jobId: string): boolean {
    return this.endedJobs.includes(jobId) || (this.current?.jobId === jobId && this.current.ending !== undefined);
  }

  /** At first contact: carries on with a job saved before a restart. Later calls do nothing. */
  resume(): void {
    if (this.resumed || this.disposed) return;
    this.resumed = true;
    const job = this.current;
    if (job?.ending) void this.end(job, job.ending);
    else if (job) this.runSteps(job);
  }

  /** Takes in what a heartbeat answer says about maintenance; `sentAt` is when the heartbeat was sent, on this terminal's clock. */
  onAnswer(answer: Pick<HeartbeatAnswer, 'maintenance' | 'reason' | 'serverTime'>, sentAt: Date): void {
    if (this.disposed) return;
    const named = answer.maintenance;
    const job = this.current;
    if (named && !this.hasEnded(named.jobId)) {
      if (!job) this.adopt({ ...named, reason: answer.reason }, answer.serverTime, sentAt);
      else if (job.jobId === named.jobId) this.refresh(job, named, answer.serverTime, sentAt);
      else this.serverStopped(job); // another job of ours is out of service: the server is done with this one
    } else if (job && !job.ending && named?.jobId !== job.jobId) {
      this.serverStopped(job);
    }
    void this.flush();
  }

  /** Sends the reports not acknowledged yet, in order; what cannot be sent now waits for the next contact. */
  flush(): Promise<void> {
    this.flushAgain = true;
    if (!this.sending) {
      this.sending = true;
      this.flushing = this.sendReports();
    }
    return this.flushing;
  }

  /** Stops everything without rolling back (the SDK is closing); the saved state resumes it later. */
  dispose(): void {
    this.disposed = true;
    this.network.abort();
    this.steps?.abort();
    this.clearLease();
  }

  // ---- the job's life

  private adopt(named: NonNullable<HeartbeatAnswer['maintenance']> & { reason: string | null }, serverTime: string, sentAt: Date): void {
    const job: SavedJob = {
      jobId: named.jobId, work: named.work as WorkKind[], reason: named.reason, expectedEndAt: named.expectedEndAt,
      leaseDeadline: leaseDeadline({ leaseUntil: named.leaseUntil, serverTime }, sentAt).toISOString(), phase: 'draining',
    };
    this.current = job;
    this.resumed = true;
    this.armLease(job);
    this.port.changed();
    this.port.onEvent({ type: 'started', jobId: job.jobId, work: job.work });
    void this.port.save();
    this.runSteps(job);
  }

  /** A later answer about the same job: an operator may have extended it. */
  private refresh(job: SavedJob, named: NonNullable<HeartbeatAnswer['maintenance']>, serverTime: string, sentAt: Date): void {
    if (job.ending) return;
    const deadline = leaseDeadline({ leaseUntil: named.leaseUntil, serverTime }, sentAt);
    // Each answer's estimate differs by its network delay; only a real change (an extension) is worth a save.
    if (Math.abs(deadline.getTime() - Date.parse(job.leaseDeadline)) < 1_000 && job.expectedEndAt === named.expectedEndAt) return;
    job.leaseDeadline = deadline.toISOString();
    job.expectedEndAt = named.expectedEndAt;
    this.armLease(job);
    void this.port.save();
  }

  private runSteps(job: SavedJob): void {
    const controller = new AbortController();
    this.steps = controller;
    let step = 'drain';
    const run = async () => {
      const context: JobContext = { jobId: job.jobId, work: job.work, signal: controller.signal };
      const { handlers } = this.port;
      const going = () => !controller.signal.aborted && this.current === job && !job.ending;
      if (job.phase === 'draining') {
        await handlers.drain(context);
        if (!going()) return;
        await this.advance(job, 'in_maintenance', true);
      }
      if (job.phase === 'in_maintenance') {
        step = 'perform';
        await handlers.perform(job.work, context);
        if (!going()) return;
        // Saved before restart(), which may reboot: the restarted terminal goes on with the self-test.
        await this.advance(job, 'restarting', true);
        step = 'restart';
        await handlers.restart(context);
        if (!going()) return;
      }
      if (job.phase === 'restarting') await this.advance(job, 'verifying', false);
      step = 'selfTest';
      const results = cleanSelfTests(await handlers.selfTest(context));
      if (!going()) return;
      this.enqueue({ jobId: job.jobId, state: 'verifying', selfTests: results });
      await this.port.save();
      if (selfTestsPassed(results)) {
        void this.flush(); // the server's answer completes the job (see settle)
      } else {
        void this.flush();
        const failed = results.filter((r) => !r.passed).map((r) => r.name).join(', ') || 'none ran';
        await this.end(job, { reason: `self-tests failed: ${failed}`, rollback: true, completed: false, after: [rolledBack(job, 'self-tests failed; rolled back')] });
      }
    };
    void run().catch(async (error: unknown) => {
      if (controller.signal.aborted || this.current !== job || job.ending) return;
      const reason = `${step} failed: ${describe(error)}`;
      await this.end(job, { reason, rollback: true, completed: false, after: [rolledBack(job, `${reason}; rolled back`)] }, [{ jobId: job.jobId, state: 'failed', note: reason }]);
    }).finally(() => {
      if (this.steps === controller) this.steps = undefined;
    });
  }

  private async advance(job: SavedJob, phase: JobPhase, report: boolean): Promise<void> {
    job.phase = phase;
    if (report && phase !== 'draining') this.enqueue({ jobId: job.jobId, state: phase });
    await this.port.save();
    void this.flush();
  }

  /** The server no longer has this job out of service: stop its steps, and ask it how the job ended. */
  private serverStopped(job: SavedJob): void {
    if (this.probing === job.jobId || job.ending) return;
    this.probing = job.jobId;
    this.steps?.abort();
    // "failed" changes nothing on a job that has ended (the answer says how it did) and fails it otherwise.
    const probe: PendingReport = { jobId: job.jobId, state: 'failed', note: 'stopped: the server no longer has this job in maintenance' };
    this.enqueue(probe);
    void this.port.save();
    void this.flush().then(async () => {
      // Not answered (no network): it did not complete as far as the terminal knows, so it rolls back.
      if (this.current === job && !job.ending && this.outbox.includes(probe)) {
        await this.end(job, { reason: 'the server ended the job', rollback: true, completed: false, after: [rolledBack(job, 'the server ended the job; rolled back')] });
      }
    });
  }

  /** What the server answered to a step report about a job. */
  private settle(jobId: string, state: JobState | 'unknown'): void {
    const job = this.current;
    if (!job || job.jobId !== jobId || job.ending) return;
    switch (state) {
      case 'completed':
        void this.end(job, { reason: 'completed', rollback: false, completed: true, after: [] });
        return;
      case 'failed':
        void this.end(job, { reason: 'the server failed the job', rollback: true, completed: false, after: [rolledBack(job, 'the server failed the job; rolled back')] });
        return;
      case 'aborted': case 'rolled_back': case 'handed_to_technician': case 'unknown':
        void this.end(job, { reason: state === 'unknown' ? 'the server does not know the job' : `the server ended the job (${state})`, rollback: true, completed: false, after: [] });
        return;
      default:
        return; // still under way
    }
  }

  private armLease(job: SavedJob): void {
    this.clearLease();
    if (this.disposed) return;
    const wait = Math.min(MAX_TIMER_MS, msUntil(new Date(job.leaseDeadline), this.port.now()));
    this.leaseTimer = this.port.timers.setTimeout(() => {
      this.leaseTimer = undefined;
      if (this.current !== job || job.ending) return;
      if (this.port.now().getTime() < Date.parse(job.leaseDeadline)) return this.armLease(job);
      void this.end(job, { reason: LEASE_ENDED, rollback: true, completed: false, after: [rolledBack(job, 'lease ended; rolled back and trading again')] },
        [{ jobId: job.jobId, state: 'failed', note: LEASE_ENDED }]);
    }, wait);
  }

  private clearLease(): void {
    if (this.leaseTimer !== undefined) this.port.timers.clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  /**
   * Ends the job here: its steps stop, `before` is queued, the application rolls back (if asked), then
   * `ending.after` is queued (only if the rollback worked) and the terminal takes payments again.
   */
  private async end(job: SavedJob, ending: JobEnding, before: PendingReport[] = []): Promise<void> {
    if (this.current !== job || job.ending && job.ending !== ending) return;
    job.ending = ending;
    this.steps?.abort();
    this.clearLease();
    for (const report of before) this.enqueue(report);
    await this.port.save(); // a reboot during the rollback finishes the ending (see resume)
    let rolledBackOk = !ending.rollback;
    if (ending.rollback) {
      try {
        await this.port.handlers.rollback(ending.reason, { jobId: job.jobId, work: job.work });
        rolledBackOk = true;
      } catch (error) {
        this.port.onError(new Error(`maintenance job ${job.jobId}: rollback failed: ${describe(error)}`, { cause: error }));
      }
    }
    if (this.disposed) return;
    if (rolledBackOk) for (const report of ending.after) this.enqueue(report);
    this.current = undefined;
    this.remember(job.jobId);
    await this.port.save();
    this.port.changed();
    this.port.onEvent(ending.completed ? { type: 'completed', jobId: job.jobId } : { type: 'ended', jobId: job.jobId, reason: ending.reason, rolledBack: ending.rollback && rolledBackOk });
    void this.flush();
  }

  // ---- reports

  private enqueue(report: PendingReport): void {
    this.outbox.push(report);
    if (report.state !== 'failed' && report.state !== 'rolled_back') this.port.onEvent({ type: 'step', jobId: report.jobId, state: report.state });
  }

  private async sendReports(): Promise<void> {
    try {
      await this.sendPending();
    } finally {
      // Cleared at the very moment the loop stops, so a flush asked for just after starts a new one.
      this.sending = false;
    }
  }

  private async sendPending(): Promise<void> {
    while (this.flushAgain && !this.disposed) {
      this.flushAgain = false;
      for (let report = this.outbox[0]; report && !this.disposed; report = this.outbox[0]) {
        let state: JobState | 'unknown';
        try {
          state = (await this.port.report(report, this.network.signal)).state;
        } catch (error) {
          if (this.disposed) return;
          if (!(error instanceof PosFleetError) || error.retryable || error.status === 401) {
            this.port.onError(error);
            return; // kept, in order, for the next contact
          }
          // 409: the job moved on without this step (the server failed it); 404: not this terminal's job.
          if (error.status === 409) state = 'failed';
          else if (error.status === 404) state = 'unknown';
          else {
            this.port.onError(error); // refused for good (e.g. a malformed self-test): dropped, not retried forever
            state = 'unknown';
          }
        }
        this.outbox.splice(this.outbox.indexOf(report), 1);
        await this.port.save();
        if (this.probing === report.jobId && report.state === 'failed') this.probing = undefined;
        this.settle(report.jobId, state);
      }
    }
  }

  private remember(jobId: string): void {
    if (!this.endedJobs.includes(jobId)) this.endedJobs.push(jobId);
    if (this.endedJobs.length > REMEMBERED_JOBS) this.endedJobs.splice(0, this.endedJobs.length - REMEMBERED_JOBS);
  }
}

function rolledBack(job: SavedJob, note: string): PendingReport {
  return { jobId: job.jobId, state: 'rolled_back', note };
}

/** Only what the protocol accepts, within its limits: the application's objects may carry more. */
function cleanSelfTests(results: readonly SelfTestResult[]): SelfTestResult[] {
  return results.slice(0, 50).map((r) => ({
    name: String(r.name).slice(0, 100) || 'unnamed',
    passed: r.passed === true,
    ...(typeof r.detail === 'string' && { detail: r.detail.slice(0, 1000) }),
  }));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}