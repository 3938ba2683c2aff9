// Suggests when a site's maintenance window should be: the stretch of the needed length in the next days
// that is expected to cost the merchant the least revenue, learnt from the site's transaction history
// (or, without history, from its opening hours), never across the daily batch close.
//
// The model: 15-minute buckets of the local week (Monday 00:00 … Sunday 23:45). A bucket's expected
// revenue and transaction count are its totals over the history divided by the number of weeks seen —
// so a quiet week counts as a quiet week, not as missing data. A weekday the history never covered
// borrows the mean of the days it did cover. Candidate windows start on the quarter hours of the next
// `days` days (every time zone in use today is a whole number of quarter hours from UTC, so the local
// and UTC grids coincide; walking the grid in UTC also gets the skipped and repeated hours of daylight
// saving right).
//
// Ranking, best first:
// 1. expected lost revenue (with no history: minutes inside opening hours; outside them costs nothing);
// 2. distance from trade — minutes between the window and the nearest bucket with expected sales or
//    opening hours, counted up to `marginCapMinutes` (default 120): a window that ends as the doors open
//    leaves no room for an overrun or an early customer;
// 3. closeness of its middle to `quietTime` (default 03:00 local), the small hours when staff are away,
//    the batch close is done and payment hosts expect maintenance;
// 4. the earlier start.
// The best `top` windows that overlap each other neither in time nor in time of day (a window recurs, so
// the same hours on another night are no alternative) are returned, each with its expected loss, so
// every alternative's loss is ≥ the best's.
import { DAY_MS, MINUTE_MS, formatLocal, isTimeZone, parseClock, toWall, wallParts } from './time-zone.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Same shape as the estate's site opening hours: 'HH:MM', close may be '24:00'; a close before the open runs past midnight. */
export type OpeningHours = Partial<Record<Weekday, readonly { open: string; close: string }[]>>;

export interface Transaction { at: string | Date; amountMinor: number }
/** Totals per local 15-minute bucket over `weeks` weeks, for a caller that aggregates in the database. */
export interface AggregatedHistory {
  weeks: number;
  buckets: readonly { day: Weekday; time: string; transactions: number; amountMinor: number }[];
}
/** Expected revenue and transactions per bucket of the local week: index = weekday × 96 + quarter of the day. */
export interface WeeklyProfile { revenueMinor: Float64Array; transactions: Float64Array; weeksSeen: number[] }

export type Preference = 'outside-opening-hours' | 'inside-opening-hours' | 'any';

export interface SuggestWindowInput {
  timeZone: string;
  durationMinutes: number;
  now: Date;
  /** how many days ahead to look (default 7, at most 62) */
  days?: number;
  preference?: Preference;
  openingHours?: OpeningHours;
  history?: readonly Transaction[] | AggregatedHistory | WeeklyProfile;
  /** the span the raw history covers (default: its first to its last transaction) */
  historyRange?: { from: Date; to: Date };
  /** the daily settlement, local 'HH:MM'; no window comes within `guardMinutes` (default 30) of it */
  batchClose?: { at: string; guardMinutes?: number };
  /** how many non-overlapping windows to return (default 5) */
  top?: number;
  quietTime?: string;
  marginCapMinutes?: number;
}

export interface SuggestedWindow {
  start: string;
  end: string;
  /** local time with its offset, e.g. 2026-06-16T02:30:00+02:00 */
  localStart: string;
  localEnd: string;
  /** null where it cannot be known: no history and the window is inside opening hours */
  expectedLossMinor: number | null;
  expectedTransactions: number | null;
  openMinutes: number;
  /** false when no window met the preference and this is the least bad of the rest */
  preferenceMet: boolean;
}

export interface Suggestion {
  basis: 'history' | 'opening-hours' | 'none';
  timeZone: string;
  candidates: SuggestedWindow[];
}

const SLOT_MINUTES = 15;
const SLOTS_PER_DAY = 96;
const WEEK_SLOTS = 7 * SLOTS_PER_DAY;
const SLOT_MS = SLOT_MINUTES * MINUTE_MS;

const isWeeklyProfile = (h: unknown): h is WeeklyProfile => typeof h === 'object' && h !== null && 'revenueMinor' in h;
const isAggregated = (h: unknown): h is AggregatedHistory => typeof h === 'object' && h !== null && 'buckets' in h;

