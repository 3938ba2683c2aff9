import { describe, expect, it } from 'vitest';
import type { HeartbeatReport } from '../device/device.schemas.ts';
import {
  contradiction, DEFAULT_THRESHOLDS, escalationDelayMs, failureRate, flappingVerdict, mergeThresholds, nextStreak, readHeartbeat, reminderDue, siteIsDown, slideCardWindow, type Reading, type Streak,
} from './heartbeat.rules.ts';

const AT = '2026-11-25T10:00:00.000Z';
const healthy = (overrides: Partial<HeartbeatReport> = {}): HeartbeatReport => ({
  seq: 1, sentAt: AT, appVersion: '3.2.0', firmwareVersion: 'fw-1',
  battery: { percent: 80, health: 95, charging: false, cycleCount: 120 },
  printer: { paper: 'ok', jam: false, coverOpen: false },
  cardReader: { chip: { attempts: 10, failures: 0 } },
  network: { type: 'wifi', signalDbm: -60, latencyMs: 40 },
  storageFreeMb: 512, temperatureC: 35, uptimeSeconds: 3600, tamper: false,
  security: { passwordChangedAt: '2026-10-01T00:00:00.000Z', pinEntryEnabled: true, encryptionEnabled: true },
  transactions: { count: 3, amountMinor: 4500 },
  ...overrides,
});
const bad = (readings: Reading[]) => readings.filter((r) => r.bad).map((r) => r.rule).sort();

describe('heartbeat rules', () => {
  it('finds nothing wrong with a healthy terminal', () => {
    expect(bad(readHeartbeat(healthy(), AT, DEFAULT_THRESHOLDS, { chip: [{ attempts: 10, failures: 0 }] }))).toEqual([]);
  });

  it('reads every fault the report carries', () => {
    const report = healthy({
      battery: { percent: 5, health: 40, charging: false, cycleCount: 900 },
      printer: { paper: 'out', jam: true, coverOpen: true },
      network: { type: 'cellular', signalDbm: -120, latencyMs: 5000 },
      storageFreeMb: 20, temperatureC: 75, tamper: true, sentAt: '2026-11-25T10:20:00.000Z',
      security: { passwordChangedAt: '2026-01-01T00:00:00.000Z', pinEntryEnabled: false, encryptionEnabled: true },
      transactions: { count: 3, amountMinor: 4500, failed: 4 },
    });
    expect(bad(readHeartbeat(report, AT, DEFAULT_THRESHOLDS, { chip: [{ attempts: 30, failures: 20 }] }))).toEqual([
      'battery_health_low', 'battery_high_cycles', 'battery_not_charging', 'card_reader_chip', 'clock_skew', 'high_latency', 'password_too_old',
      'printer_cover_open', 'printer_jam', 'printer_paper_out', 'security_features_off', 'storage_low', 'tamper', 'temperature', 'weak_signal',
    ]);
  });

  it('needs enough card attempts before it judges a reader, and judges the last N attempts only', () => {
    let window = slideCardWindow([], { attempts: 5, failures: 5 }, 50);
    expect(bad(readHeartbeat(healthy(), AT, DEFAULT_THRESHOLDS, { chip: window }))).toEqual([]); // 5 attempts < 20
    for (let i = 0; i < 4; i++) window = slideCardWindow(window, { attempts: 10, failures: 6 }, 50);
    expect(failureRate(window).rate).toBeGreaterThan(0.3);
    for (let i = 0; i < 5; i++) window = slideCardWindow(window, { attempts: 10, failures: 0 }, 50);
    expect(failureRate(window)).toEqual({ attempts: 50, failures: 0, rate: 0 });
  });

  it('keeps the same window for a reader that works, however busy (nothing to store again)', () => {
    let window = slideCardWindow([], { attempts: 30, failures: 0 }, 50);
    window = slideCardWindow(window, { attempts: 30, failures: 0 }, 50);
    expect(window).toEqual([{ attempts: 50, failures: 0 }]);
    expect(slideCardWindow(window, { attempts: 7, failures: 0 }, 50)).toEqual(window);
    // Failures keep their heartbeat; good reads before them are trimmed to the attempt.
    expect(slideCardWindow(window, { attempts: 10, failures: 4 }, 50)).toEqual([{ attempts: 40, failures: 0 }, { attempts: 10, failures: 4 }]);
  });

  it('lets a model override thresholds and refuses contradictory ones', () => {
    const t = mergeThresholds({ temperature: { maxC: 80 } });
    expect(t.temperature).toEqual({ minC: -10, maxC: 80 });
    expect(DEFAULT_THRESHOLDS.temperature.maxC).toBe(60);
    expect(bad(readHeartbeat(healthy({ temperatureC: 75 }), AT, t, {}))).toEqual([]);
    expect(contradiction(mergeThresholds({ temperature: { minC: 90 } }))?.[0]).toBe('temperature.minC');
    expect(contradiction(mergeThresholds({ cardReader: { minAttempts: 100 } }))?.[0]).toBe('cardReader.minAttempts');
    expect(contradiction(t)).toBeNull();
  });

  it('sees a stored terminal lying uncharged and empty, but not one that is selling or charging', () => {
    const empty = { percent: 3, health: 90, charging: false, cycleCount: 100 };
    const idle = (extra: Partial<HeartbeatReport> = {}) => healthy({ battery: empty, transactions: { count: 0, amountMinor: 0 }, ...extra });
    expect(bad(readHeartbeat(idle(), AT, DEFAULT_THRESHOLDS, {}))).toEqual(['battery_deep_discharge', 'battery_not_charging']);
    expect(bad(readHeartbeat(idle({ battery: { ...empty, charging: true } }), AT, DEFAULT_THRESHOLDS, {}))).toEqual([]);
    expect(bad(readHeartbeat(healthy({ battery: empty }), AT, DEFAULT_THRESHOLDS, {}))).toEqual(['battery_not_charging']);
    expect(bad(readHeartbeat(idle(), AT, mergeThresholds({ battery: { deepDischargePercent: 2 } }), {}))).toEqual(['battery_not_charging']);
  });

  it('holds software to the newest security patch published for the model, when there is one', () => {
    const report = healthy({ appVersion: '3.2.0', firmwareVersion: '1.4.0' });
    expect(bad(readHeartbeat(report, AT, DEFAULT_THRESHOLDS, {}, { application: '3.3.0' }))).toEqual(['software_unpatched']);
    expect(bad(readHeartbeat(report, AT, DEFAULT_THRESHOLDS, {}, { firmware: '1.4.0' }))).toEqual([]);
    expect(bad(readHeartbeat(report, AT, DEFAULT_THRESHOLDS, {}, { application: '3.1.9', firmware: '1.5.0' }))).toEqual(['software_unpatched']);
    expect(readHeartbeat(report, AT, DEFAULT_THRESHOLDS, {}).some((r) => r.rule === 'software_unpatched')).toBe(false);
  });

  it('counts a password never changed, or older than the policy, as too old', () => {
    const never = healthy({ security: { passwordChangedAt: null, pinEntryEnabled: true, encryptionEnabled: true } });
    expect(bad(readHeartbeat(never, AT, DEFAULT_THRESHOLDS, {}))).toEqual(['password_too_old']);
    expect(bad(readHeartbeat(never, AT, mergeThresholds({ password: { maxAgeDays: 0 } }), {}))).toEqual([]);
  });
});

