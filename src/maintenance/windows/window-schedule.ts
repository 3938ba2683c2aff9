// Maintenance window definitions — one-off, RRULE or cron, in the site's local time — and the rules on
// them: validation, occurrences in a range, the window open at an instant, whether planned work may start
// now, and which windows of one target contradict each other. Pure: no I/O, no clock of its own.
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
import { DAY_MS, MINUTE_MS, floorDay, fromWall, isTimeZone } from './time-zone.ts';

// rrule ships CommonJS whose named exports Node's ESM loader cannot see; its default export is the module.
const { RRule } = rrulePkg;

export interface OnceWindow {
  kind: 'once';
  /** ISO-8601 instant with Z or an offset */
  start: string;
  durationMinutes: number;
  /** optional, for display and for the same-target time-zone check */
  timeZone?: string;
}
export interface RRuleWindow {
  kind: 'rrule';
  /**
   * the RRULE part only, e.g. FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=2;BYMINUTE=0, read in `timeZone` (UNTIL too).
   * No DTSTART, COUNT or TZID: parts left out default to 00:00, Monday, the 1st, January (see anchorFor).
   */
  rrule: string;
  durationMinutes: number;
  timeZone: string;
}
export interface CronWindow {
  kind: 'cron';
  /** five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * 1-5' (read in `timeZone`) */
  cron: string;
  durationMinutes: number;
  timeZone: string;
}
export type WindowDef = OnceWindow | RRuleWindow | CronWindow;

export interface Occurrence { start: Date; end: Date }
export interface WindowProblem { field: string; reason: string }

export const MAX_DURATION_MINUTES = 24 * 60;
/** occurrences() answers for at most this span … */
export const MAX_RANGE_DAYS = 400;
/** … and at most this many occurrences, so a per-minute rule over a year cannot exhaust memory. */
export const MAX_OCCURRENCES = 10_000;

export class WindowDefinitionError extends Error {
  constructor(readonly problems: WindowProblem[]) {
    super(`invalid maintenance window: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
    this.name = 'WindowDefinitionError';
  }
}

// ---------------------------------------------------------------- parsing and validation of the shape

const FREQUENCIES = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY'] as const;
const RRULE_NUMBERS: Record<string, { min: number; max: number; signed: boolean }> = {
  BYMONTH: { min: 1, max: 12, signed: false },
  BYMONTHDAY: { min: 1, max: 31, signed: true },
  BYYEARDAY: { min: 1, max: 366, signed: true },
  BYWEEKNO: { min: 1, max: 53, signed: true },
  BYHOUR: { min: 0, max: 23, signed: false },
  BYMINUTE: { min: 0, max: 59, signed: false },
  BYSECOND: { min: 0, max: 59, signed: false },
  BYSETPOS: { min: 1, max: 366, signed: true },
};
const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

interface ParsedRule { options?: Partial<RRuleOptions>; problems: string[] }
const parsedRules = new Map<string, ParsedRule>();
const checkedCrons = new Map<string, string[]>();

function remember<K, V>(cache: Map<K, V>, key: K, compute: () => V, max = 1000): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= max) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

/**
 * The rrule library parses leniently (FREQ=SOMETIMES or BYHOUR=25 pass silently), so each part is
 * checked here before the library turns the text into options.
 */
function parseRule(text: string): ParsedRule {
  const problems: string[] = [];
  const body = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (body === '') return { problems: ['is empty; give e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0'] };
  if (/[\n:]/.test(body)) {
    return { problems: ['give only the RRULE part (FREQ=…;BYDAY=…): the window is anchored in the site\'s time zone, so DTSTART, TZID and EXDATE lines are not used'] };
  }
  const seen = new Map<string, string>();
  for (const part of body.split(';').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (seen.has(key)) problems.push(`${key} is given twice`);
    seen.set(key, value);
  }
  const freq = seen.get('FREQ');
  if (freq === undefined) problems.push('FREQ is required, e.g. FREQ=WEEKLY');
  else if (freq === 'SECONDLY') problems.push('FREQ=SECONDLY is finer than any maintenance window; use MINUTELY or coarser');
  else if (!(FREQUENCIES as readonly string[]).includes(freq)) problems.push(`FREQ=${freq} is not one of ${FREQUENCIES.join(', ')}`);
  for (const [key, value] of seen) {
    if (key === 'FREQ') continue;
    if (key === 'COUNT') problems.push('COUNT is not supported: a window repeats for ever or until UNTIL');
    else if (key === 'DTSTART' || key === 'TZID') problems.push(`${key} is not used: the window is anchored in the site's time zone`);
    else if (key === 'INTERVAL') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) problems.push(`INTERVAL=${value} must be a whole number from 1 to 1000`);
    } else if (key === 'UNTIL') {
      const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
      const date = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) : null;
      if (!m || !date || date.getUTCDate() !== +m[3]! || date.getUTCMonth() !== +m[2]! - 1) {
        problems.push(`UNTIL=${value} must be a date like 20261231 or 20261231T235900`);
      }
    } else if (key === 'WKST') {
      if (!DAY_CODES.includes(value)) problems.push(`WKST=${value} must be one of ${DAY_CODES.join(', ')}`);
    } else if (key === 'BYDAY') {
      for (const day of value.split(',')) {
        const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(day);
        if (!m) problems.push(`BYDAY value "${day}" must be a day code (MO…SU), optionally with an ordinal like 1MO or -1FR`);
        else if (m[1] !== undefined) {
          const n = Number(m[1]);
          if (n === 0 || Math.abs(n) > 53) problems.push(`BYDAY ordinal in "${day}" must be from 1 to 53, or -1 to -53`);
          else if (freq !== 'MONTHLY' && freq !== 'YEARLY') problems.push(`BYDAY ordinals like "${day}" need FREQ=MONTHLY or FREQ=YEARLY`);
        }
      }
    } else if (key in RRULE_NUMBERS) {
      const { min, max, signed } = RRULE_NUMBERS[key]!;
      for (const item of value.split(',')) {
        const n = /^[+-]?\d+$/.test(item) ? Number(item) : NaN;
        const ok = signed ? Math.abs(n) >= min && Math.abs(n) <= max : n >= min && n <= max && !item.startsWith('-');
        if (!ok) problems.push(`${key} value "${item}" must be ${signed ? `from ${min} to ${max} or -${min} to -${max}` : `from ${min} to ${max}`}`);
      }
    } else problems.push(`${key} is not an RRULE part this server understands`);
  }
  if (problems.length > 0) return { problems };
  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(body);
  } catch (error) {
    return { problems: [`cannot be read: ${(error as Error).message}`] };
  }
  const never = neverMatches(options);
  return never ? { problems: [never] } : { options, problems };
}

