// When maintenance windows open: a definition's occurrences in a range, the window open at an instant,
// the next one, whether planned work may start now, and whether a definition is valid. The definitions
// and their shape: ./window-definition.ts; windows of one target that contradict each other:
// ./window-conflicts.ts. Pure: no I/O, no clock of its own.
//
// Local time and daylight saving (see time-zone.ts, fromWall): recurring windows are computed in local
// wall-clock time and only then turned into instants, so a 02:00 window stays at 02:00 local all year.
// A local start that a change skips (01:30 on a spring-forward day in London or New York) moves later by
// the length of the gap (→ 02:30 BST / 03:30 EDT); a local start that a change repeats (01:30 on a
// fall-back day) means its first occurrence only, so the window runs once, not twice. This is the rule
// of RFC 5545 §3.3.5. A window lasts `durationMinutes` of real time, so across a change its local end
// moves by the size of the change.
//
// Intervals are half-open: a window [start, end) admits work that finishes exactly at `end`, and two
// windows that only touch (one ends when the next starts) do not overlap.
import rrulePkg, { type Options as RRuleOptions } from 'rrule';
import { CronExpressionParser } from 'cron-parser';
import { DAY_MS, MINUTE_MS, floorDay, fromWall } from './time-zone.ts';
import {
  MAX_OCCURRENCES, MAX_RANGE_DAYS, WindowDefinitionError, anchorFor, remember, ruleOptions, shapeProblems,
  type CronWindow, type Occurrence, type RRuleWindow, type WindowDef, type WindowProblem,
} from './window-definition.ts';

// rrule ships CommonJS whose named exports Node's ESM loader cannot see; its default export is the module.
const { RRule } = rrulePkg;

// ---------------------------------------------------------------- enumeration in wall-clock time

/** Upper bound on starts computed in one go; one past MAX_OCCURRENCES so that overflow is noticed. */
const HARD_CAP = MAX_OCCURRENCES + 1;
const wallStartsMemo = new Map<string, number[]>();

function rruleWallStarts(options: Partial<RRuleOptions>, wallLo: number, wallHi: number): number[] {
  const dtstart = new Date(anchorFor(options.freq ?? RRule.DAILY, options.interval ?? 1, wallLo));
  const rule = new RRule({ ...options, dtstart });
  const out: number[] = [];
  rule.between(new Date(wallLo), new Date(wallHi - 1), true, (date) => {
    out.push(date.getTime());
    return out.length < HARD_CAP;
  });
  return out;
}

function cronWallStarts(expression: string, wallLo: number, wallHi: number): number[] {
  // The library runs in UTC here on purpose: its input and output are wall times (see time-zone.ts).
  const cron = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(wallLo - 1000), endDate: new Date(wallHi) });
  const out: number[] = [];
  while (out.length < HARD_CAP) {
    let next: number;
    try {
      next = cron.next().getTime();
    } catch {
      break; // past endDate, or a rule that never matches again
    }
    if (next >= wallHi) break;
    out.push(next);
  }
  return out;
}

/** Wall-clock starts in [wallLo, wallHi); both bounds are whole days, so sites in many zones share results. */
function wallStarts(def: RRuleWindow | CronWindow, wallLo: number, wallHi: number): number[] {
  const key = `${def.kind}\u0000${def.kind === 'rrule' ? def.rrule : def.cron}\u0000${wallLo}\u0000${wallHi}`;
  return remember(wallStartsMemo, key, () => {
    if (def.kind === 'cron') return cronWallStarts(def.cron, wallLo, wallHi);
    return rruleWallStarts(ruleOptions(def.rrule), wallLo, wallHi);
  }, 2000);
}

function assertValid(def: WindowDef): void {
  const problems = shapeProblems(def);
  if (problems.length > 0) throw new WindowDefinitionError(problems);
}

/**
 * UTC starts of the occurrences overlapping [fromMs, toMs), ascending. `complete` is false when the
 * enumeration stopped at HARD_CAP before the end of the range.
 */
