// Maintenance mode: operators put terminals into maintenance (now or planned), the server starts due
// jobs when the continuity rule allows, terminals report each step, leases end forgotten jobs, and
// every heartbeat answer carries the terminal's mode. Locks are a separate, operator-lifted mode.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { Database } from '../db/schema.ts';
import type { LockKind } from './maintenance.schemas.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { conflict, invalid, notFound } from '../shared/errors.ts';
import type { Emitter } from '../shared/events.ts';
import { parseJson } from '../shared/json.ts';
import { groupBy } from '../shared/group-by.ts';
import type { Clock } from '../shared/time.ts';
import { canTransition, FINAL, isStaleReport, modeOf, OPEN, OUT_OF_SERVICE, verdict, type JobState, type Mode, type SelfTestResult, type WorkKind } from '../shared/job-states.ts';
import type { JobRow, MaintenanceRepository, SiteTerminal } from './maintenance.repository.ts';
import { decideStarts, type JobDecision, type TerminalStatus } from './windows/continuity.ts';
import { closedThrough } from './windows/site-closed.ts';
import { addJob, averageTicket, DEFAULT_CURRENCY, emptyFigures, type AverageTicket, type MaintenanceFigures } from './figures.ts';

export interface MaintenanceRequest {
  terminalIds: string[];
  work: WorkKind[];
  reason: string;
  plannedStart?: string | undefined;
  expectedMinutes?: number | undefined;
  maxMinutes?: number | undefined;
  /** Start even if the continuity rule says no; recorded with the job. */
  overrideReason?: string | undefined;
}

export interface TerminalMode {
  mode: Mode;
  reason: string | null;
  lockKind: LockKind | null;
  maintenance: {
    jobId: string;
    state: string;
    work: string[];
    expectedEndAt: string;
    leaseUntil: string;
  } | null;
}

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

/** What maintenance asks of others, one answer each: given to its constructor. */
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

const DEFAULT_MINUTES: Record<WorkKind, number> = { update: 10, upgrade: 30, repair: 45, data_sync: 20, security_hardening: 15, key_injection: 10 };

