// Did an update make payments worse? Without a database.
import { describe, expect, it } from 'vitest';
import { addTerminal, compareGroups, DEFAULT_HEALTH_SETTINGS, emptyGroup, proportionZ, rateZ, type GroupFigures, type HeartbeatFacts } from './payment-health.ts';

const HOUR = 3_600_000;
const group = (figures: Partial<GroupFigures>): GroupFigures => ({ ...emptyGroup(), terminals: 10, terminalHours: 10, ...figures });
const beat = (at: number, facts: Partial<HeartbeatFacts> = {}): HeartbeatFacts => ({
  receivedAt: at, uptimeSeconds: 1000 + at / 1000, cardReads: 10, cardReadFailures: 0, transactions: 5, failedTransactions: 0, crashes: 0, ...facts,
});

describe('significance', () => {
  it('computes the one-sided two-proportion z', () => {
    // 30 % against 10 % of 100 each: pooled 20 %, standard error 0.0566.
    expect(proportionZ(30, 100, 10, 100)).toBeCloseTo(3.536, 3);
    expect(proportionZ(10, 100, 30, 100)).toBeCloseTo(-3.536, 3);
    expect(proportionZ(0, 0, 10, 100)).toBe(0);
    expect(proportionZ(0, 100, 0, 100)).toBe(0);
  });

  it('computes the z of a rate over exposure (reboots per terminal-hour)', () => {
    // 10 reboots in 10 hours against 10 in 30: a quarter of the hours, so 5 of the 20 expected.
    expect(rateZ(10, 10, 10, 30)).toBeCloseTo(2.582, 3);
    expect(rateZ(0, 10, 0, 30)).toBe(0);
    expect(rateZ(3, 0, 1, 10)).toBe(0);
  });
});

describe('comparing the updated terminals with comparable ones', () => {
  it('finds a card-read failure rate that rose a lot, with the figures', () => {
    const verdict = compareGroups(group({ cardReads: 1000, cardReadFailures: 150 }), group({ cardReads: 3000, cardReadFailures: 15 }));
    expect(verdict).toMatchObject({ worse: true, judged: true, note: null });
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards).toMatchObject({ updated: 0.15, comparison: 0.005, difference: 0.145, worse: true });
    expect(cards.z).toBeGreaterThan(10);
    expect(verdict.metrics.filter((m) => m.worse).map((m) => m.metric)).toEqual(['card_read_failure_rate']);
  });

  it('counts refused and failed transactions together, against all attempts', () => {
    const verdict = compareGroups(group({ transactions: 800, failedTransactions: 200 }), group({ transactions: 2970, failedTransactions: 30 }));
    expect(verdict.metrics.find((m) => m.metric === 'transaction_failure_rate')).toMatchObject({ updated: 0.2, comparison: 0.01, worse: true });
  });

  it('finds terminals that restart far more often', () => {
    const verdict = compareGroups(group({ reboots: 20, terminalHours: 30 }), group({ reboots: 2, terminalHours: 90 }));
    expect(verdict.metrics.find((m) => m.metric === 'reboots_per_terminal_hour')).toMatchObject({ worse: true });
    expect(verdict.worse).toBe(true);
  });

  it('does not call one or two reboots in a small wave worse, however large their z', () => {
    const verdict = compareGroups(group({ terminals: 6, reboots: 1, terminalHours: 7 }), group({ terminals: 200, reboots: 0, terminalHours: 900 }));
    expect(verdict.metrics.find((m) => m.metric === 'reboots_per_terminal_hour')).toMatchObject({ worse: false });
    expect(verdict.metrics.find((m) => m.metric === 'reboots_per_terminal_hour')!.z).toBeGreaterThan(3);
    expect(verdict.worse).toBe(false);
  });

  it('does not halt on a difference that is significant but too small to matter', () => {
    // 100,000 reads each: 1.5 % against 1.0 % is very significant, and half a point.
    const verdict = compareGroups(group({ cardReads: 100_000, cardReadFailures: 1500 }), group({ cardReads: 100_000, cardReadFailures: 1000 }));
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards.z).toBeGreaterThan(DEFAULT_HEALTH_SETTINGS.zThreshold);
    expect(cards.worse).toBe(false);
    expect(verdict.worse).toBe(false);
  });

  it('does not halt on a large difference that chance explains', () => {
    // 2 of 20 against 0 of 20: ten points, but a handful of reads.
    const verdict = compareGroups(group({ cardReads: 20, cardReadFailures: 2 }), group({ cardReads: 20, cardReadFailures: 0 }));
    expect(verdict.worse).toBe(false);
  });

  it('does not call better payments worse', () => {
    expect(compareGroups(group({ cardReads: 1000, cardReadFailures: 0 }), group({ cardReads: 1000, cardReadFailures: 200 })).worse).toBe(false);
  });

  it('does not judge with too few updated terminals or nothing to compare with, and says why', () => {
    const bad = { cardReads: 1000, cardReadFailures: 300 };
    expect(compareGroups(group({ ...bad, terminals: 2 }), group({ cardReads: 1000 }))).toMatchObject({
      worse: false, judged: false, note: 'only 2 updated terminal(s) reported; at least 3 are needed to judge payments',
    });
    expect(compareGroups(group(bad), emptyGroup())).toMatchObject({ worse: false, judged: false, note: expect.stringContaining('no comparable terminal') });
  });
});

describe("adding a terminal's heartbeats to its group", () => {
  it('adds its counts and the hours it covered', () => {
    const figures = emptyGroup();
    addTerminal(figures, [beat(0), beat(HOUR / 2, { cardReadFailures: 2 }), beat(HOUR, { failedTransactions: 1 })], 0);
    expect(figures).toEqual({ terminals: 1, cardReads: 30, cardReadFailures: 2, transactions: 15, failedTransactions: 1, reboots: 0, terminalHours: 1 });
  });

  it('counts a restart from a crash it reported or from its uptime going down', () => {
    const figures = emptyGroup();
    addTerminal(figures, [beat(0), beat(HOUR, { uptimeSeconds: 60 }), beat(2 * HOUR, { uptimeSeconds: 3660, crashes: 2 })], 0);
    expect(figures.reboots).toBe(3);
  });

  it("does not count the install's own restart when a heartbeat measured before it arrives late", () => {
    const figures = emptyGroup();
    // Installed at HOUR, restarted for it 5 minutes earlier; the old heartbeat came after an outage.
    addTerminal(figures, [beat(HOUR + 60_000, { uptimeSeconds: 200_000 }), beat(HOUR + 61_000, { uptimeSeconds: 361 }), beat(HOUR + 120_000, { uptimeSeconds: 420 })], HOUR);
    expect(figures.reboots).toBe(0);
  });

  it('gives a single heartbeat a minute of exposure, and a terminal without heartbeats nothing', () => {
    const figures = emptyGroup();
    addTerminal(figures, [beat(0)], 0);
    addTerminal(figures, [], 0);
    expect(figures.terminals).toBe(1);
    expect(figures.terminalHours).toBeCloseTo(1 / 60, 6);
  });
});
