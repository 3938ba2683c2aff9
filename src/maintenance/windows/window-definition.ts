// Maintenance window definitions — one-off, RRULE or cron, in the site's local time — and the checks of
// their shape: RRULE and cron syntax (the libraries parse leniently, so each part is checked here), time
// zone and duration. When the windows of a definition open: ./window-schedule.ts. Pure: no I/O.
import rrulePkg, { type Options as RRuleOptions } from 'rrule';
import { CronExpressionParser } from 'cron-parser';
import type { MessageKey } from '../../shared/messages/format.ts';
import { DAY_MS, MINUTE_MS, isTimeZone } from './time-zone.ts';

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
/** The catalogue's entries for the problems of an RRULE or cron text (`maintenance.schedule.*`), one per kind of problem. */
export type ScheduleProblemKey = Extract<MessageKey, `maintenance.schedule.${string}`>;
/** What a person reads about a problem: a catalogue key of src/shared/messages (the English `reason` stays for logs). */
export type WindowProblemKey =
  | 'maintenance.schedule_kind' | 'maintenance.duration_not_whole' | 'maintenance.duration_not_positive' | 'maintenance.duration_too_long'
  | 'maintenance.time_zone_invalid' | 'maintenance.start_invalid' | 'maintenance.schedule_text_required' | ScheduleProblemKey
  | 'maintenance.once_ended' | 'maintenance.no_occurrence' | 'maintenance.duration_over_gap';
export interface WindowProblem { field: string; reason: string; key: WindowProblemKey; params: Record<string, string | number> }

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

/**
 * A problem of a rule or cron text: `reason` is the English detail (logs, WindowDefinitionError), `key` and
 * `params` say the same from the catalogue, whose English text is "The recurrence rule cannot be used: " +
 * reason (or "The cron expression …"), so each language names the part, the value and what is allowed.
 */
interface TextProblem { reason: string; key: ScheduleProblemKey; params: Record<string, string | number> }
const said = (key: ScheduleProblemKey, params: Record<string, string | number>, reason: string): TextProblem => ({ key, params, reason });

interface ParsedRule { options?: Partial<RRuleOptions>; problems: TextProblem[] }
const parsedRules = new Map<string, ParsedRule>();
const checkedCrons = new Map<string, TextProblem[]>();

