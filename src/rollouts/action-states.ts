// One terminal's part in a campaign (an action) and how feedback moves it. Pure. Feedback is
// idempotent: a repeated or late report (an earlier step, or anything once the action closed) is kept
// for the record but changes nothing.

import { ACTION_STATES, type ActionState } from '../shared/deployment-hint.ts';

// The states are declared beside the deployment hint the terminal protocol carries.
export { ACTION_STATES, type ActionState };

export const CLOSED: readonly ActionState[] = ['succeeded', 'failed', 'skipped', 'cancelled'];
/** Offered to the terminal: it may download, and install once its window opens. */
export const OFFERED: readonly ActionState[] = ['scheduled', 'downloading', 'downloaded', 'installing', 'installed'];

export const FEEDBACK_STATUSES = ['downloading', 'downloaded', 'installing', 'installed', 'failed'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

const PROGRESS: Partial<Record<ActionState, number>> = { scheduled: 0, downloading: 1, downloaded: 2, installing: 3, installed: 4, succeeded: 5 };

export type FeedbackEffect =
  | { change: true; to: ActionState }
  | { change: false; why: string };

export function applyFeedback(current: ActionState, status: ActionState): FeedbackEffect {
  if (CLOSED.includes(current)) return { change: false, why: `the action is already ${current}` };
  if (current === 'queued') return { change: false, why: 'the action has not been offered yet (its wave has not started)' };
  if (status === 'failed' || status === 'cancelled') return { change: true, to: status };
  if (status === current) return { change: false, why: `the action is already ${current}` };
  const from = PROGRESS[current];
  const to = PROGRESS[status];
  if (from === undefined || to === undefined) return { change: false, why: `${status} does not follow ${current}` };
  if (to < from) return { change: false, why: `a late report: the action is already ${current}` };
  return { change: true, to: status };
}

export type WaveTally = Record<ActionState, number>;

export function emptyTally(): WaveTally {
  return Object.fromEntries(ACTION_STATES.map((s) => [s, 0])) as WaveTally;
}

export interface FailureCheck {
  failed: boolean;
  rate: number;
  /** Actions that count: those offered or finished, not skipped nor cancelled. */
  attempted: number;
}

/**
 * A wave fails on installs when its failures exceed the allowed share of the whole wave. Judging against
 * the whole wave (not just the finished ones) keeps one early failure in a large wave from halting it,
 * yet halts as soon as the share is certain to be exceeded.
 */
export function installFailure(tally: WaveTally, maxFailureRate: number): FailureCheck {
  const attempted = ACTION_STATES.filter((s) => s !== 'skipped' && s !== 'cancelled' && s !== 'queued').reduce((n, s) => n + tally[s], 0);
  const rate = attempted === 0 ? 0 : tally.failed / attempted;
  return { failed: tally.failed > 0 && rate > maxFailureRate, rate, attempted };
}

/** Every action of the wave is closed. */
export function waveInstalled(tally: WaveTally): boolean {
  return ACTION_STATES.filter((s) => !CLOSED.includes(s)).every((s) => tally[s] === 0);
}

/**
 * Why an install was skipped, as a stable code beside the English prose of `reason` (a dashboard says it
 * in the reader's language). From the window planner: no window applies, the install is longer than
 * every window, the terminal was offline or locked when its wave was planned. From the install's
 * maintenance job: it was aborted, vanished, or ended before the terminal began installing (its link was
 * down through its window).
 */
export const SKIP_REASONS = ['no_window', 'longer_than_window', 'offline', 'locked', 'job_aborted', 'job_missing', 'job_ended_before_install'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