/** Builds the expected revenue and transactions per local bucket from raw or aggregated history. */
export function weeklyProfile(
  history: readonly Transaction[] | AggregatedHistory, timeZone: string, range?: { from: Date; to: Date },
): WeeklyProfile {
  if (!isTimeZone(timeZone)) throw new RangeError(`timeZone: "${timeZone}" is not an IANA time zone`);
  const revenue = new Float64Array(WEEK_SLOTS);
  const transactions = new Float64Array(WEEK_SLOTS);
  const weeksSeen = new Array<number>(7).fill(0);

  if (isAggregated(history)) {
    if (!(history.weeks > 0)) throw new RangeError(`history.weeks must be more than 0; got ${history.weeks}`);
    history.buckets.forEach((bucket, i) => {
      const day = WEEKDAYS.indexOf(bucket.day);
      const minute = parseClock(bucket.time);
      if (day < 0 || minute === null) throw new RangeError(`history.buckets.${i}: needs a day mon…sun and a time 'HH:MM'`);
      const slot = day * SLOTS_PER_DAY + Math.floor(minute / SLOT_MINUTES);
      revenue[slot]! += bucket.amountMinor;
      transactions[slot]! += bucket.transactions;
    });
    weeksSeen.fill(history.weeks);
  } else {
    let from = range?.from.getTime() ?? Number.POSITIVE_INFINITY;
    let to = range?.to.getTime() ?? Number.NEGATIVE_INFINITY;
    const times = history.map((t) => new Date(t.at).getTime());
    if (!range) {
      for (const at of times) {
        if (Number.isNaN(at)) continue;
        from = Math.min(from, at);
        to = Math.max(to, at);
      }
    }
    history.forEach((t, i) => {
      const at = times[i]!;
      if (Number.isNaN(at) || at < from || at > to || !Number.isFinite(t.amountMinor)) return;
      const p = wallParts(toWall(at, timeZone));
      const slot = p.weekday * SLOTS_PER_DAY + Math.floor(p.minuteOfDay / SLOT_MINUTES);
      revenue[slot]! += t.amountMinor;
      transactions[slot]! += 1;
    });
    if (from <= to) {
      const lastDay = Math.floor(toWall(to, timeZone) / DAY_MS);
      const firstDay = Math.max(Math.floor(toWall(from, timeZone) / DAY_MS), lastDay - 7 * 520); // ten years at most
      for (let day = firstDay; day <= lastDay; day++) weeksSeen[wallParts(day * DAY_MS).weekday]!++;
    }
  }

  const seenDays = weeksSeen.filter((n) => n > 0).length;
  for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
    let revenueMean = 0;
    let transactionsMean = 0;
    for (let day = 0; day < 7; day++) {
      const i = day * SLOTS_PER_DAY + slot;
      if (weeksSeen[day]! > 0) {
        revenue[i]! /= weeksSeen[day]!;
        transactions[i]! /= weeksSeen[day]!;
        revenueMean += revenue[i]! / seenDays;
        transactionsMean += transactions[i]! / seenDays;
      }
    }
    for (let day = 0; day < 7; day++) {
      if (weeksSeen[day]! > 0) continue;
      revenue[day * SLOTS_PER_DAY + slot] = seenDays > 0 ? revenueMean : 0;
      transactions[day * SLOTS_PER_DAY + slot] = seenDays > 0 ? transactionsMean : 0;
    }
  }
  return { revenueMinor: revenue, transactions, weeksSeen };
}

/**
 * The revenue a given slot is expected to cost (minor units): the profile's expected revenue of each
 * quarter hour it covers, in the share of it covered. A merchant moving a planned job sees it.
 */
export function expectedLossOf(profile: WeeklyProfile, timeZone: string, start: Date, minutes: number): number {
  let loss = 0;
  const end = start.getTime() + minutes * MINUTE_MS;
  for (let a = start.getTime(); a < end;) {
    const b = Math.min(end, (Math.floor(a / SLOT_MS) + 1) * SLOT_MS);
    const p = wallParts(toWall(a, timeZone));
    loss += profile.revenueMinor[p.weekday * SLOTS_PER_DAY + Math.floor(p.minuteOfDay / SLOT_MINUTES)]! * ((b - a) / SLOT_MS);
    a = b;
  }
  return Math.round(loss);
}

