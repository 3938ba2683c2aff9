// Did an update make payments worse? Without a database.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../shared/prng.ts';
import {
  addTerminal, addTerminalChange, compareChanges, DEFAULT_HEALTH_SETTINGS, emptyChange, emptyGroup, proportionZ, rateZ, type GroupChange, type GroupFigures, type HeartbeatFacts,
} from './payment-health.ts';

const HOUR = 3_600_000;
const group = (figures: Partial<GroupFigures>): GroupFigures => ({ ...emptyGroup(), terminals: 10, terminalHours: 10, ...figures });
/** Groups with no figures from before the update: only their figures after it can be compared. */
const compareGroups = (updated: GroupFigures, comparison: GroupFigures) => compareChanges(
  { ...emptyChange(), all: updated }, { ...emptyChange(), all: comparison },
);
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

describe('comparing the updated terminals with comparable ones when neither has figures from before', () => {
  it('finds a card-read failure rate that rose a lot, with the figures', () => {
    const verdict = compareGroups(group({ cardReads: 1000, cardReadFailures: 150 }), group({ cardReads: 3000, cardReadFailures: 15 }));
    expect(verdict).toMatchObject({ worse: true, judged: true, note: null });
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards).toMatchObject({ updated: 0.15, comparison: 0.005, difference: 0.145, worse: true, basis: 'groups', updatedBefore: null });
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

/**
 * A small simulated fleet: terminals reporting every 10 minutes over a day before the update and an
 * hour after it, card reads and transactions drawn per beat. `readers` gives each terminal's card-read
 * failure share before and after; the updated ones are the first `wave`.
 */
function simulate(seed: number, o: { wave: number; others: number; before: (i: number) => number; after: (i: number) => number; crashAfter?: number }) {
  const random = mulberry32(seed);
  const binomial = (n: number, p: number) => {
    let k = 0;
    for (let j = 0; j < n; j++) if (random() < p) k++;
    return k;
  };
  const update = 24 * HOUR;
  const periods = { baselineFrom: 0, baselineTo: update, since: update + 10 * 60_000 };
  const [updated, comparison] = [emptyChange(), emptyChange()];
  for (let i = 0; i < o.wave + o.others; i++) {
    const beats: HeartbeatFacts[] = [];
    let uptime = 10_000;
    for (let at = 10 * 60_000; at <= update + HOUR; at += 10 * 60_000) {
      const after = at > periods.since;
      const share = after && i < o.wave ? o.after(i) : o.before(i);
      const reads = 5 + Math.floor(random() * 20);
      const crashes = after && i < o.wave && random() < (o.crashAfter ?? 0) ? 1 : 0;
      uptime = crashes ? 60 : uptime + 600;
      beats.push({
        receivedAt: at, uptimeSeconds: uptime, cardReads: reads, cardReadFailures: binomial(reads, share), transactions: reads, failedTransactions: binomial(reads, 0.01), crashes,
      });
    }
    addTerminalChange(i < o.wave ? updated : comparison, beats, periods);
  }
  return { updated, comparison };
}

/** Two of a wave's twelve terminals (and one in twenty others) had faulty readers before any update. */
const faulty = (i: number) => i === 3 || i === 7 || (i >= 12 && i % 20 === 0);
const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i * 7919);

describe("judging each updated terminal's change against its own figures before the update", () => {
  it.each(SEEDS)('never halts a good build over terminals whose card readers were faulty before it (seed %i)', (seed) => {
    const { updated, comparison } = simulate(seed, { wave: 12, others: 60, before: (i) => (faulty(i) ? 0.5 : 0.03), after: (i) => (faulty(i) ? 0.5 : 0.03) });
    const verdict = compareChanges(updated, comparison);
    expect(verdict).toMatchObject({ judged: true, worse: false });
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards).toMatchObject({ basis: 'change', worse: false });
  });

  it.each(SEEDS)('still halts a build that makes card reads fail, with the rates before and after (seed %i)', (seed) => {
    const { updated, comparison } = simulate(seed, { wave: 12, others: 60, before: (i) => (faulty(i) ? 0.5 : 0.03), after: (i) => (faulty(i) ? 0.6 : 0.3) });
    const verdict = compareChanges(updated, comparison);
    expect(verdict).toMatchObject({ judged: true, worse: true });
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards).toMatchObject({ worse: true, basis: 'change' });
    expect(cards.updated - cards.updatedBefore!).toBeGreaterThan(0.15);
    expect(cards.z).toBeGreaterThan(DEFAULT_HEALTH_SETTINGS.zThreshold);
  });

  it.each(SEEDS)('halts a build that makes terminals crash (seed %i)', (seed) => {
    const { updated, comparison } = simulate(seed, { wave: 12, others: 60, before: () => 0.03, after: () => 0.03, crashAfter: 0.3 });
    const verdict = compareChanges(updated, comparison);
    expect(verdict.metrics.find((m) => m.metric === 'reboots_per_terminal_hour')).toMatchObject({ worse: true, basis: 'change' });
  });

  it.each(SEEDS)('does not halt the rollback of a bad build, whose terminals read cards badly until it (seed %i)', (seed) => {
    // The wave ran the bad build all day (and two of its readers are faulty besides); going back mends it.
    const { updated, comparison } = simulate(seed, { wave: 12, others: 60, before: (i) => (i < 12 ? (faulty(i) ? 0.6 : 0.3) : faulty(i) ? 0.5 : 0.03), after: (i) => (faulty(i) ? 0.5 : 0.03) });
    expect(compareChanges(updated, comparison)).toMatchObject({ judged: true, worse: false });
  });

  it('does not halt where comparing the wave with other terminals alone would (two faulty readers of twelve)', () => {
    const change = (before: Partial<GroupFigures>, after: Partial<GroupFigures>): GroupChange => ({ before: group(before), after: group(after), all: group(after) });
    // Ten readers at 3 %, two at 50 %: 10.8 % on the wave, before and after; 3 % on the others.
    const updated = change({ cardReads: 12_000, cardReadFailures: 1300 }, { cardReads: 1200, cardReadFailures: 130 });
    const others = change({ cardReads: 60_000, cardReadFailures: 1800 }, { cardReads: 6000, cardReadFailures: 180 });
    expect(compareGroups(updated.all, others.all)).toMatchObject({ worse: true });
    expect(compareChanges(updated, others)).toMatchObject({ judged: true, worse: false });
  });

  it('trusts a thin history before the update little: a bad build over terminals with a few minutes of history still halts', () => {
    // What a sped-up simulated fleet gives a wave that began minutes after the fleet came online.
    const change = (before: Partial<GroupFigures>, after: Partial<GroupFigures>): GroupChange => ({ before: group(before), after: group(after), all: group(after) });
    const verdict = compareChanges(
      change({ terminals: 6, cardReads: 17, cardReadFailures: 1 }, { terminals: 6, cardReads: 78, cardReadFailures: 26 }),
      change({ terminals: 48, cardReads: 165, cardReadFailures: 12 }, { terminals: 48, cardReads: 543, cardReadFailures: 51 }),
    );
    const cards = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(cards.baselineWeight).toBeCloseTo(17 / 67, 5);
    expect(cards).toMatchObject({ basis: 'change', worse: true });
    expect(verdict.worse).toBe(true);
  });

  it('takes the change of comparable terminals over the same hours away (a busy hour affects both)', () => {
    const change = (before: Partial<GroupFigures>, after: Partial<GroupFigures>): GroupChange => ({ before: group(before), after: group(after), all: group(after) });
    // Both groups go from 2 % to 12 % as the lunchtime rush begins: no worse on the updated terminals.
    const verdict = compareChanges(change({ cardReads: 2000, cardReadFailures: 40 }, { cardReads: 1000, cardReadFailures: 120 }), change({ cardReads: 8000, cardReadFailures: 160 }, { cardReads: 4000, cardReadFailures: 480 }));
    expect(verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')).toMatchObject({ basis: 'change', updated: 0.12, updatedBefore: 0.02, comparison: 0.12, comparisonBefore: 0.02, difference: 0, worse: false });
  });
});

describe("adding a terminal's heartbeats to its group", () => {
  it('counts a terminal before and after only when it reported in both periods', () => {
    const figures = emptyChange();
    const periods = { baselineFrom: 0, baselineTo: 10 * HOUR, since: 11 * HOUR };
    addTerminalChange(figures, [beat(HOUR), beat(2 * HOUR, { cardReadFailures: 3 }), beat(10.5 * HOUR, { cardReadFailures: 9 }), beat(12 * HOUR, { cardReadFailures: 1 })], periods);
    addTerminalChange(figures, [beat(12 * HOUR, { cardReadFailures: 4 })], periods);
    expect(figures.before).toMatchObject({ terminals: 1, cardReads: 20, cardReadFailures: 3 });
    expect(figures.after).toMatchObject({ terminals: 1, cardReads: 10, cardReadFailures: 1 });
    // A heartbeat between the baseline and the install (the install itself) belongs to neither.
    expect(figures.all).toMatchObject({ terminals: 2, cardReads: 20, cardReadFailures: 5 });
  });

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
