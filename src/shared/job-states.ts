// A maintenance job's life, as the seed describes it: stop taking transactions → install → restart →
// verify → back in service; or failed → rolled back / handed to a technician. Pure: which transitions
// exist, who may cause them, and what mode the terminal is in meanwhile.

export const JOB_STATES = [
  'scheduled', 'announced', 'draining', 'in_maintenance', 'restarting', 'verifying',
  'completed', 'failed', 'rolled_back', 'handed_to_technician', 'aborted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** key_injection: the acquirer's HSM injects keys (remote key injection); the terminal reports its new key slots after. */
export const WORK_KINDS = ['update', 'upgrade', 'repair', 'data_sync', 'security_hardening', 'key_injection'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/** Why the continuity rule holds a due job (src/maintenance/windows/continuity.ts). */
export const HOLD_REASONS = [
  'unknown_terminal', 'terminal_offline', 'terminal_locked', 'already_in_maintenance', 'duplicate_job',
  'override_without_reason', 'share_limit', 'backup_not_fresh', 'last_in_service',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];
/**
 * Why a due job has not started yet, as a stable code beside its English sentence (`waiting_reason`), so a
 * dashboard says it in the reader's language: a continuity hold, its maintenance window not open (moved to the
 * next occurrence), no occurrence of its window fits the work, or its window was deleted.
 */
export const WAITING_CODES = [...HOLD_REASONS, 'window_closed', 'no_fitting_window', 'window_gone'] as const;
export type WaitingCode = (typeof WAITING_CODES)[number];

/** While in one of these the terminal shows "功能维护中" and refuses new transactions. */
export const OUT_OF_SERVICE: readonly JobState[] = ['draining', 'in_maintenance', 'restarting', 'verifying'];
/** Waiting for its start: withdrawing it costs the merchant nothing. */
export const WAITING: readonly JobState[] = ['scheduled', 'announced'];
/** Not finished: the job still has something to do. */
export const OPEN: readonly JobState[] = ['scheduled', 'announced', ...OUT_OF_SERVICE, 'failed'];
export const FINAL: readonly JobState[] = ['completed', 'rolled_back', 'handed_to_technician', 'aborted'];

export type Actor = 'server' | 'terminal' | 'operator';

const TRANSITIONS: Record<JobState, Partial<Record<JobState, readonly Actor[]>>> = {
  scheduled: { announced: ['server'], draining: ['server', 'operator'], aborted: ['operator'] },
  announced: { draining: ['server', 'operator'], aborted: ['operator'] },
  draining: { in_maintenance: ['terminal'], failed: ['terminal', 'server'], completed: ['operator'], aborted: ['operator'] },
  in_maintenance: { restarting: ['terminal'], verifying: ['terminal'], failed: ['terminal', 'server'], completed: ['operator'], aborted: ['operator'] },
  restarting: { verifying: ['terminal'], failed: ['terminal', 'server'], completed: ['operator'], aborted: ['operator'] },
  verifying: { completed: ['server', 'operator'], failed: ['terminal', 'server'], aborted: ['operator'] },
  // The server too: a job the terminal never took up (its lease ended while draining) has nothing to undo.
  failed: { rolled_back: ['terminal', 'operator', 'server'], handed_to_technician: ['operator'] },
  completed: {},
  rolled_back: {},
  handed_to_technician: {},
  aborted: {},
};

export function canTransition(from: JobState, to: JobState, actor: Actor): boolean {
  return TRANSITIONS[from][to]?.includes(actor) ?? false;
}

/** Position along the happy path, so a late, repeated report of an earlier step changes nothing. */
const ORDER: Partial<Record<JobState, number>> = { scheduled: 0, announced: 1, draining: 2, in_maintenance: 3, restarting: 4, verifying: 5 };

/** A terminal re-sending a step it (or a later one) already reported: answer with the job as it is. */
export function isStaleReport(current: JobState, reported: JobState): boolean {
  if (current === reported) return true;
  if (FINAL.includes(current)) return true;
  const a = ORDER[current];
  const b = ORDER[reported];
  return a !== undefined && b !== undefined && b < a;
}

export interface SelfTestResult {
  name: string;
  passed: boolean;
  detail?: string | undefined;
}

/** After verifying, the job completes only when every self-test passed. */
export function verdict(selfTests: SelfTestResult[]): 'completed' | 'failed' {
  return selfTests.length > 0 && selfTests.every((t) => t.passed) ? 'completed' : 'failed';
}

export type Mode = 'normal' | 'maintenance' | 'locked';

/** Locked wins over maintenance: only an operator lifts a lock. */
export function modeOf(locked: boolean, jobState: JobState | undefined): Mode {
  if (locked) return 'locked';
  return jobState && OUT_OF_SERVICE.includes(jobState) ? 'maintenance' : 'normal';
}