function startsOverlapping(def: WindowDef, fromMs: number, toMs: number): { starts: number[]; complete: boolean } {
  const durationMs = def.durationMinutes * MINUTE_MS;
  if (def.kind === 'once') {
    const start = Date.parse(def.start);
    return { starts: start < toMs && start + durationMs > fromMs ? [start] : [], complete: true };
  }
  // Offsets lie within ±1 day, so these whole local days cover every start that can reach the range.
  const wallLo = floorDay(fromMs - durationMs) - DAY_MS;
  const wallHi = floorDay(toMs) + 2 * DAY_MS;
  const walls = wallStarts(def, wallLo, wallHi);
  const starts: number[] = [];
  for (const wall of walls) {
    const start = fromWall(wall, def.timeZone);
    // A skipped local time can land on the same instant as the next valid one: keep it once.
    if (start < toMs && start + durationMs > fromMs && starts[starts.length - 1] !== start) starts.push(start);
  }
  return { starts, complete: walls.length < HARD_CAP };
}

const toOccurrence = (start: number, durationMinutes: number): Occurrence =>
  ({ start: new Date(start), end: new Date(start + durationMinutes * MINUTE_MS) });

// ---------------------------------------------------------------- public API

/**
 * Everything wrong with a window definition, each with the field it concerns; empty when valid.
 * Besides the shape (RRULE/cron syntax, time zone, 0 < duration ≤ 24 h), it rejects a one-off window
 * that has already ended at `now` (one still open is fine), a recurring rule with no window in the year
 * after `now`, and a duration longer than the gap between two occurrences (the windows would overlap).
 */
export function validateWindow(def: WindowDef, now: Date): WindowProblem[] {
  const problems = shapeProblems(def);
  if (problems.length > 0) return problems;
  const durationMs = def.durationMinutes * MINUTE_MS;
  if (def.kind === 'once') {
    const end = Date.parse(def.start) + durationMs;
    if (end <= now.getTime()) {
      problems.push({
        field: 'start', reason: `the window ended at ${new Date(end).toISOString()}, before now (${now.toISOString()}); a one-off window must end in the future`,
        key: 'maintenance.once_ended', params: { end: new Date(end).toISOString() },
      });
    }
    return problems;
  }
  const field = def.kind;
  const first = nextOccurrence(def, now);
  if (!first) {
    problems.push({ field, reason: 'produces no maintenance window in the year after now', key: 'maintenance.no_occurrence', params: {} });
    return problems;
  }
  const { starts } = startsOverlapping(def, first.start.getTime(), first.start.getTime() + 31 * DAY_MS);
  for (let i = 1; i < starts.length; i++) {
    const gap = starts[i]! - starts[i - 1]!;
    if (gap < durationMs) {
      problems.push({
        field: 'durationMinutes',
        reason: `${def.durationMinutes} minutes is longer than the ${gap / MINUTE_MS} minutes between the windows opening at ${new Date(starts[i - 1]!).toISOString()} and ${new Date(starts[i]!).toISOString()}, so one would still be open when the next opens`,
        key: 'maintenance.duration_over_gap', params: { minutes: def.durationMinutes, gap: gap / MINUTE_MS },
      });
      break;
    }
  }
  return problems;
}

/** A range occurrences() will not enumerate: longer than MAX_RANGE_DAYS, or holding more than MAX_OCCURRENCES windows. */
export class OccurrenceLimitError extends RangeError {
  constructor(message: string, readonly limit: 'days' | 'occurrences', readonly max: number) {
    super(message);
    this.name = 'OccurrenceLimitError';
  }
}

/**
 * The occurrences overlapping [from, to), ascending. Bounded: throws a RangeError for a range longer
 * than MAX_RANGE_DAYS or more than MAX_OCCURRENCES windows, and a WindowDefinitionError for an invalid
 * definition (run validateWindow first to get the problems one by one).
 */
