// A maintenance job's life after an operator asked for it: the server starts due jobs when their window
// (the start gate) and the continuity rule allow, announces planned ones ahead, ends those whose lease
// passed; terminals report each step; heartbeats' refused transactions count against the job. Every
// move follows the state machine in src/shared/job-states.ts; the rules applied are in job-rules.ts.
import type { EstateService } from '../estate/estate.service.ts';
import { notFound, refused } from '../shared/errors.ts';
import type { Emitter } from '../shared/events.ts';
import { groupBy } from '../shared/group-by.ts';
import type { Clock } from '../shared/time.ts';
import { canTransition, FINAL, isStaleReport, OUT_OF_SERVICE, type JobState, type SelfTestResult } from '../shared/job-states.ts';
import { continuityStatus, jobsCountingRefusals, leaseEnd, reportedStep, spareRequest, startNote, toJobView, type JobView } from './job-rules.ts';
import type { JobRow, MaintenanceRepository, SiteTerminal } from './maintenance.repository.ts';
import { decideStarts, type JobDecision } from './windows/continuity.ts';
import { closedThrough } from './windows/site-closed.ts';

/**
 * What maintenance tells whoever listens (src/shared/events.ts): when merchants should hear about it —
 * ahead of planned work (once per lead time), when a job ends, when a job waits for a spare.
 * Notifications listen; maintenance does not depend on them.
 */
export type MaintenanceEvents = {
  /** Planned jobs reach a lead time (`leadMinutes` 0: they start now without having been announced). */
  'maintenance.upcoming': { jobs: JobRow[]; leadMinutes: number };
  /** A job completed or failed (from any actor). */
  'maintenance.ended': { job: JobRow; outcome: 'completed' | 'failed' };
  /** A job waits for a spare to be switched on: ask for it by `deadline`, or (`overdue`) escalate. */
  'maintenance.spare-needed': { job: JobRow; spares: string[]; deadline: string; overdue: boolean };
};

/** What the job life cycle asks of others, one answer each: given to its constructor. */
export interface MaintenanceDependencies {
  events: Emitter<MaintenanceEvents>;
  /** Holds due jobs planned inside a maintenance window to it (absent: no job is held). */
  startGate?: StartGate;
  /** Whose planned jobs may take a site's only terminal (absent: none). */
  lastTerminal?: LastTerminalPolicies;
}

export interface Settings {
  offlineAfterMs: number;
  /** A spare counts as ready when its last healthy heartbeat is at most this old. */
  backupFreshnessMs: number;
  /** Merchants are told this many minutes ahead of planned maintenance, e.g. [1440, 60]. */
  announceLeadMinutes: number[];
  /** A job waiting for a spare asks for it to be switched on within this many minutes of its start, then escalates (default 30). */
  spareDeadlineMinutes?: number;
}

/**
 * Planned work bound to maintenance windows (start-gate.service.ts) passes this gate before the continuity
 * rule: the gate holds back due jobs that may not start now (moving them on and recording why itself)
 * and caps the lease of those that may, so a window closing mid-way never leaves a terminal in maintenance.
 */
export interface StartGate {
  check(due: JobRow[], now: Date): Promise<{ held: ReadonlySet<string>; leaseCap: ReadonlyMap<string, Date> }>;
}

/**
 * Whoever planned a job may say its terminal may be taken down although it is its site's only one
 * (rollouts, by a campaign's policy for single-terminal sites): `always`, only while the site is closed
 * by its opening hours, or `never` (the continuity rule holds it; `reason` then says whose policy that is).
 */
export interface LastTerminalPolicy {
  when: 'never' | 'site_closed' | 'always';
  reason: string;
}

export interface LastTerminalPolicies {
  of(due: JobRow[]): Promise<ReadonlyMap<string, LastTerminalPolicy>>;
}

const SERVER = { kind: 'server', name: null };

export class JobLifecycle {
  private readonly events: Emitter<MaintenanceEvents>;
  private readonly gate: StartGate | undefined;
  private readonly lastTerminal: LastTerminalPolicies | undefined;

  constructor(
    private readonly repo: MaintenanceRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'findSite'>,
    private readonly settings: Settings,
    dependencies: MaintenanceDependencies,
  ) {
    this.events = dependencies.events;
    this.gate = dependencies.startGate;
    this.lastTerminal = dependencies.lastTerminal;
  }

  /** Tells whoever listens about a job that just completed or failed (from any actor). */
  async ended(jobId: string): Promise<void> {
    const job = await this.repo.job(jobId);
    if (job && (job.state === 'completed' || job.state === 'failed')) await this.events.emit('maintenance.ended', { job, outcome: job.state });
  }