/** Minutes open in each bucket of the local week. */
function openMinutesPerBucket(hours: OpeningHours): Uint8Array {
  const openMinute = new Uint8Array(7 * 1440);
  for (const [d, day] of WEEKDAYS.entries()) {
    (hours[day] ?? []).forEach((interval, i) => {
      const open = parseClock(interval.open);
      const close = parseClock(interval.close, true);
      if (open === null || close === null) throw new RangeError(`openingHours.${day}.${i}: times must be 'HH:MM' (close may be '24:00')`);
      const end = close > open ? close : close + 1440; // a close at or before the open runs past midnight
      for (let m = open; m < end; m++) openMinute[(d * 1440 + m) % (7 * 1440)] = 1;
    });
  }
  const perBucket = new Uint8Array(WEEK_SLOTS);
  for (let m = 0; m < 7 * 1440; m++) perBucket[Math.floor(m / SLOT_MINUTES)]! += openMinute[m]!;
  return perBucket;
}

/** Buckets of the day (0…95) that come within the guard of the batch close. */
function guardedBuckets(batchClose: SuggestWindowInput['batchClose']): Uint8Array {
  const guarded = new Uint8Array(SLOTS_PER_DAY);
  if (!batchClose) return guarded;
  const at = parseClock(batchClose.at);
  const guard = batchClose.guardMinutes ?? 30;
  if (at === null) throw new RangeError(`batchClose.at must be a local time 'HH:MM'; got "${batchClose.at}"`);
  if (!(guard >= 0 && guard <= 720)) throw new RangeError(`batchClose.guardMinutes must be from 0 to 720; got ${guard}`);
  // The forbidden stretch is [at - guard, at + guard), at least the batch close minute itself.
  for (let m = at - guard; m < Math.max(at + guard, at + 1); m++) guarded[Math.floor((((m % 1440) + 1440) % 1440) / SLOT_MINUTES)] = 1;
  return guarded;
}

const prefix = (values: ArrayLike<number>): Float64Array => {
  const sums = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) sums[i + 1] = sums[i]! + values[i]!;
  return sums;
};

interface Candidate {
  index: number;
  cost: number;
  loss: number;
  transactions: number;
  openMinutes: number;
  margin: number;
  quietDistance: number;
}