export function occurrences(def: WindowDef, from: Date, to: Date): Occurrence[] {
  assertValid(def);
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(toMs > fromMs)) return [];
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY_MS) {
    throw new OccurrenceLimitError(`ask for at most ${MAX_RANGE_DAYS} days of maintenance windows at a time; asked for ${Math.ceil((toMs - fromMs) / DAY_MS)}`, 'days', MAX_RANGE_DAYS);
  }
  const { starts, complete } = startsOverlapping(def, fromMs, toMs);
  if (!complete || starts.length > MAX_OCCURRENCES) {
    throw new OccurrenceLimitError(`more than ${MAX_OCCURRENCES} maintenance windows between ${from.toISOString()} and ${to.toISOString()}; ask for a shorter range`, 'occurrences', MAX_OCCURRENCES);
  }
  return starts.map((start) => toOccurrence(start, def.durationMinutes));
}

/** The occurrence open at `instant` (start ≤ instant < end), or null. */
export function windowAt(def: WindowDef, instant: Date): Occurrence | null {
  assertValid(def);
  const at = instant.getTime();
  const open = startsOverlapping(def, at, at + 1).starts.filter((start) => start <= at);
  // Only a definition that validateWindow rejects can have two open at once; take the one open longest.
  return open.length > 0 ? toOccurrence(open[open.length - 1]!, def.durationMinutes) : null;
}

/** The occurrence open at `from`, else the next one to open within `horizonDays`, else null. */
export function nextOccurrence(def: WindowDef, from: Date, horizonDays = 366): Occurrence | null {
  assertValid(def);
  const fromMs = from.getTime();
  const open = windowAt(def, from);
  if (open) return open;
  // Most rules open again within days: look two days ahead first, then a month at a time.
  const horizon = fromMs + horizonDays * DAY_MS;
  for (let lo = fromMs, step = 2 * DAY_MS; lo < horizon; lo += step, step = 31 * DAY_MS) {
    const found = startsOverlapping(def, lo, Math.min(lo + step, horizon)).starts.find((start) => start >= fromMs);
    if (found !== undefined) return toOccurrence(found, def.durationMinutes);
  }
  return null;
}

export type StartCheck =
  | { ok: true; latestStart: Date; spareMinutes: number }
  | { ok: false; reason: 'window_not_open' | 'window_closed' | 'cannot_finish'; message: string; latestStart: Date };

/**
 * Whether planned work expected to take `expectedMinutes` may start at `now` in this occurrence: only
 * inside the window, and never when it could not finish by the window's end. `latestStart` is the last
 * moment it still could; `spareMinutes` how long it may still wait.
 */
export function canStartWithin(occurrence: Occurrence, now: Date, expectedMinutes: number): StartCheck {
  if (!Number.isFinite(expectedMinutes) || expectedMinutes < 0) {
    throw new RangeError(`expectedMinutes must be a number of minutes ≥ 0; got ${expectedMinutes}`);
  }
  const at = now.getTime();
  const end = occurrence.end.getTime();
  const latestStart = new Date(end - expectedMinutes * MINUTE_MS);
  if (at < occurrence.start.getTime()) {
    return { ok: false, reason: 'window_not_open', latestStart, message: `the maintenance window opens at ${occurrence.start.toISOString()}` };
  }
  if (at >= end) {
    return { ok: false, reason: 'window_closed', latestStart, message: `the maintenance window closed at ${occurrence.end.toISOString()}` };
  }
  if (at > latestStart.getTime()) {
    const finish = new Date(at + expectedMinutes * MINUTE_MS).toISOString();
    return {
      ok: false, reason: 'cannot_finish', latestStart,
      message: `${expectedMinutes} minutes of work started now would end at ${finish}, after the window closes at ${occurrence.end.toISOString()}`,
    };
  }
  return { ok: true, latestStart, spareMinutes: (latestStart.getTime() - at) / MINUTE_MS };
}