describe('alarm hygiene', () => {
  const weak = (transactions: HeartbeatReport['transactions']) => healthy({ network: { type: 'cellular', signalDbm: -112, latencyMs: 2500 }, transactions });
  const reading = (report: HeartbeatReport, rule: string) => readHeartbeat(report, AT, DEFAULT_THRESHOLDS, {}).find((r) => r.rule === rule);

  it('calls a weak or slow link bad only while payments fail on it', () => {
    expect(reading(weak({ count: 20, amountMinor: 1 }), 'weak_signal')?.bad).toBe(false);
    expect(reading(weak({ count: 20, amountMinor: 1, failed: 1 }), 'weak_signal')?.bad).toBe(false); // one timeout is no pattern
    expect(reading(weak({ count: 20, amountMinor: 1, failed: 3 }), 'weak_signal')?.bad).toBe(false); // 3 of 23 < 20 %
    expect(reading(weak({ count: 8, amountMinor: 1, failed: 4 }), 'weak_signal')).toMatchObject({ bad: true, detail: { signalDbm: -112, payments: 12, failed: 4 } });
    expect(reading(weak({ count: 8, amountMinor: 1, failed: 4 }), 'high_latency')?.bad).toBe(true);
    // A quiet heartbeat (no payments) says nothing either way; a good link always reads as good.
    expect(reading(weak({ count: 0, amountMinor: 0 }), 'weak_signal')).toBeUndefined();
    expect(reading(healthy({ transactions: { count: 0, amountMinor: 0 } }), 'weak_signal')?.bad).toBe(false);
    expect(readHeartbeat(weak({ count: 8, amountMinor: 1, failed: 4 }), AT, mergeThresholds({ network: { harmMinFailures: 5 } }), {}).find((r) => r.rule === 'weak_signal')?.bad).toBe(false);
  });

  it('delays the conditions the shop fixes: paper out 30 min, cover open 15 min, paper low never; other rules not at all', () => {
    expect(escalationDelayMs('printer_paper_out', DEFAULT_THRESHOLDS)).toBe(30 * 60_000);
    expect(escalationDelayMs('printer_cover_open', DEFAULT_THRESHOLDS)).toBe(15 * 60_000);
    expect(escalationDelayMs('printer_paper_low', DEFAULT_THRESHOLDS)).toBeNull();
    expect(escalationDelayMs('printer_jam', DEFAULT_THRESHOLDS)).toBeUndefined();
    expect(escalationDelayMs('printer_paper_low', mergeThresholds({ merchantFirst: { paperLowMinutes: 240 } }))).toBe(240 * 60_000);
  });

  it('opens a delayed incident only once the condition outlasted its delay, counted from its first bad reading', () => {
    const policy = { openAfter: 1, resolveAfter: 1 };
    const minute = 60_000;
    let streak: Streak = { bad: 0, good: 0 };
    const actions: string[] = [];
    for (const [atMin, isBad] of [[0, true], [10, true], [20, true], [29, true], [30, true]] as const) {
      const r = nextStreak(streak, isBad, false, policy, { ms: 30 * minute, atMs: atMin * minute });
      streak = r.streak;
      actions.push(r.action ?? '-');
    }
    expect(actions.join(' ')).toBe('- - - - open');
    // Waiting writes nothing new: the streak stays the same from one heartbeat to the next.
    const waiting = nextStreak({ bad: 1, good: 0, since: 0 }, true, false, policy, { ms: 30 * minute, atMs: 5 * minute });
    expect(waiting).toEqual({ streak: { bad: 1, good: 0, since: 0 }, action: null });
    // Fixed in time (a good reading) starts the clock again.
    expect(nextStreak({ bad: 1, good: 0, since: 0 }, false, false, policy, { ms: 30 * minute, atMs: 25 * minute }).streak).toEqual({ bad: 0, good: 0 });
    // Never by itself: nothing counted, nothing opened.
    expect(nextStreak({ bad: 0, good: 0 }, true, false, policy, { ms: null, atMs: 99 * minute })).toEqual({ streak: { bad: 0, good: 0 }, action: null });
    // Once open, it resolves as any incident does.
    expect(nextStreak({ bad: 0, good: 0 }, false, true, policy, { ms: 30 * minute, atMs: 0 }).action).toBe('resolve');
  });
});

