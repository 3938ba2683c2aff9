// The continuity rule: which of a site's candidate maintenance jobs may start now without leaving the
// merchant unable to trade, and why the others wait in the queue.
//
// Words used here:
// - a terminal is "working" when it is in service or in maintenance (offline and locked ones could not
//   trade anyway, so they are not part of the share); backup (spare) terminals are not part of it either;
// - it is "down" while in maintenance;
// - a backup terminal "covers" the site while it is in service and its last healthy heartbeat is at most
//   `backupFreshnessMinutes` old (and not dated further than that in the future: a clock that far off is
//   not trusted).
// Rules, for a job on an in-service terminal, in order:
// 1. share: at most max(1, ⌊maxShareDown × working⌋) terminals down at once — one at a time is always
//    allowed, so small sites are not starved; the next rules guard their last terminal;
// 2. backup: if the site has a backup terminal, the last working terminal may go down only while a backup
//    covers the site;
// 3. minimum in service: at least `minInService` terminals (covering backups included) stay in service.
//    The default 1 means a single-terminal site without a backup waits; a caller that knows the site is
//    closed may pass minInService: 0 (rule 2 still applies).
// A job may carry `lastInService` (with its recorded reason): rule 3 then does not hold it, so a site's
// only terminal can be updated when the one asking accepts the site going without (say, while it is
// closed); rules 1–2 still apply.
// An override with a non-empty reason bypasses rules 1–3 (the decision names what it bypassed, for the
// audit log) but never starts a job on a terminal that is offline, locked or already in maintenance.
// Jobs are decided in the order given, each start counting against the next: put the most urgent first.
import type { HoldReason } from '../../shared/job-states.ts';

export type TerminalStatus = 'in_service' | 'in_maintenance' | 'offline' | 'locked';

export interface SiteTerminal {
  id: string;
  /** How messages name the terminal (people know a terminal by its serial number, not its id). */
  serialNumber?: string | undefined;
  status: TerminalStatus;
  /** tagged 'backup': a spare kept to replace a failed terminal at once */
  isBackup: boolean;
  lastHealthyHeartbeatAt?: string | Date | null;
}

export interface CandidateJob {
  id: string;
  terminalId: string;
  override?: { reason: string; by?: string } | null;
  /** Rule 3 (minimum in service) does not hold this job back: why the site may go without a terminal. */
  lastInService?: { reason: string } | null;
}

export interface ContinuityPolicy {
  /** share of the working terminals that may be down at once, 0 < share ≤ 1 (default 1: only the next rules) */
  maxShareDown?: number;
  /** terminals that stay in service, covering backups included (default 1) */
  minInService?: number;
  /** how recent a backup's healthy heartbeat must be for it to cover the site (default 15 minutes) */
  backupFreshnessMinutes?: number;
}

export const DEFAULT_CONTINUITY: Required<ContinuityPolicy> = { maxShareDown: 1, minInService: 1, backupFreshnessMinutes: 15 };

export type { HoldReason };

export type JobDecision =
  | { jobId: string; terminalId: string; start: true; override?: { reason: string; by?: string; bypassed: HoldReason | null }; lastInService?: { reason: string } }
  | { jobId: string; terminalId: string; start: false; reason: HoldReason; message: string };

function resolvePolicy(policy: ContinuityPolicy): Required<ContinuityPolicy> {
  const p = { ...DEFAULT_CONTINUITY, ...policy };
  if (!(p.maxShareDown > 0 && p.maxShareDown <= 1)) throw new RangeError(`maxShareDown must be more than 0 and at most 1; got ${p.maxShareDown}`);
  if (!Number.isInteger(p.minInService) || p.minInService < 0) throw new RangeError(`minInService must be a whole number ≥ 0; got ${p.minInService}`);
  if (!(p.backupFreshnessMinutes >= 0)) throw new RangeError(`backupFreshnessMinutes must be ≥ 0; got ${p.backupFreshnessMinutes}`);
  return p;
}

function covers(terminal: SiteTerminal, now: number, freshnessMs: number): boolean {
  if (!terminal.isBackup || terminal.status !== 'in_service' || terminal.lastHealthyHeartbeatAt == null) return false;
  const at = new Date(terminal.lastHealthyHeartbeatAt).getTime();
  const age = now - at;
  return Number.isFinite(at) && age <= freshnessMs && age >= -freshnessMs;
}