/** The best maintenance windows for one site, best first; see the module comment for the ranking. */
export function suggestWindow(input: SuggestWindowInput): Suggestion {
  const { timeZone, durationMinutes: length, now } = input;
  const days = input.days ?? 7;
  const top = input.top ?? 5;
  const preference = input.preference ?? 'outside-opening-hours';
  const marginCap = input.marginCapMinutes ?? 120;
  const quiet = parseClock(input.quietTime ?? '03:00');
  if (!isTimeZone(timeZone)) throw new RangeError(`timeZone: "${timeZone}" is not an IANA time zone`);
  if (!Number.isInteger(length) || length < 1 || length > 1440) throw new RangeError(`durationMinutes must be a whole number from 1 to 1440; got ${length}`);
  if (!Number.isInteger(days) || days < 1 || days > 62) throw new RangeError(`days must be a whole number from 1 to 62; got ${days}`);
  if (!Number.isInteger(top) || top < 1 || top > 100) throw new RangeError(`top must be a whole number from 1 to 100; got ${top}`);
  if (quiet === null) throw new RangeError(`quietTime must be a local time 'HH:MM'; got "${input.quietTime}"`);
  if (!(marginCap >= 0)) throw new RangeError(`marginCapMinutes must be ≥ 0; got ${marginCap}`);

  const history = input.history;
  const hasHistory = history !== undefined && (isWeeklyProfile(history) || isAggregated(history) || history.length > 0);
  const profile = !hasHistory ? null : isWeeklyProfile(history) ? history : weeklyProfile(history, timeZone, input.historyRange);
  const basis: Suggestion['basis'] = profile ? 'history' : input.openingHours ? 'opening-hours' : 'none';
  const openPerBucket = openMinutesPerBucket(input.openingHours ?? {});
  const guarded = guardedBuckets(input.batchClose);

  // Slots along the horizon, padded on both sides so that the distance from trade can be measured.
  const span = Math.ceil(length / SLOT_MINUTES);
  const lastFraction = (length - (span - 1) * SLOT_MINUTES) / SLOT_MINUTES;
  const pad = Math.ceil(marginCap / SLOT_MINUTES) + 1;
  const count = days * SLOTS_PER_DAY;
  const total = pad + count + span + pad;
  const firstStart = Math.ceil(now.getTime() / SLOT_MS) * SLOT_MS;
  const slotStart = (i: number) => firstStart + (i - pad) * SLOT_MS;
  const revenue = new Float64Array(total);
  const transactions = new Float64Array(total);
  const open = new Float64Array(total);
  const blocked = new Float64Array(total);
  const active = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    const p = wallParts(toWall(slotStart(i), timeZone));
    const quarter = Math.floor(p.minuteOfDay / SLOT_MINUTES);
    const bucket = p.weekday * SLOTS_PER_DAY + quarter;
    revenue[i] = profile?.revenueMinor[bucket] ?? 0;
    transactions[i] = profile?.transactions[bucket] ?? 0;
    open[i] = openPerBucket[bucket]!;
    blocked[i] = guarded[quarter]!;
    active[i] = open[i]! > 0 || transactions[i]! > 1e-9 ? 1 : 0;
  }
  const revenueSum = prefix(revenue);
  const transactionsSum = prefix(transactions);
  const openSum = prefix(open);
  const blockedSum = prefix(blocked);
  // Quiet slots just before slot i, and just after slot i, counted up to the pad.
  const quietBefore = new Int32Array(total);
  const quietAfter = new Int32Array(total);
  for (let i = 1; i < total; i++) quietBefore[i] = active[i - 1] ? 0 : Math.min(pad, quietBefore[i - 1]! + 1);
  for (let i = total - 2; i >= 0; i--) quietAfter[i] = active[i + 1] ? 0 : Math.min(pad, quietAfter[i + 1]! + 1);

  const windowSum = (sums: Float64Array, values: Float64Array, i: number) =>
    sums[i + span - 1]! - sums[i]! + values[i + span - 1]! * lastFraction;

  const matching: Candidate[] = [];
  const others: Candidate[] = [];
  for (let c = 0; c < count; c++) {
    const i = pad + c;
    if (blockedSum[i + span]! - blockedSum[i]! > 0) continue;
    const loss = windowSum(revenueSum, revenue, i);
    const expected = windowSum(transactionsSum, transactions, i);
    const openMinutes = windowSum(openSum, open, i);
    const inside = openSum[i + span]! - openSum[i]! >= span * SLOT_MINUTES;
    const middle = wallParts(toWall(slotStart(i) + (length / 2) * MINUTE_MS, timeZone)).minuteOfDay;
    const fromQuiet = Math.abs(middle - quiet);
    const candidate: Candidate = {
      index: i, loss, transactions: expected, openMinutes,
      cost: basis === 'history' ? Math.round(loss) : basis === 'opening-hours' ? Math.round(openMinutes) : 0,
      margin: Math.min(marginCap, Math.min(quietBefore[i]!, quietAfter[i + span - 1]!) * SLOT_MINUTES),
      quietDistance: Math.min(fromQuiet, 1440 - fromQuiet),
    };
    const meets = preference === 'any' || (preference === 'outside-opening-hours' ? openMinutes === 0 : inside);
    (meets ? matching : others).push(candidate);
  }
  const preferenceMet = matching.length > 0;
  const pool = preferenceMet ? matching : others;
  pool.sort((a, b) => a.cost - b.cost || b.margin - a.margin || a.quietDistance - b.quietDistance || a.index - b.index);

  // A window recurs: the same hours on another night are the same choice, not an alternative. Each one
  // chosen must not overlap another in time of day (nor in time); fewer than `top` when no more exist.
  const localStart = (c: Candidate) => wallParts(toWall(slotStart(c.index), timeZone)).minuteOfDay;
  const apart = (a: number, b: number) => Math.min(Math.abs(a - b), 1440 - Math.abs(a - b));
  const chosen: Candidate[] = [];
  for (const candidate of pool) {
    if (chosen.length >= top) break;
    const start = localStart(candidate);
    if (chosen.every((other) => Math.abs(other.index - candidate.index) >= span && apart(localStart(other), start) >= Math.min(length, 720))) chosen.push(candidate);
  }
  return {
    basis,
    timeZone,
    candidates: chosen.map((c): SuggestedWindow => {
      const start = slotStart(c.index);
      const end = start + length * MINUTE_MS;
      const known = basis === 'history' || (basis === 'opening-hours' && c.openMinutes === 0);
      return {
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        localStart: formatLocal(start, timeZone),
        localEnd: formatLocal(end, timeZone),
        expectedLossMinor: known ? Math.round(c.loss) : null,
        expectedTransactions: known ? Math.round(c.transactions * 10) / 10 : null,
        openMinutes: Math.round(c.openMinutes),
        preferenceMet,
      };
    }),
  };
}
