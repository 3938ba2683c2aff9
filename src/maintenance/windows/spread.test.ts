// Spreading a window's jobs: random-looking but reproducible starts, bounded concurrency per site and
// fleet-wide, and every job finishing before its window ends — or reported as not fitting.
import { describe, expect, it } from 'vitest';
import { spreadStarts, type SpreadAssignment, type SpreadJob } from './spread.ts';

const WINDOW = { start: new Date('2026-06-16T00:00:00Z'), end: new Date('2026-06-16T04:00:00Z') };
const jobs = (sites: number, perSite: number, minutes: number | ((i: number) => number)): SpreadJob[] =>
  Array.from({ length: sites * perSite }, (_, i) => ({
    id: `job-${i}`, siteId: `site-${i % sites}`, expectedMinutes: typeof minutes === 'number' ? minutes : minutes(i),
  }));

/** The most assignments running at once, overall or within each group. */
function peak(assigned: readonly SpreadAssignment[], group: (a: SpreadAssignment) => string = () => ''): number {
  const events = new Map<string, [number, number][]>();
  for (const a of assigned) {
    const list = events.get(group(a)) ?? [];
    list.push([a.start.getTime(), 1], [a.expectedEnd.getTime(), -1]);
    events.set(group(a), list);
  }
  let most = 0;
  for (const list of events.values()) {
    list.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let running = 0;
    for (const [, delta] of list) most = Math.max(most, (running += delta));
  }
  return most;
}

describe('spreading a maintenance window over many terminals', () => {
  it('starts every job inside the window, early enough to finish before it ends', () => {
    const plan = spreadStarts(jobs(200, 5, (i) => 5 + (i % 40)), { seed: 1, window: WINDOW, fleetLimit: 150, perSiteLimit: 2 });
    expect(plan.notFitting).toEqual([]);
    expect(plan.assigned).toHaveLength(1000);
    for (const a of plan.assigned) {
      expect(a.start.getTime()).toBeGreaterThanOrEqual(WINDOW.start.getTime());
      expect(a.expectedEnd.getTime()).toBeLessThanOrEqual(WINDOW.end.getTime());
    }
  });

  it('never runs more jobs at once than the site and fleet limits allow', () => {
    const siteLimits = new Map([['site-0', 1], ['site-1', 3]]);
    const plan = spreadStarts(jobs(50, 8, 20), { seed: 'campaign-42', window: WINDOW, fleetLimit: 30, perSiteLimit: 2, siteLimits });
    expect(peak(plan.assigned)).toBeLessThanOrEqual(30);
    expect(plan.peakConcurrency).toBe(peak(plan.assigned));
    expect(peak(plan.assigned.filter((a) => a.siteId === 'site-0'), (a) => a.siteId)).toBe(1);
    expect(peak(plan.assigned.filter((a) => a.siteId === 'site-1'), (a) => a.siteId)).toBeLessThanOrEqual(3);
    expect(peak(plan.assigned, (a) => a.siteId)).toBeLessThanOrEqual(3);
  });

  it('spreads starts over the whole window rather than bunching them at the opening', () => {
    const plan = spreadStarts(jobs(2000, 1, 10), { seed: 7, window: WINDOW, fleetLimit: 10_000 });
    const quarters = [0, 0, 0, 0];
    for (const a of plan.assigned) quarters[Math.floor((a.start.getTime() - WINDOW.start.getTime()) / ((230 * 60_000) / 4))]!++;
    for (const q of quarters) expect(q).toBeGreaterThan(400);
  });

  it('gives the same plan for the same seed and another for another seed', () => {
    const starts = (seed: number) => spreadStarts(jobs(20, 3, 15), { seed, window: WINDOW, fleetLimit: 10 }).assigned.map((a) => `${a.jobId}@${a.start.toISOString()}`);
    expect(starts(3)).toEqual(starts(3));
    expect(starts(3)).not.toEqual(starts(4));
  });

  it('reports the jobs that cannot fit, and why', () => {
    const plan = spreadStarts([
      { id: 'long', siteId: 's1', expectedMinutes: 241 },
      { id: 'a', siteId: 's2', expectedMinutes: 150 },
      { id: 'b', siteId: 's2', expectedMinutes: 150 },
      { id: 'closed', siteId: 's3', expectedMinutes: 10 },
      { id: 'lost', siteId: 's4', expectedMinutes: 10, window: undefined },
    ], { seed: 1, window: WINDOW, fleetLimit: 10, siteLimits: new Map([['s3', 0]]) });
    expect(plan.assigned.map((a) => a.jobId)).toHaveLength(2); // 'a' or 'b', and 'lost' (default window)
    expect(plan.notFitting.map((n) => [n.jobId, n.reason]).sort()).toEqual([
      [expect.stringMatching(/^[ab]$/), 'site_limit'], ['closed', 'site_limit'], ['long', 'longer_than_window'],
    ].sort());
  });

  it('says when the fleet-wide limit is what leaves a job out', () => {
    const plan = spreadStarts(jobs(3, 1, 200), { seed: 1, window: WINDOW, fleetLimit: 1 });
    expect(plan.assigned).toHaveLength(1);
    expect(plan.notFitting.map((n) => n.reason)).toEqual(['fleet_limit', 'fleet_limit']);
  });

  it('starts nothing before now in a window that is already open, and reports jobs that no longer fit', () => {
    const now = new Date('2026-06-16T03:30:00Z');
    const plan = spreadStarts([{ id: 'short', siteId: 's', expectedMinutes: 20 }, { id: 'long', siteId: 't', expectedMinutes: 45 }],
      { seed: 1, window: WINDOW, fleetLimit: 5, now });
    expect(plan.assigned[0]!.start.getTime()).toBeGreaterThanOrEqual(now.getTime());
    expect(plan.notFitting).toMatchObject([{ jobId: 'long', reason: 'too_late' }]);
  });

  it('plans jobs of sites in other time zones, each in its own window, under one fleet limit', () => {
    const later = { start: new Date('2026-06-16T01:00:00Z'), end: new Date('2026-06-16T05:00:00Z') };
    const plan = spreadStarts([
      ...jobs(10, 1, 60).map((j) => ({ ...j, window: WINDOW })),
      ...jobs(10, 1, 60).map((j) => ({ ...j, id: `${j.id}-b`, siteId: `${j.siteId}-b`, window: later })),
    ], { seed: 9, fleetLimit: 5 });
    expect(plan.notFitting).toEqual([]);
    expect(peak(plan.assigned)).toBeLessThanOrEqual(5);
    for (const a of plan.assigned.filter((x) => x.jobId.endsWith('-b'))) expect(a.start.getTime()).toBeGreaterThanOrEqual(later.start.getTime());
  });
});
