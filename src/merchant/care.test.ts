import { describe, expect, it } from 'vitest';
import { answerable, currentDue, DAY_MS, occurrencesIn, outcomeAt } from './care.ts';

const anchor = Date.parse('2026-03-01T16:00:00Z'); // Monday 00:00 in Shanghai
const daily = { anchorMs: anchor, intervalMs: DAY_MS };

describe('daily care occurrences', () => {
  it('is due at the end of each day, counted from the plan start', () => {
    expect(new Date(currentDue(daily, anchor + 10 * 3_600_000)).toISOString()).toBe('2026-03-02T16:00:00.000Z');
    expect(new Date(currentDue(daily, anchor - DAY_MS)).toISOString()).toBe('2026-03-02T16:00:00.000Z');
    expect(occurrencesIn(daily, anchor, anchor + 7 * DAY_MS + 1).length).toBe(7);
    expect(occurrencesIn(daily, anchor + DAY_MS, anchor + 2 * DAY_MS)).toEqual([anchor + DAY_MS]);
  });

  it('takes an answer during its day and a little after, never for another day', () => {
    const due = anchor + 2 * DAY_MS;
    expect(answerable(daily, due, due - 3_600_000)).toBe(true);
    expect(answerable(daily, due, due + 3_600_000)).toBe(true);
    expect(answerable(daily, due, due + 5 * 3_600_000)).toBe(false);
    expect(answerable(daily, due, due - DAY_MS - 1)).toBe(false);
    expect(answerable(daily, due + 1000, due)).toBe(false);
  });

  it('is missed once its grace is over without an answer', () => {
    const due = anchor + DAY_MS;
    expect(outcomeAt(daily, due, undefined, due)).toBe('open');
    expect(outcomeAt(daily, due, undefined, due + 3 * 3_600_000)).toBe('missed');
    expect(outcomeAt(daily, due, 'could_not', due + 3 * 3_600_000)).toBe('could_not');
  });
});