export class MaintenanceService {
  private readonly events: Emitter<MaintenanceEvents>;
  private readonly gate: StartGate | undefined;
  private readonly lastTerminal: LastTerminalPolicies | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly repo: MaintenanceRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly settings: Settings,
    dependencies: MaintenanceDependencies,
  ) {
    this.events = dependencies.events;
    this.gate = dependencies.startGate;
    this.lastTerminal = dependencies.lastTerminal;
  }

  private now = () => this.clock().toISOString();

  // ---- for other capabilities (they ask here, never maintenance's repository)
  job(jobId: string): Promise<JobRow | undefined> {
    return this.repo.job(jobId);
  }

  /** The terminals' open jobs (one query). */
  openJobsOf(terminalIds: string[]): Promise<JobRow[]> {
    return this.repo.jobsInStates(OPEN, terminalIds);
  }

  transitionsOf(jobId: string) {
    return this.repo.transitions(jobId);
  }

  /** Tells whoever listens about a job that just completed or failed (from any actor). */
  private async ended(jobId: string): Promise<void> {
    const job = await this.repo.job(jobId);
    if (job && (job.state === 'completed' || job.state === 'failed')) await this.events.emit('maintenance.ended', { job, outcome: job.state });
  }

  // ---- operators
  /** Creates one job per terminal; a terminal with an open job gets 409. Due jobs start at once if they may. */
  async request(input: MaintenanceRequest, scope: Scope, actorName: string) {
    if (input.terminalIds.length === 0) throw invalid('terminalIds', 'no terminal matches');
    if (input.terminalIds.length > 10_000) throw invalid('terminalIds', 'at most 10,000 terminals per request');
    const now = this.clock();
    if (input.plannedStart && new Date(input.plannedStart).getTime() < now.getTime() - 60_000) throw invalid('plannedStart', 'is in the past');
    const terminals = await Promise.all(input.terminalIds.map((id) => this.estate.getTerminal(id, scope)));
    const expected = input.expectedMinutes ?? input.work.reduce((sum, kind) => sum + DEFAULT_MINUTES[kind], 0);
    const max = input.maxMinutes ?? Math.max(expected * 2, expected + 15);
    if (max < expected) throw invalid('maxMinutes', 'must not be shorter than expectedMinutes');
    const ids: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const terminal of terminals) {
        const open = await this.repo.openJobOfTerminal(terminal.id, OPEN, trx);
        if (open) throw conflict(`terminal ${terminal.serialNumber} already has maintenance job ${open.id} (${open.state})`, 'terminalIds');
        const id = randomUUID();
        const at = now.toISOString();
        await this.repo.insertJob(trx, {
          id, terminal_id: terminal.id, site_id: terminal.siteId, work: JSON.stringify(input.work), reason: input.reason, state: 'scheduled',
          planned_start: input.plannedStart ?? at, expected_minutes: expected, max_minutes: max, started_at: null, lease_until: null, ended_at: null,
          waiting_reason: null, override_reason: input.overrideReason ?? null, self_tests: null, refused_transactions: 0,
          created_by: actorName, created_at: at, updated_at: at,
        });
        await this.repo.recordTransition(trx, { job_id: id, from_state: null, to_state: 'scheduled', at, actor: 'operator', actor_name: actorName, note: input.reason });
        ids.push(id);
      }
    });
    await this.startDueJobs();
    return Promise.all(ids.map((id) => this.getJob(id, scope)));
  }

  async extend(jobId: string, minutes: number, scope: Scope, actorName: string) {
    const job = await this.requireJob(jobId, scope);
    if (!OUT_OF_SERVICE.includes(job.state) && !['scheduled', 'announced'].includes(job.state)) throw conflict(`job ${jobId} is ${job.state}: nothing to extend`).says('maintenance.nothing_to_extend', { state: job.state }, false);
    const leaseUntil = job.lease_until ? new Date(new Date(job.lease_until).getTime() + minutes * 60_000).toISOString() : null;
    await this.repo.updateJob(jobId, { max_minutes: job.max_minutes + minutes, expected_minutes: job.expected_minutes + minutes, lease_until: leaseUntil, updated_at: this.now() });
    await this.repo.recordTransition(this.db, { job_id: jobId, from_state: job.state, to_state: job.state, at: this.now(), actor: 'operator', actor_name: actorName, note: `extended by ${minutes} min` });
    return this.getJob(jobId, scope);
  }

  /** Operator actions that end or redirect a job: finish (back in service), abort, hand to a technician, mark rolled back. */
  async operatorMove(jobId: string, to: 'completed' | 'aborted' | 'handed_to_technician' | 'rolled_back', note: string, scope: Scope, actorName: string) {
    const job = await this.requireJob(jobId, scope);
    if (!canTransition(job.state, to, 'operator')) throw conflict(`job ${jobId} is ${job.state} and cannot become ${to}`).says('maintenance.job_state_conflict', { state: job.state, to }, false);
    await this.repo.transition(this.db, job, to, this.now(), { kind: 'operator', name: actorName }, { ended_at: FINAL.includes(to) ? this.now() : null }, note);
    if (to === 'completed') await this.ended(jobId);
    await this.startDueJobs();
    return this.getJob(jobId, scope);
  }

  async lock(terminalId: string, reason: string, scope: Scope, actorName: string, kind: LockKind = 'manual') {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    if ((await this.repo.activeLocks([terminal.id])).length) throw conflict(`terminal ${terminal.serialNumber} is already locked`).says('maintenance.already_locked', { serial: terminal.serialNumber }, false);
    await this.repo.insertLock({ id: randomUUID(), terminal_id: terminal.id, kind, reason, locked_at: this.now(), locked_by: actorName });
    return this.modes([terminal.id]).then((m) => m.get(terminal.id)!);
  }

  /** Only with a reason (what the inspection found), kept with the lock. */
  async unlock(terminalId: string, reason: string, scope: Scope, actorName: string) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    if (!(await this.repo.liftLocks(terminal.id, this.now(), actorName, reason))) throw conflict(`terminal ${terminal.serialNumber} is not locked`).says('maintenance.not_locked', { serial: terminal.serialNumber }, false);
    return this.modes([terminal.id]).then((m) => m.get(terminal.id)!);
  }

  async locks(terminalId: string, scope: Scope) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    return (await this.repo.locksOf(terminal.id)).map((l) => ({
      id: l.id, kind: l.kind, reason: l.reason, lockedAt: l.locked_at, lockedBy: l.locked_by, liftedAt: l.lifted_at, liftedBy: l.lifted_by, liftReason: l.lift_reason,
    }));
  }

  async getJob(jobId: string, scope: Scope) {
    const job = await this.requireJob(jobId, scope);
    return { ...toJobView(job), transitions: (await this.repo.transitions(jobId)).map((t) => ({ from: t.from_state, to: t.to_state, at: t.at, actor: t.actor, actorName: t.actor_name, note: t.note })) };
  }

  async jobsOfTerminal(terminalId: string, scope: Scope) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    return (await this.repo.jobsOfTerminal(terminal.id)).map(toJobView);
  }

  private async requireJob(jobId: string, scope: Scope): Promise<JobRow> {
    const job = await this.repo.job(jobId);
    // Outside the caller's scope a job does not exist: the same answer as for an unknown id.
    if (!job || !(await this.estate.findTerminal(job.terminal_id, scope))) throw notFound('maintenance job', jobId);
    return job;
  }

  // ---- figures
  /** Downtime, refused transactions, revenue lost and job outcomes, for the fleet, a merchant or a site, and per site. */
  async figures(filter: { from: string; to: string; merchantId?: string | undefined; siteId?: string | undefined }, scope: Scope) {
    if (filter.from >= filter.to) throw invalid('from', 'must be before to');
    if (scope.kind === 'merchant') {
      if (filter.merchantId && filter.merchantId !== scope.merchantId) throw notFound('merchant', filter.merchantId);
      filter = { ...filter, merchantId: scope.merchantId };
    }
    if (scope.kind === 'technician') return { ...filter, total: emptyFigures(), bySite: [] };
    if (filter.merchantId) await this.estate.getMerchant(filter.merchantId, scope);
    if (filter.siteId) await this.estate.getSite(filter.siteId, scope);
    const jobs = await this.repo.jobsForFigures(filter);
    const since = new Date(new Date(filter.to).getTime() - 30 * 86_400_000).toISOString();
    const tickets = new Map<string, AverageTicket>();
    for (const terminalId of new Set(jobs.filter((j) => j.refused_transactions > 0).map((j) => j.terminal_id))) {
      tickets.set(terminalId, averageTicket(await this.repo.recentTransactionTotals(terminalId, since)));
    }
    const now = this.clock();
    const total = emptyFigures();
    const bySite = new Map<string, MaintenanceFigures>();
    for (const row of jobs) {
      const facts = {
        siteId: row.site_id, merchantId: row.merchant_id, terminalId: row.terminal_id, state: row.state, startedAt: row.started_at, endedAt: row.ended_at,
        updatedAt: row.updated_at, expectedMinutes: row.expected_minutes, refusedTransactions: row.refused_transactions,
      };
      const ticket = tickets.get(row.terminal_id) ?? { minor: 0, currency: DEFAULT_CURRENCY };
      addJob(total, facts, ticket, now);
      const site = bySite.get(row.site_id ?? '') ?? emptyFigures();
      addJob(site, facts, ticket, now);
      bySite.set(row.site_id ?? '', site);
    }
    return { ...filter, total, bySite: [...bySite].map(([siteId, figures]) => ({ siteId: siteId || null, ...figures })) };
  }

  // ---- terminals
  /** A terminal reports a step of its job. Idempotent: repeats and late reports change nothing. */
  async report(terminalId: string, jobId: string, step: { state: JobState; selfTests?: SelfTestResult[] | undefined; note?: string | undefined }) {
    const job = await this.repo.job(jobId);
    if (!job || job.terminal_id !== terminalId) throw notFound('maintenance job', jobId);
    const current = job.state;
    if (isStaleReport(current, step.state)) return toJobView(job);
    if (!canTransition(current, step.state, 'terminal')) throw conflict(`job ${jobId} is ${current}; a terminal cannot move it to ${step.state}`);
    const now = this.now();
    const actor = { kind: 'terminal', name: null };
    await this.db.transaction().execute(async (trx) => {
      const ended = FINAL.includes(step.state) ? { ended_at: now } : {};
      const tests = step.selfTests ? { self_tests: JSON.stringify(step.selfTests) } : {};
      if (!(await this.repo.transition(trx, job, step.state, now, actor, { ...ended, ...tests }, step.note ?? null))) return;
      // Verifying with its results settles the job at once: back in service, or failed.
      if (step.state === 'verifying' && step.selfTests) {
        const outcome = verdict(step.selfTests);
        const failedTests = step.selfTests.filter((t) => !t.passed).map((t) => t.name);
        await this.repo.transition(trx, { id: job.id, state: 'verifying' }, outcome, now, { kind: 'server', name: null },
          outcome === 'completed' ? { ended_at: now } : {}, outcome === 'completed' ? 'all self-tests passed' : `self-tests failed: ${failedTests.join(', ')}`);
      }
    });
    if (step.state === 'verifying' || step.state === 'failed') await this.ended(jobId);
    if (FINAL.includes(step.state) || step.state === 'verifying') await this.startDueJobs();
    return toJobView((await this.repo.job(jobId))!);
  }

  /** Modes of terminals for their heartbeat answers: one query for jobs, one for locks. */
  async modes(terminalIds: string[]): Promise<Map<string, TerminalMode>> {
    const [jobs, locks] = await Promise.all([this.repo.jobsInStates(OUT_OF_SERVICE, terminalIds), this.repo.activeLocks(terminalIds)]);
    const jobByTerminal = new Map(jobs.map((j) => [j.terminal_id, j]));
    const lockByTerminal = new Map(locks.map((l) => [l.terminal_id, l]));
    const result = new Map<string, TerminalMode>();
    for (const id of terminalIds) {
      const job = jobByTerminal.get(id);
      const lock = lockByTerminal.get(id);
      const mode = modeOf(!!lock, job?.state);
      result.set(id, {
        mode,
        reason: lock ? lock.reason : job && mode === 'maintenance' ? job.reason : null,
        lockKind: lock?.kind ?? null,
        maintenance: job && job.started_at && job.lease_until ? {
          jobId: job.id, state: job.state, work: parseJson<string[]>(job.work, []),
          expectedEndAt: new Date(new Date(job.started_at).getTime() + job.expected_minutes * 60_000).toISOString(), leaseUntil: job.lease_until,
        } : null,
      });
    }
    return result;
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
    const current = new Map<string, JobRow>();
    for (const job of jobs) {
      if (!job.started_at) continue;
      const running = OUT_OF_SERVICE.includes(job.state);
      if (!running && (job.ended_at ?? job.updated_at) < recent) continue;
      const other = current.get(job.terminal_id);
      if (!other || (!OUT_OF_SERVICE.includes(other.state) && (running || other.started_at! < job.started_at))) current.set(job.terminal_id, job);
    }
    for (const r of withCounts) {
      const job = current.get(r.terminalId);
      if (job) await this.repo.addRefused(job.id, r.count);
    }
  }

  // ---- the server's part, run by the maintenance tick job
  /** Ends jobs whose lease passed without success: the terminal has rolled back by itself. */
  async expireLeases(): Promise<number> {
    const now = this.now();
    const expired = await this.repo.expiredLeases(now, OUT_OF_SERVICE);
    let count = 0;
    for (const job of expired) {
      if (await this.repo.transition(this.db, job, 'failed', now, { kind: 'server', name: null }, {}, 'lease ended before the job was confirmed; the terminal rolls back and trades again')) {
        count++;
        await this.ended(job.id);
        // Never taken up (no step reported): no terminal will report a rollback, and an open failed job
        // would block every later job of the terminal.
        if (job.state === 'draining') {
          await this.repo.transition(this.db, { id: job.id, state: 'failed' }, 'rolled_back', now, { kind: 'server', name: null },
            { ended_at: now }, 'the terminal never took the job up: nothing was changed on it');
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
        if (await this.repo.transition(this.db, job, 'announced', now.toISOString(), { kind: 'server', name: null }, {}, `announced ${lead} min ahead`)) announced++;
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
    const statusOf = (t: SiteTerminal): TerminalStatus =>
      t.inMaintenance ? 'in_maintenance' : t.locked ? 'locked'
        : t.lastSeenAt && now.getTime() - new Date(t.lastSeenAt).getTime() <= this.settings.offlineAfterMs ? 'in_service' : 'offline';
    const decisions = new Map<string, JobDecision>();
    const bySite = groupBy(due, (j) => j.site_id ?? '');
    const terminalsOf = groupBy(terminals, (t) => t.siteId);
    // "The site's only terminal": a policy for single-terminal sites means nothing at a larger site.
    const alone = due.filter((j) => j.site_id && terminalsOf.get(j.site_id)?.length === 1);
    const policies = this.lastTerminal && alone.length ? await this.lastTerminal.of(alone) : new Map<string, LastTerminalPolicy>();
    /** Why a job's policy did not let it take its site's only terminal, to add to the rule's reason. */
    const policyNotes = new Map<string, string>();
    for (const [siteId, jobs] of bySite) {
      const site = (terminalsOf.get(siteId) ?? []).map((t) => ({ id: t.id, serialNumber: t.serialNumber, status: statusOf(t), isBackup: t.backup, lastHealthyHeartbeatAt: t.lastSeenAt }));
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
        if (job.waiting_reason !== message) await this.repo.updateJob(job.id, { waiting_reason: message });
        continue;
      }
      const at = now.toISOString();
      const lease = new Date(Math.min(now.getTime() + job.max_minutes * 60_000, gate?.leaseCap.get(job.id)?.getTime() ?? Infinity)).toISOString();
      const note = decision.override ? `continuity rule overridden: ${decision.override.reason}`
        : decision.lastInService ? `the site's only terminal taken out of service: ${decision.lastInService.reason}` : null;
      if (await this.repo.transition(this.db, job, 'draining', at, { kind: 'server', name: null }, { started_at: at, lease_until: lease, waiting_reason: null }, note)) {
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
    const deadline = new Date(Date.parse(job.planned_start) + (this.settings.spareDeadlineMinutes ?? 30) * 60_000);
    const overdue = now.getTime() > deadline.getTime();
    const message = overdue
      ? `${waiting}; no spare was switched on by ${deadline.toISOString()}: escalated to the merchant and technicians`
      : `${waiting}; the merchant and technicians were asked to switch a spare on by ${deadline.toISOString()}`;
    if (job.waiting_reason !== message) {
      const spares = terminals.filter((t) => t.siteId === job.site_id && t.backup).map((t) => t.serialNumber);
      await this.events.emit('maintenance.spare-needed', { job, spares, deadline: deadline.toISOString(), overdue });
    }
    return message;
  }
}


export type JobView = ReturnType<typeof toJobView>;

function toJobView(job: JobRow) {
  return {
    id: job.id, terminalId: job.terminal_id, siteId: job.site_id, work: parseJson<string[]>(job.work, []), reason: job.reason, state: job.state,
    plannedStart: job.planned_start, expectedMinutes: job.expected_minutes, maxMinutes: job.max_minutes, startedAt: job.started_at,
    leaseUntil: job.lease_until, endedAt: job.ended_at, waitingReason: job.waiting_reason, overrideReason: job.override_reason,
    selfTests: parseJson<SelfTestResult[] | null>(job.self_tests, null), refusedTransactions: job.refused_transactions, createdBy: job.created_by, createdAt: job.created_at,
  };
}