  // ---- terminals
  /** A terminal reports a step of its job. Idempotent: repeats and late reports change nothing. */
  async report(terminalId: string, jobId: string, step: { state: JobState; selfTests?: SelfTestResult[] | undefined; note?: string | undefined }): Promise<JobView> {
    const job = await this.repo.job(jobId);
    if (!job || job.terminal_id !== terminalId) throw notFound('maintenance job', jobId);
    const current = job.state as JobState;
    if (isStaleReport(current, step.state)) return toJobView(job);
    if (!canTransition(current, step.state, 'terminal')) throw refused('maintenance.step_refused', { state: current, to: step.state }, { retryable: false });
    const now = this.clock().toISOString();
    // Verifying with its results settles the job at once: back in service, or failed.
    const { changes, settle } = reportedStep(step, now);
    await this.repo.moveAndSettle(job, { to: step.state, actor: { kind: 'terminal', name: null }, changes, note: step.note ?? null }, settle && { ...settle, actor: SERVER }, now);
    if (step.state === 'verifying' || step.state === 'failed') await this.ended(jobId);
    if (FINAL.includes(step.state) || step.state === 'verifying') await this.startDueJobs();
    return toJobView((await this.repo.job(jobId))!);
  }

  /**
   * Refused transaction attempts reported in heartbeats count against the job that had the terminal
   * out of service: the one still running, or one that ended (in whatever way) within the last few
   * heartbeat intervals, since the heartbeat reporting them comes after. Refusals while merely locked
   * belong to no job.
   */
  async countRefused(refused: { terminalId: string; count: number }[]): Promise<void> {
    const withCounts = refused.filter((r) => r.count > 0);
    if (!withCounts.length) return;
    const recent = new Date(this.clock().getTime() - this.settings.offlineAfterMs).toISOString();
    const jobs = await this.repo.jobsInStates([...OUT_OF_SERVICE, 'failed', ...FINAL], withCounts.map((r) => r.terminalId));
    const current = jobsCountingRefusals(jobs, recent);
    for (const r of withCounts) {
      const job = current.get(r.terminalId);
      if (job) await this.repo.addRefused(job.id, r.count);
    }
  }

  // ---- the server's part, run by the maintenance tick job
  /** Ends jobs whose lease passed without success: the terminal has rolled back by itself. */
  async expireLeases(): Promise<number> {
    const now = this.clock().toISOString();
    const expired = await this.repo.expiredLeases(now, OUT_OF_SERVICE);
    let count = 0;
    for (const job of expired) {
      if (await this.repo.move(job, 'failed', now, SERVER, {}, 'lease ended before the job was confirmed; the terminal rolls back and trades again')) {
        count++;
        await this.ended(job.id);
        // Never taken up (no step reported): no terminal will report a rollback, and an open failed job
        // would block every later job of the terminal.
        if (job.state === 'draining') {
          await this.repo.move({ id: job.id, state: 'failed' }, 'rolled_back', now, SERVER, { ended_at: now }, 'the terminal never took the job up: nothing was changed on it');
        }
      }
    }
    return count;
  }

  /**
   * Announces planned jobs as each lead time is reached (a listener makes each notice once per job
   * and lead), moving them from scheduled to announced. Jobs due now are announced as they start.
   */
  async announceUpcoming(): Promise<number> {
    const now = this.clock();
    let announced = 0;
    for (const lead of [...this.settings.announceLeadMinutes].sort((a, b) => b - a)) {
      const horizon = new Date(now.getTime() + lead * 60_000).toISOString();
      const jobs = (await this.repo.dueJobs(horizon, ['scheduled', 'announced'])).filter((j) => j.planned_start > now.toISOString());
      if (!jobs.length) continue;
      await this.events.emit('maintenance.upcoming', { jobs, leadMinutes: lead });
      for (const job of jobs.filter((j) => j.state === 'scheduled')) {
        if (await this.repo.move(job, 'announced', now.toISOString(), SERVER, {}, `announced ${lead} min ahead`)) announced++;
      }
    }
    return announced;
  }

  /** What a job's policy for its site's only terminal allows now; why not goes to `notes`. */
  private async lastInServiceOf(policy: LastTerminalPolicy, job: JobRow, siteId: string, now: Date, notes: Map<string, string>) {
    if (policy.when === 'always') return { reason: policy.reason };
    if (policy.when === 'never') {
      notes.set(job.id, policy.reason);
      return null;
    }
    const site = await this.estate.findSite(siteId);
    const closed = site ? closedThrough(site.openingHours, site.timeZone, now, job.max_minutes) : { closed: false as const, message: 'its site is unknown' };
    if (closed.closed) return { reason: `${policy.reason} (the site is closed by its opening hours for the next ${job.max_minutes} minutes)` };
    notes.set(job.id, `${policy.reason}, and ${closed.message}`);
    return null;
  }