/** Decides, in the order given, which jobs start now; every job gets a decision, in input order. */
export function decideStarts(
  terminals: readonly SiteTerminal[], jobs: readonly CandidateJob[], now: Date, policy: ContinuityPolicy = {},
): JobDecision[] {
  const p = resolvePolicy(policy);
  const nowMs = now.getTime();
  const freshnessMs = p.backupFreshnessMinutes * 60_000;
  const byId = new Map(terminals.map((t) => [t.id, t]));
  const primaries = terminals.filter((t) => !t.isBackup);
  const working = primaries.filter((t) => t.status === 'in_service' || t.status === 'in_maintenance').length;
  const allowedDown = Math.max(1, Math.floor(p.maxShareDown * working));
  const hasBackup = terminals.some((t) => t.isBackup);
  const covering = new Set(terminals.filter((t) => covers(t, nowMs, freshnessMs)).map((t) => t.id));
  let down = primaries.filter((t) => t.status === 'in_maintenance').length;
  let primariesInService = primaries.filter((t) => t.status === 'in_service').length;
  const starting = new Set<string>();

  const name = (t: SiteTerminal) => t.serialNumber ?? t.id;
  /** The continuity rule that holds this in-service terminal back, or null. */
  const policyHold = (t: SiteTerminal, job: CandidateJob): { reason: HoldReason; message: string } | null => {
    if (t.isBackup) {
      const left = primariesInService + covering.size - (covering.has(t.id) ? 1 : 0);
      return left < p.minInService && !job.lastInService
        ? { reason: 'last_in_service', message: `taking backup terminal ${name(t)} down would leave ${left} terminal(s) in service; at least ${p.minInService} must stay` }
        : null;
    }
    if (down + 1 > allowedDown) {
      return { reason: 'share_limit', message: `${down} of the site's ${working} working terminals are already down; at most ${allowedDown} may be down at once` };
    }
    const left = primariesInService - 1;
    if (left === 0 && hasBackup && covering.size === 0) {
      return {
        reason: 'backup_not_fresh',
        message: `terminal ${name(t)} is the site's last working terminal, and no backup terminal has sent a healthy heartbeat in the last ${p.backupFreshnessMinutes} minutes`,
      };
    }
    if (left + covering.size < p.minInService && !job.lastInService) {
      return {
        reason: 'last_in_service',
        message: `taking terminal ${name(t)} down would leave ${left + covering.size} terminal(s) in service; at least ${p.minInService} must stay${hasBackup ? '' : ' and the site has no backup terminal'}`,
      };
    }
    return null;
  };

  return jobs.map((job): JobDecision => {
    const hold = (reason: HoldReason, message: string): JobDecision => ({ jobId: job.id, terminalId: job.terminalId, start: false, reason, message });
    const t = byId.get(job.terminalId);
    if (!t) return hold('unknown_terminal', `terminal ${job.terminalId} is not at this site`);
    if (t.status === 'offline') return hold('terminal_offline', `terminal ${name(t)} is offline and cannot take the job`);
    if (t.status === 'locked') return hold('terminal_locked', `terminal ${name(t)} is locked; only an operator can lift the lock`);
    if (t.status === 'in_maintenance') return hold('already_in_maintenance', `terminal ${name(t)} is already in maintenance`);
    if (starting.has(t.id)) return hold('duplicate_job', `another job for terminal ${name(t)} starts in this round`);
    if (job.override && job.override.reason.trim() === '') {
      return hold('override_without_reason', 'an override must record its reason');
    }
    // Only the policy rules below are bypassable; the checks above are facts about the terminal.
    const blocked = policyHold(t, job);
    // Whether the job's lastInService is what lets it start (recorded with the start, as an override is).
    const usesLastInService = !!job.lastInService && !job.override && !blocked && policyHold(t, { ...job, lastInService: null })?.reason === 'last_in_service';
    if (blocked && !job.override) return hold(blocked.reason, blocked.message);
    starting.add(t.id);
    if (t.isBackup) covering.delete(t.id);
    else {
      down++;
      primariesInService--;
    }
    const decision: JobDecision = { jobId: job.id, terminalId: t.id, start: true };
    if (job.override) decision.override = { ...job.override, bypassed: blocked?.reason ?? null };
    else if (usesLastInService) decision.lastInService = job.lastInService!;
    return decision;
  });
}

/**
 * For planning: how many of the site's working (non-backup) terminals the rule lets be down at once right
 * now, on top of those already in maintenance. The decision at start time (decideStarts) still has the
 * last word, since heartbeats and statuses move on.
 */
export function siteCapacity(terminals: readonly SiteTerminal[], now: Date, policy: ContinuityPolicy = {}): number {
  const jobs = terminals.filter((t) => !t.isBackup && t.status === 'in_service').map((t) => ({ id: t.id, terminalId: t.id }));
  return decideStarts(terminals, jobs, now, policy).filter((d) => d.start).length;
}
