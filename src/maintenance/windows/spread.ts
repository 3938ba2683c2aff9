// Spreading: when a maintenance window opens for thousands of terminals, give each job a start time
// randomised over its window (seeded, so a plan can be reproduced) while keeping at most `perSiteLimit`
// jobs running per site and `fleetLimit` across the fleet, and every job finishing (by its expected
// duration) before its window ends. Jobs that cannot fit are reported, with the reason.
//
// How: each job draws a desired start uniformly among the moments from which it would still finish in
// its window; jobs are then placed in order of desired start, each at the first moment at or after its
// desired start where both limits leave room for its whole run — or, failing that, at the first such
// moment after the window opened. Greedy, so not an optimal packing, but predictable and fast: a segment
// tree keeps the fleet's running count per second (per several seconds when the windows span more than
// about three days), and each site keeps the few intervals of its own jobs.
import type { Occurrence } from './window-definition.ts';
import { seededRandom } from '../../shared/prng.ts';

export interface SpreadJob {
  id: string;
  siteId: string;
  /** what planning budgets for the job, e.g. the p90 from expectedDuration() */
  expectedMinutes: number;
  /** the job's own window; defaults to SpreadOptions.window (sites in other time zones have other windows) */
  window?: Occurrence;
}

export interface SpreadOptions {
  seed: number | string;
  /** jobs running at once across the fleet */
  fleetLimit: number;
  /** jobs running at once per site (default 1); see continuity.ts siteCapacity() */
  perSiteLimit?: number;
  /** per-site limits that replace perSiteLimit for the sites they name; 0 means none may start */
  siteLimits?: ReadonlyMap<string, number>;
  window?: Occurrence;
  /** no start before this moment (a window already open is used from now on) */
  now?: Date;
  /** Start each job as early as the limits allow instead of spreading starts over the window (rollout waves: installed sooner, judged sooner). */
  packed?: boolean;
}

export interface SpreadAssignment { jobId: string; siteId: string; start: Date; expectedEnd: Date; windowEnd: Date }
export type NotFittingReason = 'no_window' | 'longer_than_window' | 'too_late' | 'site_limit' | 'fleet_limit';
export interface NotFitting { jobId: string; siteId: string; reason: NotFittingReason; message: string }
export interface SpreadPlan {
  /** ascending by start */
  assigned: SpreadAssignment[];
  notFitting: NotFitting[];
  /** the most jobs running at once in the plan */
  peakConcurrency: number;
}

const MAX_TIMELINE_UNITS = 1 << 18;

/** Range add; the last position in a range at or above a count, the first below it; all O(log n). */
class CountTree {
  private readonly size: number;
  private readonly max: Int32Array;
  private readonly min: Int32Array;
  private readonly lazy: Int32Array;

  constructor(length: number) {
    let size = 1;
    while (size < length) size *= 2;
    this.size = size;
    this.max = new Int32Array(2 * size);
    this.min = new Int32Array(2 * size);
    this.lazy = new Int32Array(2 * size);
  }

  add(l: number, r: number, value: number, node = 1, nl = 0, nr = this.size): void {
    if (r <= nl || nr <= l) return;
    if (l <= nl && nr <= r) {
      this.max[node]! += value;
      this.min[node]! += value;
      this.lazy[node]! += value;
      return;
    }
    const mid = (nl + nr) >> 1;
    this.add(l, r, value, 2 * node, nl, mid);
    this.add(l, r, value, 2 * node + 1, mid, nr);
    this.max[node] = Math.max(this.max[2 * node]!, this.max[2 * node + 1]!) + this.lazy[node]!;
    this.min[node] = Math.min(this.min[2 * node]!, this.min[2 * node + 1]!) + this.lazy[node]!;
  }

  /** The last position p in [l, r) whose count is ≥ threshold, or -1. */
  lastAtLeast(l: number, r: number, threshold: number, node = 1, nl = 0, nr = this.size, above = 0): number {
    if (r <= nl || nr <= l || this.max[node]! + above < threshold) return -1;
    if (nr - nl === 1) return nl;
    const mid = (nl + nr) >> 1;
    const carried = above + this.lazy[node]!;
    const right = this.lastAtLeast(l, r, threshold, 2 * node + 1, mid, nr, carried);
    return right >= 0 ? right : this.lastAtLeast(l, r, threshold, 2 * node, nl, mid, carried);
  }

  /** The first position p in [l, r) whose count is < threshold, or -1: skips a full stretch at once. */
  firstBelow(l: number, r: number, threshold: number, node = 1, nl = 0, nr = this.size, above = 0): number {
    if (r <= nl || nr <= l || this.min[node]! + above >= threshold) return -1;
    if (nr - nl === 1) return nl;
    const mid = (nl + nr) >> 1;
    const carried = above + this.lazy[node]!;
    const left = this.firstBelow(l, r, threshold, 2 * node, nl, mid, carried);
    return left >= 0 ? left : this.firstBelow(l, r, threshold, 2 * node + 1, mid, nr, carried);
  }

  peak(): number {
    return this.max[1]!;
  }
}

interface Interval { s: number; e: number }

/**
 * -1 when the site has room for [t, t + d) under `limit`; otherwise the earliest later start worth trying:
 * at the first moment p where the site is full, every job running at p still runs until the earliest of
 * their ends, so no start before that end can work.
 */
function siteBlockedUntil(intervals: readonly Interval[], t: number, d: number, limit: number): number {
  if (limit <= 0) return Number.POSITIVE_INFINITY;
  const overlapping = intervals.filter((iv) => iv.s < t + d && iv.e > t);
  if (overlapping.length < limit) return -1;
  const points = [t, ...overlapping.map((iv) => iv.s).filter((s) => s > t)].sort((a, b) => a - b);
  for (const p of points) {
    const running = overlapping.filter((iv) => iv.s <= p && iv.e > p);
    if (running.length >= limit) return Math.min(...running.map((iv) => iv.e));
  }
  return -1;
}