/**
 * Why a rule can never produce a window, or null. This matters beyond validation: the rrule library
 * walks forward to the year 9999 looking for a first match, so a rule without any (BYMONTH=2;BYMONTHDAY=30)
 * would cost seconds — and an hourly one minutes — on every call.
 * - Sub-daily rules must repeat the same way every day (INTERVAL divides the day) and name hours and
 *   minutes that the interval reaches from midnight; checked by arithmetic, as walking them would be slow.
 * - Other rules are tried over one full 400-year cycle of the Gregorian calendar, placed at its last
 *   cycle (9600–9999) so that the library's walk ends with it: at most ~146,000 days, once per rule text.
 */
function neverMatches(options: Partial<RRuleOptions>): string | null {
  const freq = options.freq ?? RRule.DAILY;
  const interval = options.interval ?? 1;
  const list = (value: number | number[] | null | undefined): number[] | null =>
    value === undefined || value === null ? null : Array.isArray(value) ? value : [value];
  const hours = list(options.byhour) ?? (freq === RRule.HOURLY || freq === RRule.MINUTELY ? [...Array(24).keys()] : [0]);
  const minutes = list(options.byminute) ?? (freq === RRule.MINUTELY ? [...Array(60).keys()] : [0]);
  if (freq === RRule.HOURLY) {
    if (24 % interval !== 0) return `with FREQ=HOURLY, INTERVAL must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24) so that windows open at the same local times every day; got ${interval}`;
    if (!hours.some((h) => h % interval === 0)) return `no BYHOUR value is a multiple of INTERVAL=${interval} hours from midnight, so the rule never produces a window`;
  }
  if (freq === RRule.MINUTELY) {
    if (1440 % interval !== 0) return `with FREQ=MINUTELY, INTERVAL must divide 1440 (the minutes of a day) so that windows open at the same local times every day; got ${interval}`;
    if (!hours.some((h) => minutes.some((m) => (h * 60 + m) % interval === 0))) {
      return `no BYHOUR/BYMINUTE time is a multiple of INTERVAL=${interval} minutes from midnight, so the rule never produces a window`;
    }
  }
  const cycle = Date.UTC(9600, 0, 1);
  const probe = new RRule({ ...options, until: null, dtstart: new Date(anchorFor(freq, interval, cycle)) });
  return probe.after(new Date(cycle), true) === null ? 'never produces a window: no date matches all its parts together (such as BYMONTH=2 with BYMONTHDAY=30, or INTERVAL=7 days with BYDAY=MO)' : null;
}

