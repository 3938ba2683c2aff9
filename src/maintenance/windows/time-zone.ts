// Wall-clock arithmetic in IANA time zones for maintenance windows: UTC instant ↔ local wall time,
// with one documented rule for the local times that a daylight-saving change skips or repeats.
//
// A "wall" time is a local date-time encoded as if it were UTC (Date.UTC(y, m, d, h, min)): it lets
// the RRULE/cron libraries and the 15-minute buckets work in plain local calendar arithmetic, and only
// fromWall() decides which real instant a local time means.
import { IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
const SLOT_MS = 15 * MINUTE_MS;

interface ZoneEntry { zone: IANAZone; offsets: Map<number, number> }
const zones = new Map<string, ZoneEntry>();
const validity = new Map<string, boolean>();

/** True for a time zone name that this runtime's IANA database knows (e.g. Europe/London, Asia/Shanghai). */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
  let valid = validity.get(name);
  if (valid === undefined) {
    // luxon builds an Intl.DateTimeFormat on every check; planning a fleet asks about a few zones again and again.
    valid = IANAZone.isValidZone(name);
    if (validity.size >= 10_000) validity.clear();
    validity.set(name, valid);
  }
  return valid;
}

function entry(timeZone: string): ZoneEntry {
  let found = zones.get(timeZone);
  if (!found) {
    if (!isTimeZone(timeZone)) throw new RangeError(`"${timeZone}" is not an IANA time zone such as Europe/London`);
    found = { zone: IANAZone.create(timeZone), offsets: new Map() };
    zones.set(timeZone, found);
  }
  return found;
}

/**
 * The zone's UTC offset in minutes at an instant. Cached per 15 minutes of UTC: every offset change
 * since the 1970s falls on a quarter hour, and planning thousands of terminals asks for the same few
 * instants over and over.
 */
export function offsetMinutes(timeZone: string, utcMs: number): number {
  const { zone, offsets } = entry(timeZone);
  const key = Math.floor(utcMs / SLOT_MS);
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    offset = zone.offset(key * SLOT_MS);
    offsets.set(key, offset);
  }
  return offset;
}

/** The local wall time (encoded as UTC milliseconds) of an instant. */
export function toWall(utcMs: number, timeZone: string): number {
  return utcMs + offsetMinutes(timeZone, utcMs) * MINUTE_MS;
}

/**
 * The instant a local wall time means, following RFC 5545 §3.3.5 (what calendar clients do):
 * - a time that happens twice (clocks go back) means its FIRST occurrence, so a window runs once;
 * - a time that does not exist (clocks go forward) is read with the offset in force before the gap,
 *   i.e. it moves later by the length of the gap (01:30 on a London spring-forward day → 02:30 BST).
 */
export function fromWall(wallMs: number, timeZone: string): number {
  const before = offsetMinutes(timeZone, wallMs - DAY_MS);
  const after = offsetMinutes(timeZone, wallMs + DAY_MS);
  const early = wallMs - before * MINUTE_MS;
  if (before === after && offsetMinutes(timeZone, early) === before) return early;
  const late = wallMs - after * MINUTE_MS;
  const earlyValid = offsetMinutes(timeZone, early) === before;
  const lateValid = offsetMinutes(timeZone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  return early; // in the gap: the offset before it
}

export interface LocalParts {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Monday … 6 = Sunday, the order of opening hours' keys */
  weekday: number;
  minuteOfDay: number;
}

export function wallParts(wallMs: number): LocalParts {
  const d = new Date(wallMs);
  const hour = d.getUTCHours();
  const minute = d.getUTCMinutes();
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute,
    weekday: (d.getUTCDay() + 6) % 7, minuteOfDay: hour * 60 + minute,
  };
}

export function localParts(utcMs: number, timeZone: string): LocalParts {
  return wallParts(toWall(utcMs, timeZone));
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** ISO-8601 local time with its offset, e.g. 2026-10-25T01:30:00+01:00 (unambiguous even in a repeated hour). */
export function formatLocal(utcMs: number, timeZone: string): string {
  const offset = offsetMinutes(timeZone, utcMs);
  const p = wallParts(utcMs + offset * MINUTE_MS);
  const sign = offset < 0 ? '-' : '+';
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** Minutes after local midnight of an 'HH:MM' clock time; '24:00' only where `allowEndOfDay`. Null when malformed. */
export function parseClock(text: string, allowEndOfDay = false): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match) return Number(match[1]) * 60 + Number(match[2]);
  return allowEndOfDay && text === '24:00' ? 1440 : null;
}

/** Start of the UTC-encoded day containing a wall time. */
export const floorDay = (wallMs: number): number => Math.floor(wallMs / DAY_MS) * DAY_MS;