export function remember<K, V>(cache: Map<K, V>, key: K, compute: () => V, max = 1000): V {
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
  const problems: TextProblem[] = [];
  const body = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (body === '') return { problems: [said('maintenance.schedule.rrule_empty', {}, 'is empty; give e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0')] };
  if (/[\n:]/.test(body)) {
    return { problems: [said('maintenance.schedule.rrule_lines', {}, 'give only the RRULE part (FREQ=…;BYDAY=…): the window is anchored in the site\'s time zone, so DTSTART, TZID and EXDATE lines are not used')] };
  }
  const seen = new Map<string, string>();
  for (const part of body.split(';').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (seen.has(key)) problems.push(said('maintenance.schedule.part_twice', { part: key }, `${key} is given twice`));
    seen.set(key, value);
  }
  const freq = seen.get('FREQ');
  if (freq === undefined) problems.push(said('maintenance.schedule.freq_required', {}, 'FREQ is required, e.g. FREQ=WEEKLY'));
  else if (freq === 'SECONDLY') problems.push(said('maintenance.schedule.freq_secondly', {}, 'FREQ=SECONDLY is finer than any maintenance window; use MINUTELY or coarser'));
  else if (!(FREQUENCIES as readonly string[]).includes(freq)) {
    problems.push(said('maintenance.schedule.freq_unknown', { value: freq, allowed: FREQUENCIES.join(', ') }, `FREQ=${freq} is not one of ${FREQUENCIES.join(', ')}`));
  }
  for (const [key, value] of seen) {
    if (key === 'FREQ') continue;
    if (key === 'COUNT') problems.push(said('maintenance.schedule.count_unsupported', {}, 'COUNT is not supported: a window repeats for ever or until UNTIL'));
    else if (key === 'DTSTART' || key === 'TZID') problems.push(said('maintenance.schedule.part_not_used', { part: key }, `${key} is not used: the window is anchored in the site's time zone`));
    else if (key === 'INTERVAL') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
        problems.push(said('maintenance.schedule.interval_range', { value }, `INTERVAL=${value} must be a whole number from 1 to 1000`));
      }
    } else if (key === 'UNTIL') {
      const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
      const date = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) : null;
      if (!m || !date || date.getUTCDate() !== +m[3]! || date.getUTCMonth() !== +m[2]! - 1) {
        problems.push(said('maintenance.schedule.until_invalid', { value }, `UNTIL=${value} must be a date like 20261231 or 20261231T235900`));
      }
    } else if (key === 'WKST') {
      if (!DAY_CODES.includes(value)) problems.push(said('maintenance.schedule.wkst_invalid', { value, allowed: DAY_CODES.join(', ') }, `WKST=${value} must be one of ${DAY_CODES.join(', ')}`));
    } else if (key === 'BYDAY') {
      for (const day of value.split(',')) {
        const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(day);
        if (!m) problems.push(said('maintenance.schedule.byday_invalid', { value: day }, `BYDAY value "${day}" must be a day code (MO…SU), optionally with an ordinal like 1MO or -1FR`));
        else if (m[1] !== undefined) {
          const n = Number(m[1]);
          if (n === 0 || Math.abs(n) > 53) problems.push(said('maintenance.schedule.byday_ordinal_range', { value: day }, `BYDAY ordinal in "${day}" must be from 1 to 53, or -1 to -53`));
          else if (freq !== 'MONTHLY' && freq !== 'YEARLY') problems.push(said('maintenance.schedule.byday_ordinal_freq', { value: day }, `BYDAY ordinals like "${day}" need FREQ=MONTHLY or FREQ=YEARLY`));
        }
      }
    } else if (key in RRULE_NUMBERS) {
      const { min, max, signed } = RRULE_NUMBERS[key]!;
      for (const item of value.split(',')) {
        const n = /^[+-]?\d+$/.test(item) ? Number(item) : NaN;
        const ok = signed ? Math.abs(n) >= min && Math.abs(n) <= max : n >= min && n <= max && !item.startsWith('-');
        if (!ok) {
          problems.push(said('maintenance.schedule.number_range', { part: key, value: item, min, max, signed: signed ? 'yes' : 'no' },
            `${key} value "${item}" must be ${signed ? `from ${min} to ${max} or -${min} to -${max}` : `from ${min} to ${max}`}`));
        }
      }
    } else problems.push(said('maintenance.schedule.part_unknown', { part: key }, `${key} is not an RRULE part this server understands`));
  }
  if (problems.length > 0) return { problems };
  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(body);
  } catch (error) {
    // The library's own words, said as a detail: every part was checked above, so this is not expected.
    const detail = (error as Error).message;
    return { problems: [said('maintenance.schedule.rrule_unreadable', { detail }, `cannot be read: ${detail}`)] };
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
function neverMatches(options: Partial<RRuleOptions>): TextProblem | null {
  const freq = options.freq ?? RRule.DAILY;
  const interval = options.interval ?? 1;
  const list = (value: number | number[] | null | undefined): number[] | null =>
    value === undefined || value === null ? null : Array.isArray(value) ? value : [value];
  const hours = list(options.byhour) ?? (freq === RRule.HOURLY || freq === RRule.MINUTELY ? [...Array(24).keys()] : [0]);
  const minutes = list(options.byminute) ?? (freq === RRule.MINUTELY ? [...Array(60).keys()] : [0]);
  if (freq === RRule.HOURLY) {
    // INTERVAL is said as written (a text), so that 1000 is not grouped as 1,000.
    if (24 % interval !== 0) {
      return said('maintenance.schedule.hourly_interval', { interval: String(interval) },
        `with FREQ=HOURLY, INTERVAL must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24) so that windows open at the same local times every day; got ${interval}`);
    }
    if (!hours.some((h) => h % interval === 0)) {
      return said('maintenance.schedule.hourly_never', { interval: String(interval) }, `no BYHOUR value is a multiple of INTERVAL=${interval} hours from midnight, so the rule never produces a window`);
    }
  }
  if (freq === RRule.MINUTELY) {
    if (1440 % interval !== 0) {
      return said('maintenance.schedule.minutely_interval', { interval: String(interval) },
        `with FREQ=MINUTELY, INTERVAL must divide 1440 (the minutes of a day) so that windows open at the same local times every day; got ${interval}`);
    }
    if (!hours.some((h) => minutes.some((m) => (h * 60 + m) % interval === 0))) {
      return said('maintenance.schedule.minutely_never', { interval: String(interval) },
        `no BYHOUR/BYMINUTE time is a multiple of INTERVAL=${interval} minutes from midnight, so the rule never produces a window`);
    }
  }
  const cycle = Date.UTC(9600, 0, 1);
  const probe = new RRule({ ...options, until: null, dtstart: new Date(anchorFor(freq, interval, cycle)) });
  return probe.after(new Date(cycle), true) === null
    ? said('maintenance.schedule.rrule_never', {}, 'never produces a window: no date matches all its parts together (such as BYMONTH=2 with BYMONTHDAY=30, or INTERVAL=7 days with BYDAY=MO)')
    : null;
}

function checkCron(text: string): TextProblem[] {
  const fields = text.trim().split(/\s+/);
  if (text.trim().startsWith('@') || fields.length !== 5) {
    return [said('maintenance.schedule.cron_field_count', { text }, `must have five fields (minute hour day-of-month month day-of-week), e.g. '0 2 * * 1-5'; got "${text}"`)];
  }
  if (fields.some((field) => field.split(',').some((token) => /^H/i.test(token)))) {
    return [said('maintenance.schedule.cron_hashed', {}, 'hashed (H) fields are not supported: a maintenance window must open at a predictable time')];
  }
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
    return [];
  } catch (error) {
    const message = (error as Error).message;
    const { key, params } = cronLibraryProblem(message);
    return [said(key, params, `is not a valid cron expression: ${message}`)];
  }
}