function checkCron(text: string): string[] {
  const fields = text.trim().split(/\s+/);
  if (text.trim().startsWith('@') || fields.length !== 5) {
    return [`must have five fields (minute hour day-of-month month day-of-week), e.g. '0 2 * * 1-5'; got "${text}"`];
  }
  if (fields.some((field) => field.split(',').some((token) => /^H/i.test(token)))) {
    return ['hashed (H) fields are not supported: a maintenance window must open at a predictable time'];
  }
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
    return [];
  } catch (error) {
    return [`is not a valid cron expression: ${(error as Error).message}`];
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Problems with the definition itself, independent of when it is asked. */
function shapeProblems(def: WindowDef): WindowProblem[] {
  const loose = (def ?? {}) as unknown as Record<string, unknown>;
  const problems: WindowProblem[] = [];
  const kind = loose.kind;
  if (kind !== 'once' && kind !== 'rrule' && kind !== 'cron') {
    return [{ field: 'kind', reason: `must be 'once', 'rrule' or 'cron'; got ${JSON.stringify(kind)}` }];
  }
  const duration = loose.durationMinutes;
  if (typeof duration !== 'number' || !Number.isInteger(duration)) {
    problems.push({ field: 'durationMinutes', reason: `must be a whole number of minutes; got ${JSON.stringify(duration)}` });
  } else if (duration <= 0) {
    problems.push({ field: 'durationMinutes', reason: `must be more than 0 minutes; got ${duration}` });
  } else if (duration > MAX_DURATION_MINUTES) {
    problems.push({ field: 'durationMinutes', reason: `must be at most 24 hours (${MAX_DURATION_MINUTES} minutes); got ${duration}` });
  }
  const zone = loose.timeZone;
  if (kind !== 'once' || zone !== undefined) {
    if (!isTimeZone(zone)) problems.push({ field: 'timeZone', reason: `must be an IANA time zone such as Europe/London; got ${JSON.stringify(zone)}` });
  }
  if (kind === 'once') {
    const start = loose.start;
    if (typeof start !== 'string' || !ISO_INSTANT.test(start) || Number.isNaN(Date.parse(start))) {
      problems.push({ field: 'start', reason: `must be an ISO-8601 time with Z or an offset, e.g. 2026-05-01T01:00:00Z; got ${JSON.stringify(start)}` });
    }
  } else if (kind === 'rrule') {
    const text = loose.rrule;
    if (typeof text !== 'string') problems.push({ field: 'rrule', reason: 'must be a text such as FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0' });
    else for (const reason of remember(parsedRules, text, () => parseRule(text)).problems) problems.push({ field: 'rrule', reason });
  } else {
    const text = loose.cron;
    if (typeof text !== 'string') problems.push({ field: 'cron', reason: "must be a text such as '0 2 * * 1-5'" });
    else for (const reason of remember(checkedCrons, text, () => checkCron(text))) problems.push({ field: 'cron', reason });
  }
  return problems;
}

// ---------------------------------------------------------------- enumeration in wall-clock time

/** Upper bound on starts computed in one go; one past MAX_OCCURRENCES so that overflow is noticed. */
const HARD_CAP = MAX_OCCURRENCES + 1;
const wallStartsMemo = new Map<string, number[]>();

/**
 * rrule iterates from DTSTART, so a fixed anchor years ago would make every call walk those years. The
 * anchor is moved instead to the latest whole multiple of INTERVAL periods (counted from 2000-01-01, or
 * Monday 2000-01-03 for weekly rules) at or before the range: the same occurrences, found at once.
 * Parts a rule leaves out default to the anchor's: 00:00:00, the 1st of the month, January, Monday.
 */
function anchorFor(freq: number, interval: number, wallLo: number): number {
  const date = new Date(wallLo);
  if (freq === RRule.YEARLY) return Date.UTC(2000 + Math.floor((date.getUTCFullYear() - 2000) / interval) * interval, 0, 1);
  if (freq === RRule.MONTHLY) {
    const months = (date.getUTCFullYear() - 2000) * 12 + date.getUTCMonth();
    return Date.UTC(2000, Math.floor(months / interval) * interval, 1);
  }
  const [base, period] = freq === RRule.WEEKLY ? [Date.UTC(2000, 0, 3), 7 * DAY_MS]
    : freq === RRule.DAILY ? [Date.UTC(2000, 0, 1), DAY_MS]
    : freq === RRule.HOURLY ? [Date.UTC(2000, 0, 1), 60 * MINUTE_MS]
    : [Date.UTC(2000, 0, 1), MINUTE_MS];
  const step = period * interval;
  return base + Math.floor((wallLo - base) / step) * step;
}

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
    return rruleWallStarts(parsedRules.get(def.rrule)?.options ?? parseRule(def.rrule).options ?? {}, wallLo, wallHi);
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
      problems.push({ field: 'start', reason: `the window ended at ${new Date(end).toISOString()}, before now (${now.toISOString()}); a one-off window must end in the future` });
    }
    return problems;
  }
  const field = def.kind;
  const first = nextOccurrence(def, now);
  if (!first) {
    problems.push({ field, reason: 'produces no maintenance window in the year after now' });
    return problems;
  }
  const { starts } = startsOverlapping(def, first.start.getTime(), first.start.getTime() + 31 * DAY_MS);
  for (let i = 1; i < starts.length; i++) {
    const gap = starts[i]! - starts[i - 1]!;
    if (gap < durationMs) {
      problems.push({
        field: 'durationMinutes',
        reason: `${def.durationMinutes} minutes is longer than the ${gap / MINUTE_MS} minutes between the windows opening at ${new Date(starts[i - 1]!).toISOString()} and ${new Date(starts[i]!).toISOString()}, so one would still be open when the next opens`,
      });
      break;
    }
  }
  return problems;
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
    throw new RangeError(`ask for at most ${MAX_RANGE_DAYS} days of maintenance windows at a time; asked for ${Math.ceil((toMs - fromMs) / DAY_MS)}`);
  }
  const { starts, complete } = startsOverlapping(def, fromMs, toMs);
  if (!complete || starts.length > MAX_OCCURRENCES) {
    throw new RangeError(`more than ${MAX_OCCURRENCES} maintenance windows between ${from.toISOString()} and ${to.toISOString()}; ask for a shorter range`);
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

export interface TargetWindow {
  id: string;
  /** what the window applies to: a site, a terminal, a merchant … */
  target: string;
  def: WindowDef;
}

export type WindowConflict =
  | { kind: 'overlap'; target: string; ids: [string, string]; first: Occurrence; count: number; message: string }
  | { kind: 'time_zone'; target: string; ids: [string, string]; timeZones: [string, string]; message: string };

/**
 * Windows of the same target that contradict each other between `from` and `to`. Two windows contradict
 * when (a) they name different time zones — one target is in one place, so one of them reads its local
 * times wrongly — or (b) their occurrences overlap in time, so "is work allowed now, and until when?"
 * gets two answers (one window may already have closed while the other is still open). Windows that only
 * touch do not overlap. Definitions must be valid (see validateWindow); the range is bounded as in
 * occurrences().
 */
export function conflicts(windows: readonly TargetWindow[], from: Date, to: Date): WindowConflict[] {
  const byTarget = new Map<string, TargetWindow[]>();
  for (const window of windows) {
    const list = byTarget.get(window.target) ?? [];
    list.push(window);
    byTarget.set(window.target, list);
  }
  const found: WindowConflict[] = [];
  for (const [target, list] of byTarget) {
    const occ = list.map((w) => occurrences(w.def, from, to));
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        const zoneA = a.def.timeZone;
        const zoneB = b.def.timeZone;
        if (zoneA !== undefined && zoneB !== undefined && zoneA !== zoneB) {
          found.push({
            kind: 'time_zone', target, ids: [a.id, b.id], timeZones: [zoneA, zoneB],
            message: `windows ${a.id} and ${b.id} of ${target} read their times in different time zones (${zoneA}, ${zoneB})`,
          });
        }
        const overlap = overlapOf(occ[i]!, occ[j]!);
        if (overlap) {
          found.push({
            kind: 'overlap', target, ids: [a.id, b.id], first: overlap.first, count: overlap.count,
            message: `windows ${a.id} and ${b.id} of ${target} overlap ${overlap.count} time(s), first from ${overlap.first.start.toISOString()} to ${overlap.first.end.toISOString()}`,
          });
        }
      }
    }
  }
  return found;
}

function overlapOf(a: Occurrence[], b: Occurrence[]): { first: Occurrence; count: number } | null {
  let i = 0;
  let j = 0;
  let count = 0;
  let first: Occurrence | null = null;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.end <= y.start) i++;
    else if (y.end <= x.start) j++;
    else {
      count++;
      first ??= { start: x.start > y.start ? x.start : y.start, end: x.end < y.end ? x.end : y.end };
      if (x.end <= y.end) i++;
      else j++;
    }
  }
  return first ? { first, count } : null;
}
