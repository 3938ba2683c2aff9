// Wall-clock arithmetic: local ↔ UTC in IANA zones, and the rule for skipped and repeated local times.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, formatLocal, fromWall, isTimeZone, localParts, parseClock, toWall } from './time-zone.ts';

const wall = (iso: string) => Date.parse(`${iso}Z`);
const utc = (ms: number) => new Date(ms).toISOString();

describe('local time in a time zone', () => {
  it('turns every instant of a year into local time and back, wherever the clocks change', () => {
    const wrong: string[] = [];
    for (const zone of ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Asia/Shanghai']) {
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += HOUR_MS / 2) {
        const back = fromWall(toWall(ms, zone), zone);
        // In a repeated hour the wall time means its first occurrence, so the second one maps back earlier.
        if (back > ms || toWall(back, zone) !== toWall(ms, zone)) wrong.push(`${zone} ${utc(ms)} → ${utc(back)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads a skipped local time with the offset before the gap, and a repeated one as its first occurrence', () => {
    expect(utc(fromWall(wall('2026-03-29T01:30:00'), 'Europe/London'))).toBe('2026-03-29T01:30:00.000Z'); // 02:30 BST
    expect(utc(fromWall(wall('2026-10-25T01:30:00'), 'Europe/London'))).toBe('2026-10-25T00:30:00.000Z'); // 01:30 BST
    expect(utc(fromWall(wall('2026-03-08T02:30:00'), 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(utc(fromWall(wall('2026-11-01T01:30:00'), 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    // Lord Howe Island moves its clocks by half an hour.
    expect(formatLocal(fromWall(wall('2026-10-04T02:15:00'), 'Australia/Lord_Howe'), 'Australia/Lord_Howe')).toBe('2026-10-04T02:45:00+11:00');
  });

  it('gives weekday and minute of the day in local time', () => {
    expect(localParts(Date.parse('2026-06-14T23:30:00Z'), 'Asia/Shanghai')).toMatchObject({ weekday: 0, hour: 7, minute: 30, minuteOfDay: 450 });
  });

  it('knows IANA names and clock times', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Europe/Londres')).toBe(false);
    expect(isTimeZone(42)).toBe(false);
    expect(parseClock('23:30')).toBe(1410);
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('24:00', true)).toBe(1440);
    expect(parseClock('7:30')).toBeNull();
  });
});