/** Plans start times for `jobs`; every job is either assigned or reported as not fitting. */
export function spreadStarts(jobs: readonly SpreadJob[], options: SpreadOptions): SpreadPlan {
  const { fleetLimit, perSiteLimit = 1, siteLimits, now } = options;
  if (!Number.isInteger(fleetLimit) || fleetLimit < 1) throw new RangeError(`fleetLimit must be a whole number ≥ 1; got ${fleetLimit}`);
  if (!Number.isInteger(perSiteLimit) || perSiteLimit < 0) throw new RangeError(`perSiteLimit must be a whole number ≥ 0; got ${perSiteLimit}`);
  const random = seededRandom(options.seed);
  const notFitting: NotFitting[] = [];
  const nowMs = now?.getTime() ?? Number.NEGATIVE_INFINITY;

  // The timeline: from the earliest usable moment to the latest window end, in whole units.
  const usable = jobs.flatMap((job) => {
    const window = job.window ?? options.window;
    if (!window) {
      notFitting.push({ jobId: job.id, siteId: job.siteId, reason: 'no_window', message: `job ${job.id} has no maintenance window` });
      return [];
    }
    if (!(job.expectedMinutes > 0)) throw new RangeError(`job ${job.id}: expectedMinutes must be more than 0; got ${job.expectedMinutes}`);
    return [{ job, opens: Math.max(window.start.getTime(), nowMs), window }];
  });
  if (usable.length === 0) return { assigned: [], notFitting, peakConcurrency: 0 };
  let origin = Number.POSITIVE_INFINITY;
  let horizon = Number.NEGATIVE_INFINITY;
  for (const u of usable) {
    origin = Math.min(origin, u.opens);
    horizon = Math.max(horizon, u.window.end.getTime());
  }
  const unitMs = 1000 * Math.max(1, Math.ceil((horizon - origin) / 1000 / MAX_TIMELINE_UNITS));
  const fleet = new CountTree(Math.max(1, Math.ceil((horizon - origin) / unitMs)));
  const bySite = new Map<string, Interval[]>();

  const planned = usable.flatMap(({ job, opens, window }) => {
    const first = Math.ceil((opens - origin) / unitMs);
    const last = Math.floor((window.end.getTime() - origin) / unitMs);
    const d = Math.ceil((job.expectedMinutes * 60_000) / unitMs);
    const latest = last - d;
    if (latest < first) {
      const whole = window.end.getTime() - window.start.getTime() >= job.expectedMinutes * 60_000;
      notFitting.push(whole
        ? { jobId: job.id, siteId: job.siteId, reason: 'too_late', message: `job ${job.id} needs ${job.expectedMinutes} minutes but its window closes at ${window.end.toISOString()}` }
        : { jobId: job.id, siteId: job.siteId, reason: 'longer_than_window', message: `job ${job.id} needs ${job.expectedMinutes} minutes, longer than its window` });
      return [];
    }
    return [{ job, first, latest, d, desired: options.packed ? first : first + Math.floor(random() * (latest - first + 1)), tie: random(), windowEnd: window.end }];
  });
  planned.sort((a, b) => a.desired - b.desired || a.tie - b.tie);

  /** The first start in [from, latest] with room at the site (and in the fleet unless siteOnly), or -1. */
  const earliest = (intervals: Interval[], limit: number, from: number, latest: number, d: number, siteOnly: boolean): number => {
    let t = from;
    while (t <= latest) {
      const siteNext = siteBlockedUntil(intervals, t, d, limit);
      if (siteNext >= 0) {
        t = siteNext;
        continue;
      }
      if (siteOnly) return t;
      const free = fleet.firstBelow(t, latest + 1, fleetLimit);
      if (free < 0) return -1;
      if (free > t) {
        t = free;
        continue;
      }
      const full = fleet.lastAtLeast(t, t + d, fleetLimit);
      if (full < 0) return t;
      t = full + 1;
    }
    return -1;
  };

  const assigned: SpreadAssignment[] = [];
  for (const p of planned) {
    const { job, first, latest, d } = p;
    const limit = siteLimits?.get(job.siteId) ?? perSiteLimit;
    const intervals = bySite.get(job.siteId) ?? [];
    let t = earliest(intervals, limit, p.desired, latest, d, false);
    if (t < 0 && p.desired > first) t = earliest(intervals, limit, first, p.desired - 1, d, false);
    if (t < 0) {
      const siteRoom = limit > 0 && earliest(intervals, limit, first, latest, d, true) >= 0;
      notFitting.push(siteRoom
        ? { jobId: job.id, siteId: job.siteId, reason: 'fleet_limit', message: `no room for job ${job.id} under the fleet-wide limit of ${fleetLimit} jobs at once` }
        : { jobId: job.id, siteId: job.siteId, reason: 'site_limit', message: `no room for job ${job.id} at site ${job.siteId} under its limit of ${limit} job(s) at once` });
      continue;
    }
    intervals.push({ s: t, e: t + d });
    bySite.set(job.siteId, intervals);
    fleet.add(t, t + d, 1);
    const start = origin + t * unitMs;
    assigned.push({ jobId: job.id, siteId: job.siteId, start: new Date(start), expectedEnd: new Date(start + job.expectedMinutes * 60_000), windowEnd: p.windowEnd });
  }
  assigned.sort((a, b) => a.start.getTime() - b.start.getTime());
  return { assigned, notFitting, peakConcurrency: fleet.peak() };
}