describe('hysteresis', () => {
  const policy = { openAfter: 2, resolveAfter: 3 };
  const run = (readings: boolean[], manual = false) => {
    let streak: Streak = { bad: 0, good: 0 };
    let open = false;
    const actions: string[] = [];
    for (const isBad of readings) {
      const r = nextStreak(streak, isBad, open, manual ? { openAfter: 1, resolveAfter: 0 } : policy);
      streak = r.streak;
      if (r.action === 'open') open = true;
      if (r.action === 'resolve') open = false;
      actions.push(r.action ?? '-');
    }
    return actions.join(' ');
  };

  it('opens after K bad readings in a row and resolves after M good ones', () => {
    expect(run([true, true, true, false, false, false])).toBe('- open - - - resolve');
  });

  it('neither opens nor closes on a condition flapping around its threshold', () => {
    expect(run([true, false, true, false, true, false])).toBe('- - - - - -');
    expect(run([true, true, false, true, false, false, true])).toBe('- open - - - - -');
  });

  it('remembers nothing while the reading agrees with the incident state', () => {
    expect(nextStreak({ bad: 0, good: 0 }, false, false, policy)).toEqual({ streak: { bad: 0, good: 0 }, action: null });
    expect(nextStreak({ bad: 0, good: 2 }, true, true, policy)).toEqual({ streak: { bad: 0, good: 0 }, action: null });
  });

  it('opens flapping above the allowed drops and resolves it only after a window without any', () => {
    const t = { flapCount: 3 };
    expect([3, 4].map((drops) => flappingVerdict(drops, false, t))).toEqual([null, 'open']);
    expect([4, 1, 0].map((drops) => flappingVerdict(drops, true, t))).toEqual([null, null, 'resolve']);
  });

  it('never resolves by itself when only a person may resolve', () => {
    expect(run([true, false, false, false, false], true)).toBe('open - - - -');
  });
});

describe('correlation and reminders', () => {
  it('calls a site down when most of its terminals, and at least two, are offline', () => {
    expect(siteIsDown(3, 4)).toBe(true);
    expect(siteIsDown(2, 4)).toBe(false);
    expect(siteIsDown(1, 1)).toBe(false);
    expect(siteIsDown(2, 3)).toBe(true);
  });

  it('reminds at the interval, a bounded number of times', () => {
    const now = new Date(AT);
    expect(reminderDue(1, '2026-11-25T09:30:00.000Z', now, 3_600_000, 3)).toBe(false);
    expect(reminderDue(1, '2026-11-25T09:00:00.000Z', now, 3_600_000, 3)).toBe(true);
    expect(reminderDue(3, '2026-11-25T01:00:00.000Z', now, 3_600_000, 3)).toBe(false);
  });
});
