import { describe, expect, it } from 'vitest';
import { doneOrderSums, estimateMinutes, firstTimeFix, KpiGroups, kpi, pmOutcome, splitPeriod, terminalDowntime, unionLength } from './kpis.ts';

const H = 3_600_000;

const at = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * H).toISOString();

describe('downtime', () => {
  it('counts overlapping outages of one terminal once and clips them to the period', () => {
    // 0–10 and 5–12 overlap (12 h), 20–30 is clipped at 24: 12 + 4 = 16 h.
    expect(unionLength([{ start: 0, end: 10 * H }, { start: 5 * H, end: 12 * H }, { start: 20 * H, end: 30 * H }], 0, 24 * H)).toBe(16 * H);
    expect(unionLength([{ start: -5 * H, end: 2 * H }], 0, 24 * H)).toBe(2 * H);
    expect(unionLength([], 0, 24 * H)).toBe(0);
  });
});

describe('PM compliance', () => {
  it('is on time within 10 % of the interval either side of the due date', () => {
    // A 30-day interval: ±3 days.
    expect(pmOutcome(at(0), at(72), 30, Date.parse(at(100)))).toBe('on_time');
    expect(pmOutcome(at(0), at(-72), 30, Date.parse(at(100)))).toBe('on_time');
    expect(pmOutcome(at(0), at(73), 30, Date.parse(at(100)))).toBe('late');
    expect(pmOutcome(at(0), at(-73), 30, Date.parse(at(100)))).toBe('late');
  });
  it('judges an undone work order late only once its tolerance has passed', () => {
    expect(pmOutcome(at(0), null, 30, Date.parse(at(72)))).toBe('pending');
    expect(pmOutcome(at(0), null, 30, Date.parse(at(73)))).toBe('late');
  });
});

describe('first-time fix', () => {
  it('fails with a follow-up, or a new failure within 7 days of the repair', () => {
    expect(firstTimeFix(at(0), false, null)).toBe(true);
    expect(firstTimeFix(at(0), true, null)).toBe(false);
    expect(firstTimeFix(at(0), false, at(7 * 24))).toBe(false);
    expect(firstTimeFix(at(0), false, at(7 * 24 + 1))).toBe(true);
  });
});

describe('a group', () => {
  it('works out every KPI from its facts, with numerators and denominators', () => {
    const groups = new KpiGroups();
    const g = groups.add();
    // Two terminals over a 10-day period (240 h each): one down 24 h with 2 failures, one never.
    groups.addService(g, 2 * 240 * H);
    groups.addOutages(g, 24 * H, 2);
    // A repair: failure at 0, a spare swapped in at 4 h, done at 10 h, then a new failure 3 days later.
    groups.addDone(g, { source: 'incident', minutesSpent: 90, failureStart: at(0), doneAt: at(10), restoredAt: at(4), hasFollowUp: false, nextFailureAt: at(10 + 72) });
    // A merchant's request: reported at 100 h, done at 106 h, no restore time (restored = done).
    groups.addDone(g, { source: 'merchant_request', minutesSpent: 30, failureStart: at(100), doneAt: at(106), restoredAt: null, hasFollowUp: false, nextFailureAt: null });
    groups.addDone(g, { source: 'preventive', minutesSpent: 120, failureStart: at(0), doneAt: at(5), restoredAt: null, hasFollowUp: false, nextFailureAt: null });
    groups.addPreventive(g, 'on_time');
    groups.addPreventive(g, 'late');
    groups.addPreventive(g, 'on_time');
    groups.addPreventive(g, 'pending');
    groups.addOpen(g, true, 60);
    groups.addOpen(g, false, 30);
    groups.addResolved(g, 'remote');
    groups.addResolved(g, 'visit');
    groups.addResolved(g, 'remote');
    groups.addResolved(g, 'self');
    const r = groups.result(g);
    expect(r.availability).toEqual({ value: 0.95, numerator: 456, denominator: 480 }); // 1 − 24/480
    expect(r.mtbfHours).toEqual({ value: 228, numerator: 456, denominator: 2 });
    expect(r.mttrRestoredHours).toEqual({ value: 5, numerator: 10, denominator: 2 }); // (4 + 6) / 2
    expect(r.mttrRepairHours).toEqual({ value: 8, numerator: 16, denominator: 2 }); // (10 + 6) / 2
    expect(r.pmCompliance).toEqual({ value: 0.6667, numerator: 2, denominator: 3 });
    expect(r.plannedShare).toEqual({ value: 0.5, numerator: 2, denominator: 4 }); // 120 min of 240
    expect(r.backlog).toEqual({ count: 2, overdue: 1, estimatedHours: 1.5 });
    expect(r.firstTimeFix).toEqual({ value: 0.5, numerator: 1, denominator: 2 });
    expect(r.remoteFix).toEqual({ value: 0.6667, numerator: 2, denominator: 3, selfCleared: 1 });
  });

  it('gives no value rather than a division by zero', () => {
    const groups = new KpiGroups();
    const r = groups.result(groups.add());
    expect(r.availability.value).toBeNull();
    expect(r.mtbfHours).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(kpi(5, 0).value).toBeNull();
  });

  it('never counts a restore before the failure or downtime beyond service time', () => {
    const groups = new KpiGroups();
    const g = groups.add();
    groups.addService(g, 10 * H);
    groups.addOutages(g, 50 * H, 1);
    groups.addDone(g, { source: 'manual', minutesSpent: 0, failureStart: at(10), doneAt: at(12), restoredAt: at(5), hasFollowUp: false, nextFailureAt: null });
    const r = groups.result(g);
    expect(r.availability.value).toBe(0);
    expect(r.mttrRestoredHours.value).toBe(0);
    expect(r.mttrRepairHours.value).toBe(2);
  });
});

