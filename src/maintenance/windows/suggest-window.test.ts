// Suggested maintenance windows from a site's trade: a simulated café, the fallback to opening hours,
// the batch close, and the weekly averaging.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/prng.ts';
import { DAY_MS, fromWall, localParts, wallParts } from './time-zone.ts';
import { suggestWindow, weeklyProfile, type OpeningHours, type Transaction } from './suggest-window.ts';

const ZONE = 'Europe/Paris';
const DAILY = (open: string, close: string): OpeningHours =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open, close }]]));

/** Poisson-distributed count (Knuth), enough for the small rates of a café's quarter hours. */
function poisson(random: () => number, rate: number): number {
  const limit = Math.exp(-rate);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

/**
 * Weeks of a café in Paris that trades 07:00–10:00 and 12:00–14:00 every day, busiest at the top of each
 * rush and quieter at weekends, with the odd sale between the rushes and before closing at 15:00.
 */
function cafeHistory(weeks: number, lastLocalDay: number): Transaction[] {
  const random = seededRandom('café');
  const sales: Transaction[] = [];
  for (let day = lastLocalDay - weeks * 7; day < lastLocalDay; day++) {
    const weekend = wallParts(day * DAY_MS).weekday >= 5;
    for (let quarter = 0; quarter < 96; quarter++) {
      const hour = quarter / 4;
      const rush = hour >= 7 && hour < 10 ? 6 - Math.abs(hour - 8) * 2.5
        : hour >= 12 && hour < 14 ? 8 - Math.abs(hour - 12.75) * 4
        : (hour >= 10 && hour < 12) || (hour >= 14 && hour < 15) ? 0.3 : 0;
      const n = rush === 0 ? 0 : poisson(random, Math.max(0.3, rush) * (weekend ? 0.7 : 1));
      for (let i = 0; i < n; i++) {
        const wall = day * DAY_MS + (quarter * 15 + random() * 15) * 60_000;
        sales.push({ at: new Date(fromWall(wall, ZONE)).toISOString(), amountMinor: 250 + Math.floor(random() * 900) });
      }
    }
  }
  return sales;
}

const NOW = new Date('2026-06-15T10:17:00Z'); // a Monday, mid-morning rush in Paris

describe('suggesting a maintenance window from transaction history', () => {
  const history = cafeHistory(8, Date.UTC(2026, 5, 15) / DAY_MS);
  const suggestion = suggestWindow({
    timeZone: ZONE, durationMinutes: 60, now: NOW, days: 7, preference: 'outside-opening-hours',
    openingHours: DAILY('07:00', '15:00'), history, batchClose: { at: '23:30', guardMinutes: 30 },
  });
  const [best, ...alternatives] = suggestion.candidates;

  it('puts the café’s 60-minute window at night, clear of the 23:30 batch close', () => {
    expect(suggestion.basis).toBe('history');
    const start = localParts(new Date(best!.start).getTime(), ZONE);
    const end = localParts(new Date(best!.end).getTime(), ZONE);
    expect(start.hour).toBeGreaterThanOrEqual(0);
    expect(end.minuteOfDay).toBeLessThanOrEqual(6 * 60);
    expect(best!.expectedLossMinor).toBe(0);
    expect(best!.expectedTransactions).toBe(0);
    expect(best!.localStart).toMatch(/T02:30:00\+02:00$/);
    expect(new Date(best!.end).getTime() - new Date(best!.start).getTime()).toBe(60 * 60_000);
  });

  it('lists non-overlapping alternatives with their losses, none better than the best', () => {
    expect(alternatives).toHaveLength(4);
    for (const alternative of alternatives) {
      expect(alternative.expectedLossMinor).toBeGreaterThanOrEqual(best!.expectedLossMinor!);
      expect(alternative.preferenceMet).toBe(true);
    }
    const spans = suggestion.candidates.map((c) => [Date.parse(c.start), Date.parse(c.end)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('offers distinct choices: no alternative is the same hours on another night', () => {
    const minutes = suggestion.candidates.map((c) => localParts(Date.parse(c.start), ZONE).minuteOfDay);
    for (const [i, a] of minutes.entries()) {
      for (const b of minutes.slice(i + 1)) expect(Math.min(Math.abs(a - b), 1440 - Math.abs(a - b)), `${a} and ${b}`).toBeGreaterThanOrEqual(60);
    }
    // All still outside the opening hours and clear of the batch close.
    for (const c of suggestion.candidates) expect(c.openMinutes).toBe(0);
  });

  it('returns fewer windows rather than repeat the same hours when the quiet part of the day has no more room', () => {
    const long = suggestWindow({ timeZone: ZONE, durationMinutes: 480, now: NOW, days: 7, openingHours: DAILY('07:00', '15:00'), history, top: 5 });
    // 15:00–07:00 holds two 8-hour windows that do not overlap in time of day.
    expect(long.candidates.length).toBeLessThanOrEqual(2);
    expect(long.candidates.length).toBeGreaterThanOrEqual(1);
  });

  it('never lets a window come within the guard of the batch close, even when that is the quietest time', () => {
    const late = suggestWindow({
      timeZone: ZONE, durationMinutes: 60, now: NOW, days: 3, preference: 'any', history,
      batchClose: { at: '03:00', guardMinutes: 30 }, top: 20,
    });
    for (const c of late.candidates) {
      const s = localParts(Date.parse(c.start), ZONE).minuteOfDay;
      const e = s + 60;
      const touches = (m: number) => m > 150 && m < 210; // 02:30–03:30 local
      expect(touches(s) || touches(e) || (s <= 150 && e >= 210)).toBe(false);
    }
  });

  it('inside opening hours, picks the lull between the rushes and prices each alternative', () => {
    const inside = suggestWindow({
      timeZone: ZONE, durationMinutes: 60, now: NOW, days: 7, preference: 'inside-opening-hours',
      openingHours: DAILY('07:00', '15:00'), history,
    });
    const [first, ...rest] = inside.candidates;
    const start = localParts(Date.parse(first!.start), ZONE).minuteOfDay;
    expect([start >= 10 * 60 && start + 60 <= 12 * 60, start >= 14 * 60 && start + 60 <= 15 * 60]).toContain(true);
    expect(first!.expectedLossMinor).toBeGreaterThan(0);
    expect(first!.openMinutes).toBe(60);
    for (const c of rest) expect(c.expectedLossMinor).toBeGreaterThanOrEqual(first!.expectedLossMinor!);
  });
});

describe('suggesting a window without history', () => {
  it('falls back to opening hours: outside them costs nothing', () => {
    const suggestion = suggestWindow({
      timeZone: 'Asia/Shanghai', durationMinutes: 90, now: new Date('2026-06-15T02:00:00Z'),
      openingHours: DAILY('09:00', '21:00'), batchClose: { at: '23:30' },
    });
    expect(suggestion.basis).toBe('opening-hours');
    expect(suggestion.candidates[0]).toMatchObject({ expectedLossMinor: 0, expectedTransactions: 0, openMinutes: 0, preferenceMet: true });
    expect(suggestion.candidates[0]!.localStart).toMatch(/T02:15:00\+08:00$/);
  });

  it('cannot price a window inside opening hours, and says so with null', () => {
    const suggestion = suggestWindow({
      timeZone: 'Asia/Shanghai', durationMinutes: 30, now: new Date('2026-06-15T02:00:00Z'),
      openingHours: DAILY('09:00', '21:00'), preference: 'inside-opening-hours', top: 1,
    });
    expect(suggestion.candidates[0]).toMatchObject({ expectedLossMinor: null, openMinutes: 30 });
  });

  it('still answers for a site open round the clock, marking that the preference could not be met', () => {
    const suggestion = suggestWindow({
      timeZone: 'UTC', durationMinutes: 60, now: new Date('2026-06-15T00:00:00Z'), openingHours: DAILY('00:00', '24:00'), top: 2,
    });
    expect(suggestion.candidates).toHaveLength(2);
    expect(suggestion.candidates.every((c) => !c.preferenceMet && c.openMinutes === 60)).toBe(true);
  });

  it('keeps a window at its length in real time on the night the clocks go forward', () => {
    const suggestion = suggestWindow({
      timeZone: 'Europe/London', durationMinutes: 60, now: new Date('2026-03-28T12:00:00Z'), days: 1, quietTime: '01:00', top: 1,
    });
    expect(suggestion.basis).toBe('none');
    expect(suggestion.candidates[0]).toMatchObject({
      start: '2026-03-29T00:15:00.000Z', end: '2026-03-29T01:15:00.000Z',
      localStart: '2026-03-29T00:15:00+00:00', localEnd: '2026-03-29T02:15:00+01:00', expectedLossMinor: null,
    });
  });

  it('rejects a window longer than a day and an unknown time zone', () => {
    expect(() => suggestWindow({ timeZone: 'UTC', durationMinutes: 1441, now: NOW })).toThrow(/durationMinutes/);
    expect(() => suggestWindow({ timeZone: 'Nowhere/Land', durationMinutes: 60, now: NOW })).toThrow(/timeZone/);
  });
});

describe('the weekly profile', () => {
  it('averages each bucket over the weeks seen, so a quiet week counts as quiet', () => {
    const profile = weeklyProfile(
      [{ at: '2026-06-01T09:05:00Z', amountMinor: 1000 }], 'UTC',
      { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-14T23:59:00Z') },
    );
    expect(profile.weeksSeen).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(profile.revenueMinor[0 * 96 + 36]).toBe(500); // Monday 09:00–09:15
    expect(profile.transactions[0 * 96 + 36]).toBe(0.5);
  });

  it('buckets in local time, on both sides of a daylight-saving change', () => {
    const profile = weeklyProfile([
      { at: '2026-03-28T08:00:00Z', amountMinor: 100 }, // Saturday 08:00 GMT
      { at: '2026-03-29T07:00:00Z', amountMinor: 100 }, // Sunday 08:00 BST
    ], 'Europe/London');
    expect(profile.revenueMinor[5 * 96 + 32]).toBe(100);
    expect(profile.revenueMinor[6 * 96 + 32]).toBe(100);
  });

  it('accepts counts aggregated by the database', () => {
    const profile = weeklyProfile({ weeks: 4, buckets: [{ day: 'fri', time: '18:00', transactions: 40, amountMinor: 20_000 }] }, 'UTC');
    expect(profile.transactions[4 * 96 + 72]).toBe(10);
    expect(profile.revenueMinor[4 * 96 + 72]).toBe(5000);
  });
});
