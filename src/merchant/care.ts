// Daily care by the shop's staff, as pure rules. The merchant-staff tasks of a preventive plan (daily
// cleaning, paper and connectors; the weekly connection check) fall due on the calendar: occurrence k
// of a task is due at plan start + k × the template's interval (care is daily because the calendar says
// so: usage and environment shorten technicians' intervals, not the staff's day). Staff confirm an
// occurrence during its period [due − interval, due + grace); one with no answer once its grace is
// over is missed. Nothing is stored for a missed occurrence: it is the absence of an answer.
import { createHash } from 'node:crypto';

export const DAY_MS = 86_400_000;
/** A late answer (a heartbeat that waited for the network) still counts this share of the interval after the due time. */
export const CARE_GRACE_SHARE = 0.1;

export interface CareSchedule {
  /** Plan start (ms): occurrences are due at anchor + k × interval, k ≥ 1. */
  anchorMs: number;
  intervalMs: number;
}

export const graceOf = (s: CareSchedule): number => Math.round(s.intervalMs * CARE_GRACE_SHARE);

/** The occurrence staff work on at `now`: the first one due after it. */
export function currentDue(s: CareSchedule, now: number): number {
  const k = Math.max(1, Math.floor((now - s.anchorMs) / s.intervalMs) + 1);
  return s.anchorMs + k * s.intervalMs;
}

/** Whether `dueMs` is one of the schedule's occurrences. */
export function isOccurrence(s: CareSchedule, dueMs: number): boolean {
  const k = (dueMs - s.anchorMs) / s.intervalMs;
  return Number.isInteger(k) && k >= 1;
}

/** Whether an answer for the occurrence due at `dueMs` is taken at `now` (inside its period or grace). */
export function answerable(s: CareSchedule, dueMs: number, now: number): boolean {
  return isOccurrence(s, dueMs) && now >= dueMs - s.intervalMs && now < dueMs + graceOf(s);
}

/** Occurrences due in [from, to). */
export function occurrencesIn(s: CareSchedule, from: number, to: number): number[] {
  const out: number[] = [];
  for (let due = currentDue(s, from - 1); due < to; due += s.intervalMs) if (due >= from) out.push(due);
  return out;
}

/** Judged at `now`: answered, or its grace is over (missed). Not judged yet: still open. */
export type CareOutcomeAt = 'done' | 'could_not' | 'missed' | 'open';

export function outcomeAt(s: CareSchedule, dueMs: number, answer: 'done' | 'could_not' | undefined, now: number): CareOutcomeAt {
  if (answer) return answer;
  return now >= dueMs + graceOf(s) ? 'missed' : 'open';
}

/** The version of a terminal's due care list: it changes when a task falls due or is answered (hashed, short). */
export function careVersion(parts: readonly string[]): string {
  return createHash('sha1').update(parts.join('|')).digest('hex').slice(0, 16);
}
