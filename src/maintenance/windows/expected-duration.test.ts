// Expected maintenance job durations: medians and p90s from history, defaults before it, kinds adding up.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DURATIONS, MAX_FACTOR, buildDurationTable, ceilingMinutes, expectedDuration, percentile, type DurationSample } from './expected-duration.ts';

const samples = (terminalModel: string, kind: DurationSample['kind'], minutes: number[]): DurationSample[] =>
  minutes.map((m) => ({ terminalModel, kind, minutes: m }));

describe('expected duration of a maintenance job', () => {
  it('uses the documented defaults before there is any history', () => {
    const table = buildDurationTable([]);
    expect(DEFAULT_DURATIONS).toEqual({
      update: { medianMinutes: 10, p90Minutes: 20 },
      upgrade: { medianMinutes: 30, p90Minutes: 60 },
      repair: { medianMinutes: 45, p90Minutes: 90 },
      data_sync: { medianMinutes: 20, p90Minutes: 40 },
      security_hardening: { medianMinutes: 15, p90Minutes: 30 },
      key_injection: { medianMinutes: 10, p90Minutes: 20 },
    });
    expect(expectedDuration(table, 'PAX A920', ['upgrade'])).toMatchObject({
      medianMinutes: 30, p90Minutes: 60, parts: [{ kind: 'upgrade', basis: 'default', samples: 0 }],
    });
  });

  it('takes the median and p90 of the same model’s past jobs of that kind', () => {
    const table = buildDurationTable(samples('PAX A920', 'update', [4, 5, 6, 7, 8, 9, 10, 11, 12, 40]));
    const estimate = expectedDuration(table, 'PAX A920', ['update']);
    expect(estimate.medianMinutes).toBe(8.5);
    expect(estimate.p90Minutes).toBeCloseTo(14.8);
    expect(estimate.parts[0]).toMatchObject({ basis: 'model', samples: 10 });
  });

  it('falls back to the whole fleet for a model with too little history of that kind', () => {
    const table = buildDurationTable([
      ...samples('PAX A920', 'data_sync', [10, 12, 14, 16, 18]),
      ...samples('Verifone V200c', 'data_sync', [30, 30]),
    ]);
    expect(expectedDuration(table, 'Verifone V200c', ['data_sync']).parts[0]).toMatchObject({ basis: 'fleet', samples: 7, medianMinutes: 16 });
    expect(expectedDuration(table, 'PAX A920', ['data_sync']).parts[0]).toMatchObject({ basis: 'model', medianMinutes: 14 });
  });

  it('adds up several kinds of work in one job, and counts a repeated kind once', () => {
    const table = buildDurationTable(samples('PAX A920', 'update', [10, 10, 10, 10, 10]));
    const estimate = expectedDuration(table, 'PAX A920', ['update', 'security_hardening', 'update']);
    expect(estimate.medianMinutes).toBe(10 + 15);
    expect(estimate.p90Minutes).toBe(10 + 30);
    expect(estimate.parts.map((p) => [p.kind, p.basis])).toEqual([['update', 'model'], ['security_hardening', 'default']]);
  });

  it('ignores durations that cannot be real', () => {
    const table = buildDurationTable(samples('PAX A920', 'repair', [0, -5, Number.NaN, 50, 50, 50, 50]));
    expect(expectedDuration(table, 'PAX A920', ['repair']).parts[0]!.basis).toBe('default');
  });

  it('does not learn from durations that hold a clock jump or offline time, so planning keeps fitting jobs in windows', () => {
    // A test that moved the clock on by days left completed update jobs of 1,339 minutes among real ones.
    const jumped = buildDurationTable(samples('PAX A920', 'update', [6, 7, 8, 9, 10, 1339, 1339, 1339, 2880, 1339]));
    const estimate = expectedDuration(jumped, 'PAX A920', ['update']);
    expect(estimate.parts[0]).toMatchObject({ basis: 'model', samples: 5, medianMinutes: 8 });
    expect(estimate.p90Minutes).toBeCloseTo(9.6);
    // Only jumps: nothing real is known, the default stands.
    const onlyJumps = buildDurationTable(samples('PAX A920', 'upgrade', [1339, 1339, 1339, 1339, 1339, 1339]));
    expect(expectedDuration(onlyJumps, 'PAX A920', ['upgrade'])).toMatchObject({ medianMinutes: 30, p90Minutes: 60, parts: [{ basis: 'default' }] });
  });

  it('never expects a kind of work to take longer than its default p90 times the bound', () => {
    expect(MAX_FACTOR).toBe(4);
    expect(ceilingMinutes('update')).toBe(80);
    const slow = buildDurationTable(samples('PAX A920', 'repair', [300, 340, 350, 355, 360, 361, 500]));
    const estimate = expectedDuration(slow, 'PAX A920', ['repair']);
    expect(estimate.parts[0]).toMatchObject({ basis: 'model', samples: 5 });
    expect(estimate.p90Minutes).toBeCloseTo(358);
  });

  it('refuses a job with no work in it', () => {
    expect(() => expectedDuration(buildDurationTable([]), 'PAX A920', [])).toThrow(/at least one kind of work/);
  });

  it('interpolates percentiles between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([0, 10], 0.9)).toBe(9);
  });
});