describe('done work orders summed (the rollups of 0043)', () => {
  it('give a group the same KPIs as the work orders added one by one', () => {
    const orders = [
      { source: 'incident', minutesSpent: 90, failureStart: at(0), doneAt: at(10), restoredAt: at(4), hasFollowUp: false, nextFailureAt: at(10 + 72) },
      { source: 'merchant_request', minutesSpent: 30, failureStart: at(100), doneAt: at(106), restoredAt: null, hasFollowUp: false, nextFailureAt: null },
      { source: 'preventive', minutesSpent: 120, failureStart: at(0), doneAt: at(5), restoredAt: null, hasFollowUp: false, nextFailureAt: null },
      { source: 'incident', minutesSpent: 15, failureStart: at(200), doneAt: at(201), restoredAt: null, hasFollowUp: true, nextFailureAt: null },
    ];
    // Two groups of one store made for one (it grows): the work orders one by one, and their sums.
    const groups = new KpiGroups(1);
    const [one, summed] = [groups.add(), groups.add()];
    for (const o of orders) groups.addDone(one, o);
    const sums = orders.map(doneOrderSums);
    groups.addDoneSums(summed, sums.reduce((a, b) => ({
      minutes: a.minutes + b.minutes, plannedMinutes: a.plannedMinutes + b.plannedMinutes, repairs: a.repairs + b.repairs,
      repairMs: a.repairMs + b.repairMs, restoredMs: a.restoredMs + b.restoredMs, firstTimeFixes: a.firstTimeFixes + b.firstTimeFixes,
    })));
    expect(groups.result(summed)).toEqual(groups.result(one));
    expect(sums[2]).toEqual({ minutes: 120, plannedMinutes: 120, repairs: 0, repairMs: 0, restoredMs: 0, firstTimeFixes: 0 });
    expect(sums[1]).toMatchObject({ repairs: 1, repairMs: 6 * H, restoredMs: 6 * H, firstTimeFixes: 1 });
    expect(groups.result(one).firstTimeFix).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
  });
});

describe('backlog estimate', () => {
  it("uses its source's average, else the average of all done work orders", () => {
    const done = new Map([['preventive', { minutes: 300, count: 3 }], ['incident', { minutes: 60, count: 1 }]]);
    expect(estimateMinutes(done, 'preventive')).toBe(100);
    expect(estimateMinutes(done, 'manual')).toBe(90); // 360 / 4
    expect(estimateMinutes(new Map(), 'manual')).toBe(0);
  });
});


describe('a period split for the rollups', () => {
  const day = (d: number) => Date.UTC(2026, 2, d);
  it('reads the rolled-up whole days from the rollups and the partial days at each end, and any day not rolled up, live', () => {
    const rolled = new Set(['2026-03-02', '2026-03-03', '2026-03-05', '2026-03-06']);
    const { days, live } = splitPeriod(day(1) + 6 * H, day(6) + 18 * H, rolled);
    expect(days).toEqual(['2026-03-02', '2026-03-03', '2026-03-05']);
    expect(live).toEqual([{ start: day(1) + 6 * H, end: day(2) }, { start: day(4), end: day(5) }, { start: day(6), end: day(6) + 18 * H }]);
    expect(splitPeriod(day(1), day(3), new Set())).toEqual({ days: [], live: [{ start: day(1), end: day(3) }] });
    expect(splitPeriod(day(2), day(4), rolled)).toEqual({ days: ['2026-03-02', '2026-03-03'], live: [] });
  });

  it("adds up a terminal's downtime and failures over consecutive ranges to the whole", () => {
    const outages = [{ start: day(1) + 20 * H, end: day(2) + 4 * H, failure: true }, { start: day(2) + 2 * H, end: null, failure: true }, { start: day(1) + 1 * H, end: day(1) + 2 * H, failure: false }];
    const whole = terminalDowntime(outages, day(1), day(1), day(3));
    const parts = [terminalDowntime(outages, day(1), day(1), day(2)), terminalDowntime(outages, day(1), day(2), day(3))];
    expect(whole).toEqual({ down: (1 + 4 + 24) * H, failures: 2 });
    expect({ down: parts[0]!.down + parts[1]!.down, failures: parts[0]!.failures + parts[1]!.failures }).toEqual(whole);
  });
});
