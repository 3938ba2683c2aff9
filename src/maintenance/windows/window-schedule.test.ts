// Maintenance window definitions: validation messages, occurrences across daylight-saving changes,
// the window open at an instant, whether work may start, and contradicting windows of one target.
import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../shared/messages/format.ts';
import { formatLocal } from './time-zone.ts';
import { conflicts } from './window-conflicts.ts';
import { MAX_OCCURRENCES, WindowDefinitionError, type WindowDef } from './window-definition.ts';
import { canStartWithin, nextOccurrence, occurrences, validateWindow, windowAt } from './window-schedule.ts';

const at = (iso: string) => new Date(iso);
const local = (def: WindowDef & { timeZone: string }, from: string, to: string) =>
  occurrences(def, at(from), at(to)).map((o) => formatLocal(o.start.getTime(), def.timeZone));
const NOW = at('2026-03-01T12:00:00Z');

describe('validating a window definition', () => {
  it('accepts the examples of the issue', () => {
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=2;BYMINUTE=0', durationMinutes: 120, timeZone: 'Europe/London' }, NOW)).toEqual([]);
    expect(validateWindow({ kind: 'cron', cron: '0 2 * * 1-5', durationMinutes: 120, timeZone: 'Asia/Shanghai' }, NOW)).toEqual([]);
    expect(validateWindow({ kind: 'once', start: '2026-03-02T01:00:00Z', durationMinutes: 60 }, NOW)).toEqual([]);
  });

  it('names the field and says what is wrong with an unreadable RRULE', () => {
    const problems = validateWindow({ kind: 'rrule', rrule: 'FREQ=SOMETIMES;BYHOUR=25;COUNT=3', durationMinutes: 60, timeZone: 'Europe/London' }, NOW);
    expect(problems).toMatchObject([
      { field: 'rrule', reason: 'FREQ=SOMETIMES is not one of YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY' },
      { field: 'rrule', reason: 'BYHOUR value "25" must be from 0 to 23' },
      { field: 'rrule', reason: 'COUNT is not supported: a window repeats for ever or until UNTIL' },
    ]);
    expect(validateWindow({ kind: 'rrule', rrule: 'BYHOUR=2', durationMinutes: 60, timeZone: 'UTC' }, NOW))
      .toMatchObject([{ field: 'rrule', reason: 'FREQ is required, e.g. FREQ=WEEKLY' }]);
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=XX', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/^BYDAY value "XX" must be a day code/);
    expect(validateWindow({ kind: 'rrule', rrule: 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/give only the RRULE part/);
  });

  it('names the cron field and keeps the parser’s explanation', () => {
    expect(validateWindow({ kind: 'cron', cron: '0 24 * * *', durationMinutes: 60, timeZone: 'UTC' }, NOW))
      .toMatchObject([{ field: 'cron', reason: 'is not a valid cron expression: Constraint error, got value 24 expected range 0-23' }]);
    expect(validateWindow({ kind: 'cron', cron: '0 2 * *', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/^must have five fields/);
    expect(validateWindow({ kind: 'cron', cron: 'H 2 * * *', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/predictable/);
  });

  it('rejects an unknown time zone', () => {
    expect(validateWindow({ kind: 'cron', cron: '0 2 * * *', durationMinutes: 60, timeZone: 'Mars/Olympus_Mons' }, NOW))
      .toMatchObject([{ field: 'timeZone', reason: 'must be an IANA time zone such as Europe/London; got "Mars/Olympus_Mons"' }]);
  });

  it('rejects zero, negative, fractional and longer-than-a-day durations', () => {
    const base = { kind: 'cron', cron: '0 2 * * *', timeZone: 'UTC' } as const;
    expect(validateWindow({ ...base, durationMinutes: 0 }, NOW)).toMatchObject([{ field: 'durationMinutes', reason: 'must be more than 0 minutes; got 0' }]);
    expect(validateWindow({ ...base, durationMinutes: -30 }, NOW)).toMatchObject([{ field: 'durationMinutes', reason: 'must be more than 0 minutes; got -30' }]);
    expect(validateWindow({ ...base, durationMinutes: 1441 }, NOW)).toMatchObject([{ field: 'durationMinutes', reason: 'must be at most 24 hours (1440 minutes); got 1441' }]);
    expect(validateWindow({ ...base, durationMinutes: 1.5 }, NOW)[0]?.field).toBe('durationMinutes');
    expect(validateWindow({ ...base, durationMinutes: 1440 }, NOW)).toEqual([]);
  });

  it('rejects a one-off window that is over, but not one that is still open', () => {
    expect(validateWindow({ kind: 'once', start: '2026-02-28T22:00:00Z', durationMinutes: 60 }, NOW)).toMatchObject([{
      field: 'start',
      reason: 'the window ended at 2026-02-28T23:00:00.000Z, before now (2026-03-01T12:00:00.000Z); a one-off window must end in the future',
    }]);
    expect(validateWindow({ kind: 'once', start: '2026-03-01T11:30:00Z', durationMinutes: 60 }, NOW)).toEqual([]);
  });

  it('wants a one-off start with its offset, so that it cannot be read in the server’s zone', () => {
    expect(validateWindow({ kind: 'once', start: '2026-03-02T01:00:00', durationMinutes: 60 }, NOW)[0]?.field).toBe('start');
  });

  it('rejects rules that never open again and windows longer than the gap between them', () => {
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', durationMinutes: 60, timeZone: 'UTC' }, NOW))
      .toMatchObject([{ field: 'rrule', reason: 'produces no maintenance window in the year after now' }]);
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=DAILY;UNTIL=20250101', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0]?.field).toBe('rrule');
    const [problem] = validateWindow({ kind: 'cron', cron: '0 * * * *', durationMinutes: 90, timeZone: 'UTC' }, NOW);
    expect(problem?.field).toBe('durationMinutes');
    expect(problem?.reason).toMatch(/^90 minutes is longer than the 60 minutes between the windows/);
  });

  // A search to the year 9999 would not end within the test's time limit.
  it('rejects rules that can never match, instead of searching to the year 9999', () => {
    for (const rrule of ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;INTERVAL=7;BYDAY=MO', 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6']) {
      expect(validateWindow({ kind: 'rrule', rrule, durationMinutes: 30, timeZone: 'UTC' }, NOW)[0]?.reason).toMatch(/^never produces a window/);
    }
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=HOURLY;INTERVAL=2;BYHOUR=3', durationMinutes: 30, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/no BYHOUR value is a multiple of INTERVAL=2/);
    expect(validateWindow({ kind: 'rrule', rrule: 'FREQ=HOURLY;INTERVAL=5', durationMinutes: 30, timeZone: 'UTC' }, NOW)[0]?.reason)
      .toMatch(/INTERVAL must divide 24/);
  });

  it('names each problem\'s catalogue entry, so a person reads it in their language', () => {
    const base = { kind: 'cron', cron: '0 2 * * *', timeZone: 'UTC' } as const;
    expect(validateWindow({ ...base, durationMinutes: 0 }, NOW)).toEqual([{ field: 'durationMinutes', reason: 'must be more than 0 minutes; got 0', key: 'maintenance.duration_not_positive', params: { minutes: 0 } }]);
    expect(validateWindow({ ...base, timeZone: 'Mars/Olympus_Mons', durationMinutes: 60 }, NOW)[0]).toMatchObject({ key: 'maintenance.time_zone_invalid', params: { zone: 'Mars/Olympus_Mons' } });
    expect(validateWindow({ kind: 'once', start: '2026-02-28T22:00:00Z', durationMinutes: 60 }, NOW)[0]).toMatchObject({ key: 'maintenance.once_ended', params: { end: '2026-02-28T23:00:00.000Z' } });
    expect(validateWindow({ kind: 'cron', cron: '0 * * * *', durationMinutes: 90, timeZone: 'UTC' }, NOW)[0]).toMatchObject({ key: 'maintenance.duration_over_gap', params: { minutes: 90, gap: 60 } });
    expect(validateWindow({ kind: 'rrule', rrule: 'BYHOUR=2', durationMinutes: 60, timeZone: 'UTC' }, NOW)[0])
      .toMatchObject({ key: 'maintenance.schedule.freq_required', params: {} });
  });

  // Each problem of a rule or cron text has its own entry with the part, the value and what is allowed, and
  // the English catalogue text is still "The recurrence rule cannot be used: " + the English reason.
  it('says each problem of an RRULE or cron text from its own catalogue entry, the English unchanged', () => {
    const cases: [WindowDef, string, Record<string, unknown>][] = [
      [{ kind: 'rrule', rrule: '', durationMinutes: 60, timeZone: 'UTC' }, 'rrule_empty', {}],
      [{ kind: 'rrule', rrule: 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY', durationMinutes: 60, timeZone: 'UTC' }, 'rrule_lines', {}],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;FREQ=WEEKLY', durationMinutes: 60, timeZone: 'UTC' }, 'part_twice', { part: 'FREQ' }],
      [{ kind: 'rrule', rrule: 'BYHOUR=2', durationMinutes: 60, timeZone: 'UTC' }, 'freq_required', {}],
      [{ kind: 'rrule', rrule: 'FREQ=SECONDLY', durationMinutes: 60, timeZone: 'UTC' }, 'freq_secondly', {}],
      [{ kind: 'rrule', rrule: 'FREQ=SOMETIMES', durationMinutes: 60, timeZone: 'UTC' }, 'freq_unknown', { value: 'SOMETIMES', allowed: 'YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;COUNT=3', durationMinutes: 60, timeZone: 'UTC' }, 'count_unsupported', {}],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;TZID=UTC', durationMinutes: 60, timeZone: 'UTC' }, 'part_not_used', { part: 'TZID' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;INTERVAL=0', durationMinutes: 60, timeZone: 'UTC' }, 'interval_range', { value: '0' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;UNTIL=20260230', durationMinutes: 60, timeZone: 'UTC' }, 'until_invalid', { value: '20260230' }],
      [{ kind: 'rrule', rrule: 'FREQ=WEEKLY;WKST=XX', durationMinutes: 60, timeZone: 'UTC' }, 'wkst_invalid', { value: 'XX', allowed: 'MO, TU, WE, TH, FR, SA, SU' }],
      [{ kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=XX', durationMinutes: 60, timeZone: 'UTC' }, 'byday_invalid', { value: 'XX' }],
      [{ kind: 'rrule', rrule: 'FREQ=MONTHLY;BYDAY=60MO', durationMinutes: 60, timeZone: 'UTC' }, 'byday_ordinal_range', { value: '60MO' }],
      [{ kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=1MO', durationMinutes: 60, timeZone: 'UTC' }, 'byday_ordinal_freq', { value: '1MO' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=25', durationMinutes: 60, timeZone: 'UTC' }, 'number_range', { part: 'BYHOUR', value: '25', min: 0, max: 23, signed: 'no' }],
      [{ kind: 'rrule', rrule: 'FREQ=MONTHLY;BYMONTHDAY=32', durationMinutes: 60, timeZone: 'UTC' }, 'number_range', { part: 'BYMONTHDAY', value: '32', min: 1, max: 31, signed: 'yes' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;BYEASTER=1', durationMinutes: 60, timeZone: 'UTC' }, 'part_unknown', { part: 'BYEASTER' }],
      [{ kind: 'rrule', rrule: 'FREQ=HOURLY;INTERVAL=1000', durationMinutes: 30, timeZone: 'UTC' }, 'hourly_interval', { interval: '1000' }],
      [{ kind: 'rrule', rrule: 'FREQ=HOURLY;INTERVAL=2;BYHOUR=3', durationMinutes: 30, timeZone: 'UTC' }, 'hourly_never', { interval: '2' }],
      [{ kind: 'rrule', rrule: 'FREQ=MINUTELY;INTERVAL=7', durationMinutes: 5, timeZone: 'UTC' }, 'minutely_interval', { interval: '7' }],
      [{ kind: 'rrule', rrule: 'FREQ=MINUTELY;INTERVAL=30;BYMINUTE=10', durationMinutes: 5, timeZone: 'UTC' }, 'minutely_never', { interval: '30' }],
      [{ kind: 'rrule', rrule: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', durationMinutes: 60, timeZone: 'UTC' }, 'rrule_never', {}],
      [{ kind: 'cron', cron: '0 2 * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_field_count', { text: '0 2 * *' }],
      [{ kind: 'cron', cron: 'H 2 * * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_hashed', {}],
      [{ kind: 'cron', cron: '0 24 * * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_out_of_range', { kind: 'value', value: '24', min: 0, max: 23 }],
      [{ kind: 'cron', cron: '0 20-25 * * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_out_of_range', { kind: 'range', value: '20-25', min: 0, max: 23 }],
      [{ kind: 'cron', cron: '0 2 * * FOO', durationMinutes: 60, timeZone: 'UTC' }, 'cron_unknown_name', { name: 'foo' }],
      [{ kind: 'cron', cron: '0 x * * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_characters', { value: 'x' }],
      [{ kind: 'cron', cron: '0 2 * * 5-1', durationMinutes: 60, timeZone: 'UTC' }, 'cron_range_reversed', { from: '5', to: '1' }],
      [{ kind: 'cron', cron: '*/0 2 * * *', durationMinutes: 60, timeZone: 'UTC' }, 'cron_step', { step: '0' }],
      [{ kind: 'cron', cron: '0 2 * * 1#6', durationMinutes: 60, timeZone: 'UTC' }, 'cron_unreadable', { detail: 'Constraint error, invalid dayOfWeek occurrence number (#)' }],
    ];
    for (const [def, key, params] of cases) {
      const [problem] = validateWindow(def, NOW);
      expect(problem, key).toMatchObject({ field: def.kind, key: `maintenance.schedule.${key}`, params });
      const prefix = def.kind === 'rrule' ? 'The recurrence rule cannot be used: ' : 'The cron expression cannot be used: ';
      expect(formatMessage('en', problem!.key, problem!.params), key).toBe(prefix + problem!.reason);
      expect(formatMessage('zh-CN', problem!.key, problem!.params), key).toMatch(/^(重复规则|cron 表达式)无法使用：/);
    }
  });

  it('refuses to compute occurrences of an invalid definition', () => {
    expect(() => occurrences({ kind: 'cron', cron: 'nope', durationMinutes: 60, timeZone: 'UTC' }, NOW, at('2026-03-02T00:00:00Z')))
      .toThrow(WindowDefinitionError);
  });
});

describe('occurrences in local time', () => {
  it('keeps a 02:00 cron window at 02:00 London time across the spring-forward change', () => {
    const def = { kind: 'cron', cron: '0 2 * * *', durationMinutes: 60, timeZone: 'Europe/London' } as const;
    expect(occurrences(def, at('2026-03-28T00:00:00Z'), at('2026-03-30T12:00:00Z')).map((o) => o.start.toISOString())).toEqual([
      '2026-03-28T02:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z',
    ]);
  });

  it('keeps a weekly RRULE window at 02:00 New York time across both changes', () => {
    const def = { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0', durationMinutes: 60, timeZone: 'America/New_York' } as const;
    expect(local(def, '2026-03-01T00:00:00Z', '2026-03-17T00:00:00Z')).toEqual(['2026-03-02T02:00:00-05:00', '2026-03-09T02:00:00-04:00', '2026-03-16T02:00:00-04:00']);
    expect(local(def, '2026-10-26T00:00:00Z', '2026-11-10T00:00:00Z')).toEqual(['2026-10-26T02:00:00-04:00', '2026-11-02T02:00:00-05:00', '2026-11-09T02:00:00-05:00']);
  });

  it('moves a start that the spring-forward change skips later by the gap (01:30 London → 02:30 BST)', () => {
    const def = { kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', durationMinutes: 60, timeZone: 'Europe/London' } as const;
    expect(local(def, '2026-03-28T00:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00+00:00', '2026-03-29T02:30:00+01:00', '2026-03-30T01:30:00+01:00',
    ]);
  });

  it('moves a skipped New York start (02:30 on 8 March) to 03:30 EDT', () => {
    const def = { kind: 'cron', cron: '30 2 * * *', durationMinutes: 30, timeZone: 'America/New_York' } as const;
    expect(occurrences(def, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z')).map((o) => o.start.toISOString())).toEqual(['2026-03-08T07:30:00.000Z']);
  });

  it('opens a window whose local time happens twice on the fall-back day once, at the first', () => {
    const london = { kind: 'cron', cron: '30 1 * * *', durationMinutes: 60, timeZone: 'Europe/London' } as const;
    expect(local(london, '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual(['2026-10-25T01:30:00+01:00', '2026-10-26T01:30:00+00:00']);
    const newYork = { kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', durationMinutes: 60, timeZone: 'America/New_York' } as const;
    expect(occurrences(newYork, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')).map((o) => o.start.toISOString())).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('lasts its duration in real time, even across a change', () => {
    const def = { kind: 'cron', cron: '0 0 * * *', durationMinutes: 240, timeZone: 'Europe/London' } as const;
    const [o] = occurrences(def, at('2026-10-25T00:00:00Z'), at('2026-10-25T06:00:00Z'));
    expect(o!.end.getTime() - o!.start.getTime()).toBe(240 * 60_000);
    expect(formatLocal(o!.end.getTime(), 'Europe/London')).toBe('2026-10-25T03:00:00+00:00');
  });

  it('includes a window that opened before the range and is still open in it', () => {
    const def = { kind: 'cron', cron: '0 23 * * *', durationMinutes: 180, timeZone: 'UTC' } as const;
    expect(occurrences(def, at('2026-03-02T01:00:00Z'), at('2026-03-02T02:00:00Z')).map((o) => o.start.toISOString())).toEqual(['2026-03-01T23:00:00.000Z']);
  });

  it('is bounded in span and in count', () => {
    const everyMinute = { kind: 'cron', cron: '* * * * *', durationMinutes: 1, timeZone: 'UTC' } as const;
    expect(() => occurrences(everyMinute, NOW, at('2026-03-10T00:00:00Z'))).toThrow(`more than ${MAX_OCCURRENCES} maintenance windows`);
    expect(() => occurrences({ ...everyMinute, cron: '0 2 * * *' }, NOW, at('2028-01-01T00:00:00Z'))).toThrow(/at most 400 days/);
  });

  it('gives a one-off window once, if it touches the range', () => {
    const def = { kind: 'once', start: '2026-03-02T01:00:00+08:00', durationMinutes: 45 } as const;
    expect(occurrences(def, NOW, at('2026-03-03T00:00:00Z'))).toEqual([{ start: at('2026-03-01T17:00:00Z'), end: at('2026-03-01T17:45:00Z') }]);
    expect(occurrences(def, at('2026-03-01T17:45:00Z'), at('2026-03-03T00:00:00Z'))).toEqual([]);
  });
});

describe('the window open at an instant', () => {
  const def = { kind: 'cron', cron: '0 2 * * *', durationMinutes: 120, timeZone: 'Europe/London' } as const;

  it('finds the occurrence containing the instant, start included and end excluded', () => {
    expect(windowAt(def, at('2026-03-29T01:00:00Z'))).toEqual({ start: at('2026-03-29T01:00:00Z'), end: at('2026-03-29T03:00:00Z') });
    expect(windowAt(def, at('2026-03-29T02:59:59Z'))?.start).toEqual(at('2026-03-29T01:00:00Z'));
    expect(windowAt(def, at('2026-03-29T03:00:00Z'))).toBeNull();
  });

  it('tells the next window when none is open', () => {
    expect(nextOccurrence(def, at('2026-03-29T03:00:00Z'))?.start).toEqual(at('2026-03-30T01:00:00Z'));
    expect(nextOccurrence(def, at('2026-03-29T02:00:00Z'))?.start).toEqual(at('2026-03-29T01:00:00Z'));
  });
});

describe('starting planned work inside a window', () => {
  const window = { start: at('2026-03-02T02:00:00Z'), end: at('2026-03-02T04:00:00Z') };

  it('starts work that can finish before the window closes, and says how long it may still wait', () => {
    expect(canStartWithin(window, at('2026-03-02T02:30:00Z'), 60)).toEqual({ ok: true, latestStart: at('2026-03-02T03:00:00Z'), spareMinutes: 30 });
    expect(canStartWithin(window, at('2026-03-02T03:00:00Z'), 60).ok).toBe(true);
  });

  it('never starts work that would still be running when the window closes', () => {
    const check = canStartWithin(window, at('2026-03-02T03:01:00Z'), 60);
    expect(check).toMatchObject({ ok: false, reason: 'cannot_finish' });
    expect(!check.ok && check.message).toBe('60 minutes of work started now would end at 2026-03-02T04:01:00.000Z, after the window closes at 2026-03-02T04:00:00.000Z');
  });

  it('never starts outside the window', () => {
    expect(canStartWithin(window, at('2026-03-02T01:59:00Z'), 10)).toMatchObject({ ok: false, reason: 'window_not_open' });
    expect(canStartWithin(window, at('2026-03-02T04:00:00Z'), 0)).toMatchObject({ ok: false, reason: 'window_closed' });
  });

  it('never starts work that is longer than the whole window', () => {
    expect(canStartWithin(window, window.start, 121)).toMatchObject({ ok: false, reason: 'cannot_finish' });
  });
});

describe('contradicting windows of one target', () => {
  const from = at('2026-03-02T00:00:00Z');
  const to = at('2026-03-09T00:00:00Z');

  it('reports windows of one site that overlap, with the first overlap and how often', () => {
    const found = conflicts([
      { id: 'nightly', target: 'site-1', def: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 120, timeZone: 'Europe/London' } },
      { id: 'monday', target: 'site-1', def: { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=3;BYMINUTE=0', durationMinutes: 120, timeZone: 'Europe/London' } },
    ], from, to);
    expect(found).toEqual([{
      kind: 'overlap', target: 'site-1', ids: ['nightly', 'monday'], count: 1,
      first: { start: at('2026-03-02T03:00:00Z'), end: at('2026-03-02T04:00:00Z') },
      message: 'windows nightly and monday of site-1 overlap 1 time(s), first from 2026-03-02T03:00:00.000Z to 2026-03-02T04:00:00.000Z',
    }]);
  });

  it('does not count windows that only touch, nor windows of different targets', () => {
    expect(conflicts([
      { id: 'a', target: 'site-1', def: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 60, timeZone: 'UTC' } },
      { id: 'b', target: 'site-1', def: { kind: 'cron', cron: '0 3 * * *', durationMinutes: 60, timeZone: 'UTC' } },
      { id: 'c', target: 'site-2', def: { kind: 'cron', cron: '30 2 * * *', durationMinutes: 60, timeZone: 'UTC' } },
    ], from, to)).toEqual([]);
  });

  it('reports windows of one target read in different time zones', () => {
    const found = conflicts([
      { id: 'a', target: 'site-1', def: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 60, timeZone: 'Europe/London' } },
      { id: 'b', target: 'site-1', def: { kind: 'cron', cron: '0 12 * * *', durationMinutes: 60, timeZone: 'Asia/Shanghai' } },
    ], from, to);
    expect(found.map((c) => c.kind)).toEqual(['time_zone']);
  });
});