  /** Starts due jobs that the continuity rule allows; the others wait with the reason recorded. */
  async startDueJobs(): Promise<number> {
    const now = this.clock();
    const found = await this.repo.dueJobs(now.toISOString(), ['scheduled', 'announced']);
    const gate = found.length && this.gate ? await this.gate.check(found, now) : null;
    const due = gate ? found.filter((j) => !gate.held.has(j.id)) : found;
    if (!due.length) return 0;
    const siteIds = [...new Set(due.map((j) => j.site_id).filter((s): s is string => !!s))];
    const terminals = await this.repo.siteTerminals(siteIds, OUT_OF_SERVICE);
    const decisions = new Map<string, JobDecision>();
    const bySite = groupBy(due, (j) => j.site_id ?? '');
    const terminalsOf = groupBy(terminals, (t) => t.siteId);
    // "The site's only terminal": a policy for single-terminal sites means nothing at a larger site.
    const alone = due.filter((j) => j.site_id && terminalsOf.get(j.site_id)?.length === 1);
    const policies = this.lastTerminal && alone.length ? await this.lastTerminal.of(alone) : new Map<string, LastTerminalPolicy>();
    /** Why a job's policy did not let it take its site's only terminal, to add to the rule's reason. */
    const policyNotes = new Map<string, string>();
    for (const [siteId, jobs] of bySite) {
      const site = (terminalsOf.get(siteId) ?? []).map((t) => ({
        id: t.id, serialNumber: t.serialNumber, status: continuityStatus(t, now, this.settings.offlineAfterMs), isBackup: t.backup, lastHealthyHeartbeatAt: t.lastSeenAt,
      }));
      const candidates = [];
      for (const j of jobs) {
        const policy = policies.get(j.id);
        const lastInService = policy ? await this.lastInServiceOf(policy, j, siteId, now, policyNotes) : null;
        candidates.push({ id: j.id, terminalId: j.terminal_id, override: j.override_reason ? { reason: j.override_reason } : null, lastInService });
      }
      for (const decision of decideStarts(site, candidates, now, { backupFreshnessMinutes: this.settings.backupFreshnessMs / 60_000 })) decisions.set(decision.jobId, decision);
    }
    let started = 0;
    const startedJobs: JobRow[] = [];
    for (const job of due) {
      const decision = decisions.get(job.id)!;
      if (!decision.start) {
        const note = decision.reason === 'last_in_service' ? policyNotes.get(job.id) : undefined;
        const reason = note ? `${decision.message}; ${note}` : decision.message;
        const message = decision.reason === 'backup_not_fresh' ? await this.askForSpare(job, terminals, reason, now) : reason;
        if (job.waiting_reason !== message) await this.repo.updateJob(job.id, { waiting_reason: message, waiting_code: decision.reason });
        continue;
      }
      const at = now.toISOString();
      const lease = leaseEnd(now, job.max_minutes, gate?.leaseCap.get(job.id));
      if (await this.repo.move(job, 'draining', at, SERVER, { started_at: at, lease_until: lease, waiting_reason: null, waiting_code: null }, startNote(decision))) {
        started++;
        startedJobs.push({ ...job, state: 'draining', started_at: at, lease_until: lease });
      }
    }
    // Work that starts without having been announced ahead (e.g. "now") is announced as it starts.
    const unannounced = startedJobs.filter((j) => due.find((d) => d.id === j.id)?.state === 'scheduled');
    if (unannounced.length) await this.events.emit('maintenance.upcoming', { jobs: unannounced, leadMinutes: 0 });
    return started;
  }

  /**
   * A job held until a spare covers its site: the merchant and the technicians are asked (once) to switch
   * a spare on by a deadline, and told again (escalated, once) when it passed. The waiting reason says
   * which, so each notice goes out only when it changes.
   */
  private async askForSpare(job: JobRow, terminals: SiteTerminal[], waiting: string, now: Date): Promise<string> {
    const { deadline, overdue, message } = spareRequest(job.planned_start, waiting, now, this.settings.spareDeadlineMinutes ?? 30);
    if (job.waiting_reason !== message) {
      const spares = terminals.filter((t) => t.siteId === job.site_id && t.backup).map((t) => t.serialNumber);
      await this.events.emit('maintenance.spare-needed', { job, spares, deadline, overdue });
    }
    return message;
  }
}