/**
 * The cron library's message (cron-parser 5), classified so a person reads it in their language; a message
 * not known here is said as a detail. The catalogue's English text rebuilds the library's words exactly.
 */
function cronLibraryProblem(message: string): Omit<TextProblem, 'reason'> {
  let m = /^Constraint error, got (value|range) (\S+) expected range (\d+)-(\d+)$/.exec(message);
  if (m) return { key: 'maintenance.schedule.cron_out_of_range', params: { kind: m[1]!, value: m[2]!, min: Number(m[3]), max: Number(m[4]) } };
  m = /^Validation error, cannot resolve alias "(.*)"$/.exec(message);
  if (m) return { key: 'maintenance.schedule.cron_unknown_name', params: { name: m[1]! } };
  m = /^Invalid characters, got value: (.*)$/.exec(message);
  if (m) return { key: 'maintenance.schedule.cron_characters', params: { value: m[1]! } };
  m = /^Invalid range: (\d+)-(\d+), min\(\1\) > max\(\2\)$/.exec(message);
  if (m) return { key: 'maintenance.schedule.cron_range_reversed', params: { from: m[1]!, to: m[2]! } };
  m = /^Constraint error, cannot repeat at every (\S+) time\.$/.exec(message);
  if (m) return { key: 'maintenance.schedule.cron_step', params: { step: m[1]! } };
  return { key: 'maintenance.schedule.cron_unreadable', params: { detail: message } };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Problems with the definition itself, independent of when it is asked. */
export function shapeProblems(def: WindowDef): WindowProblem[] {
  const loose = (def ?? {}) as unknown as Record<string, unknown>;
  const problems: WindowProblem[] = [];
  const kind = loose.kind;
  if (kind !== 'once' && kind !== 'rrule' && kind !== 'cron') {
    return [{ field: 'kind', reason: `must be 'once', 'rrule' or 'cron'; got ${JSON.stringify(kind)}`, key: 'maintenance.schedule_kind', params: {} }];
  }
  const duration = loose.durationMinutes;
  if (typeof duration !== 'number' || !Number.isInteger(duration)) {
    problems.push({ field: 'durationMinutes', reason: `must be a whole number of minutes; got ${JSON.stringify(duration)}`, key: 'maintenance.duration_not_whole', params: {} });
  } else if (duration <= 0) {
    problems.push({ field: 'durationMinutes', reason: `must be more than 0 minutes; got ${duration}`, key: 'maintenance.duration_not_positive', params: { minutes: duration } });
  } else if (duration > MAX_DURATION_MINUTES) {
    problems.push({ field: 'durationMinutes', reason: `must be at most 24 hours (${MAX_DURATION_MINUTES} minutes); got ${duration}`, key: 'maintenance.duration_too_long', params: { minutes: duration, max: MAX_DURATION_MINUTES } });
  }
  const zone = loose.timeZone;
  if (kind !== 'once' || zone !== undefined) {
    if (!isTimeZone(zone)) problems.push({ field: 'timeZone', reason: `must be an IANA time zone such as Europe/London; got ${JSON.stringify(zone)}`, key: 'maintenance.time_zone_invalid', params: { zone: String(zone) } });
  }
  if (kind === 'once') {
    const start = loose.start;
    if (typeof start !== 'string' || !ISO_INSTANT.test(start) || Number.isNaN(Date.parse(start))) {
      problems.push({ field: 'start', reason: `must be an ISO-8601 time with Z or an offset, e.g. 2026-05-01T01:00:00Z; got ${JSON.stringify(start)}`, key: 'maintenance.start_invalid', params: {} });
    }
  } else if (kind === 'rrule') {
    const text = loose.rrule;
    if (typeof text !== 'string') problems.push({ field: 'rrule', reason: 'must be a text such as FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0', key: 'maintenance.schedule_text_required', params: { field: 'rrule' } });
    else for (const problem of remember(parsedRules, text, () => parseRule(text)).problems) problems.push({ field: 'rrule', ...problem });
  } else {
    const text = loose.cron;
    if (typeof text !== 'string') problems.push({ field: 'cron', reason: "must be a text such as '0 2 * * 1-5'", key: 'maintenance.schedule_text_required', params: { field: 'cron' } });
    else for (const problem of remember(checkedCrons, text, () => checkCron(text))) problems.push({ field: 'cron', ...problem });
  }
  return problems;
}

/** The rrule library's options for a rule text (parsed once; a text validation rejects gives none). */
export function ruleOptions(text: string): Partial<RRuleOptions> {
  return parsedRules.get(text)?.options ?? parseRule(text).options ?? {};
}

/**
 * rrule iterates from DTSTART, so a fixed anchor years ago would make every call walk those years. The
 * anchor is moved instead to the latest whole multiple of INTERVAL periods (counted from 2000-01-01, or
 * Monday 2000-01-03 for weekly rules) at or before the range: the same occurrences, found at once.
 * Parts a rule leaves out default to the anchor's: 00:00:00, the 1st of the month, January, Monday.
 */
export function anchorFor(freq: number, interval: number, wallLo: number): number {
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
