// The pure rules of a maintenance job, pulled out of the services that apply them so they are tested
// without a database: how long work may take, what a job looks like to a person, which mode a terminal
// is in, which job a heartbeat's refused transactions count against, and what the tick notes when it
// starts a job or keeps one waiting for a spare.
import type { LockKind } from './maintenance.schemas.ts';
import { parseJson } from '../shared/json.ts';
import { FINAL, modeOf, OUT_OF_SERVICE, verdict, type JobState, type Mode, type SelfTestResult, type WorkKind } from '../shared/job-states.ts';
import type { JobRow, ModeJob, SiteTerminal } from './maintenance.repository.ts';
import type { JobDecision, TerminalStatus } from './windows/continuity.ts';

const MINUTE_MS = 60_000;

/** Minutes each kind of work takes when the operator does not say. */
export const DEFAULT_MINUTES: Record<WorkKind, number> = { update: 10, upgrade: 30, repair: 45, data_sync: 20, security_hardening: 15, key_injection: 10 };

/** The expected minutes (the work's defaults added up, unless given) and the lease (twice that, at least 15 more, unless given). */
export function plannedMinutes(work: readonly WorkKind[], expectedMinutes?: number, maxMinutes?: number): { expected: number; max: number } {
  const expected = expectedMinutes ?? work.reduce((sum, kind) => sum + DEFAULT_MINUTES[kind], 0);
  return { expected, max: maxMinutes ?? Math.max(expected * 2, expected + 15) };
}

/** A job as the API shows it. */
export function toJobView(job: JobRow) {
  return {
    id: job.id, terminalId: job.terminal_id, siteId: job.site_id, work: parseJson<string[]>(job.work, []), reason: job.reason, state: job.state as JobState,
    plannedStart: job.planned_start, expectedMinutes: job.expected_minutes, maxMinutes: job.max_minutes, startedAt: job.started_at,
    leaseUntil: job.lease_until, endedAt: job.ended_at, waitingReason: job.waiting_reason, waitingCode: job.waiting_code, overrideReason: job.override_reason,
    selfTests: parseJson<SelfTestResult[] | null>(job.self_tests, null), refusedTransactions: job.refused_transactions, createdBy: job.created_by, createdAt: job.created_at,
  };
}

export type JobView = ReturnType<typeof toJobView>;

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

/** Each terminal's mode from its out-of-service job and its active lock (a lock wins; its reason is shown). */
export function terminalModes(
  terminalIds: readonly string[],
  jobs: readonly ModeJob[],
  locks: readonly { terminal_id: string; reason: string; kind: LockKind }[],
): Map<string, TerminalMode> {
  const jobByTerminal = new Map(jobs.map((j) => [j.terminal_id, j]));
  const lockByTerminal = new Map(locks.map((l) => [l.terminal_id, l]));
  const result = new Map<string, TerminalMode>();
  for (const id of terminalIds) {
    const job = jobByTerminal.get(id);
    const lock = lockByTerminal.get(id);
    const mode = modeOf(!!lock, job?.state as JobState | undefined);
    result.set(id, {
      mode,
      reason: lock ? lock.reason : job && mode === 'maintenance' ? job.reason : null,
      lockKind: lock?.kind ?? null,
      maintenance: job && job.started_at && job.lease_until ? {
        jobId: job.id, state: job.state, work: parseJson<string[]>(job.work, []),
        expectedEndAt: new Date(new Date(job.started_at).getTime() + job.expected_minutes * MINUTE_MS).toISOString(), leaseUntil: job.lease_until,
      } : null,
    });
  }
  return result;
}

/**
 * The job each terminal's refused transactions count against: the one still out of service, else the
 * latest started one that ended (in whatever way) at or after `recent`, since the heartbeat reporting
 * them comes after. Jobs never started count nothing.
 */
export function jobsCountingRefusals(jobs: readonly JobRow[], recent: string): Map<string, JobRow> {
  const current = new Map<string, JobRow>();
  for (const job of jobs) {
    if (!job.started_at) continue;
    const running = OUT_OF_SERVICE.includes(job.state as JobState);
    if (!running && (job.ended_at ?? job.updated_at) < recent) continue;
    const other = current.get(job.terminal_id);
    if (!other || (!OUT_OF_SERVICE.includes(other.state as JobState) && (running || other.started_at! < job.started_at))) current.set(job.terminal_id, job);
  }
  return current;
}

/** A terminal's part in the continuity rule: busy, locked, or in service while its last heartbeat is fresh. */
export function continuityStatus(t: SiteTerminal, now: Date, offlineAfterMs: number): TerminalStatus {
  if (t.inMaintenance) return 'in_maintenance';
  if (t.locked) return 'locked';
  return t.lastSeenAt && now.getTime() - new Date(t.lastSeenAt).getTime() <= offlineAfterMs ? 'in_service' : 'offline';
}

/** A started job's lease: its maximum minutes from now, cut at `cap` (its window's end) when there is one. */
export function leaseEnd(now: Date, maxMinutes: number, cap?: Date): string {
  return new Date(Math.min(now.getTime() + maxMinutes * MINUTE_MS, cap?.getTime() ?? Infinity)).toISOString();
}

/** What a started job's transition notes: an override, or taking its site's only terminal; else nothing. */
export function startNote(decision: Extract<JobDecision, { start: true }>): string | null {
  if (decision.override) return `continuity rule overridden: ${decision.override.reason}`;
  if (decision.lastInService) return `the site's only terminal taken out of service: ${decision.lastInService.reason}`;
  return null;
}

/**
 * A job held until a spare covers its site: a spare is asked for by `deadlineMinutes` after its planned
 * start, and the request is escalated once that passed. The message is the job's new waiting reason.
 */
export function spareRequest(plannedStart: string, waiting: string, now: Date, deadlineMinutes: number): { deadline: string; overdue: boolean; message: string } {
  const deadline = new Date(Date.parse(plannedStart) + deadlineMinutes * MINUTE_MS).toISOString();
  const overdue = now.getTime() > Date.parse(deadline);
  const message = overdue
    ? `${waiting}; no spare was switched on by ${deadline}: escalated to the merchant and technicians`
    : `${waiting}; the merchant and technicians were asked to switch a spare on by ${deadline}`;
  return { deadline, overdue, message };
}

/** A terminal's report of a step: what changes on the job, and (verifying with results) how the server settles it at once. */
export function reportedStep(step: { state: JobState; selfTests?: SelfTestResult[] | undefined }, now: string): {
  changes: Partial<JobRow>;
  settle: { to: 'completed' | 'failed'; changes: Partial<JobRow>; note: string } | null;
} {
  const changes: Partial<JobRow> = { ...(FINAL.includes(step.state) && { ended_at: now }), ...(step.selfTests && { self_tests: JSON.stringify(step.selfTests) }) };
  if (step.state !== 'verifying' || !step.selfTests) return { changes, settle: null };
  const to = verdict(step.selfTests);
  const failed = step.selfTests.filter((t) => !t.passed).map((t) => t.name);
  return {
    changes,
    settle: { to, changes: to === 'completed' ? { ended_at: now } : {}, note: to === 'completed' ? 'all self-tests passed' : `self-tests failed: ${failed.join(', ')}` },
  };
}
