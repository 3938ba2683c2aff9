// How long a maintenance job is expected to keep a terminal out of service: the median and p90 of past
// durations per (terminal model, kind of work), with documented defaults before there is history.
//
// Where the estimate comes from, per kind of work, first that has at least `minSamples` durations:
//   1. the same terminal model and kind ('model');
//   2. every model, that kind ('fleet') — a new model behaves more like the fleet than like a guess;
//   3. DEFAULT_DURATIONS ('default').
// A job with several kinds adds them up (they run one after another on the terminal): the sum of the
// medians, and the sum of the p90s — a cautious figure, since slow runs of different kinds rarely
// coincide, which is what planning that must finish inside a window wants.
//
// A recorded duration longer than MAX_FACTOR × its kind's default p90 is not learnt from: no honest run of
// that kind takes so long, its time holds something else (the server's clock jumped, the terminal was
// offline for hours, a job left open overnight). One such figure among many moves no median, but a test
// run or an outage that leaves many of them once made an update "take" 1,339 minutes, and every later
// campaign skipped every terminal as longer than its window. Dropping them also bounds the estimate: it
// never exceeds that ceiling.
import type { WorkKind } from '../../shared/job-states.ts';

export interface DurationFigures { medianMinutes: number; p90Minutes: number }

/**
 * Before any history: the seed's "routine updates and fixes take minutes, upgrades or data sync longer",
 * as figures. The p90 is twice the median — downloads over shop networks have a long tail.
 */
export const DEFAULT_DURATIONS: Readonly<Record<WorkKind, DurationFigures>> = {
  update: { medianMinutes: 10, p90Minutes: 20 },
  upgrade: { medianMinutes: 30, p90Minutes: 60 },
  repair: { medianMinutes: 45, p90Minutes: 90 },
  data_sync: { medianMinutes: 20, p90Minutes: 40 },
  security_hardening: { medianMinutes: 15, p90Minutes: 30 },
  key_injection: { medianMinutes: 10, p90Minutes: 20 },
};

/** How many times its kind's default p90 a recorded duration may be before it is left out as not a real run. */
export const MAX_FACTOR = 4;

/** The longest duration of `kind` that is learnt from (and so the most an estimate can be). */
export function ceilingMinutes(kind: WorkKind): number {
  return DEFAULT_DURATIONS[kind].p90Minutes * MAX_FACTOR;
}

/** One finished job of a single kind of work; jobs that mixed kinds cannot be split and are left out. */
export interface DurationSample { terminalModel: string; kind: WorkKind; minutes: number }

export type DurationBasis = 'model' | 'fleet' | 'default';
export interface KindEstimate extends DurationFigures { kind: WorkKind; basis: DurationBasis; samples: number }
export interface DurationEstimate extends DurationFigures { parts: KindEstimate[] }

interface Stats extends DurationFigures { samples: number }

/** Built once from the history, then asked for many terminals. */
export interface DurationTable {
  readonly minSamples: number;
  readonly byModelKind: ReadonlyMap<string, Stats>;
  readonly byKind: ReadonlyMap<WorkKind, Stats>;
}

/**
 * Percentile by linear interpolation between closest ranks (the common "R-7" definition: the median of
 * an even count is the mean of the middle two). `sorted` must be ascending and non-empty.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

function stats(values: number[]): Stats {
  values.sort((a, b) => a - b);
  return { medianMinutes: percentile(values, 0.5), p90Minutes: percentile(values, 0.9), samples: values.length };
}

const modelKindKey = (terminalModel: string, kind: WorkKind) => `${terminalModel}\u0000${kind}`;

function append<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function buildDurationTable(samples: readonly DurationSample[], options: { minSamples?: number } = {}): DurationTable {
  const minSamples = options.minSamples ?? 5;
  const perModelKind = new Map<string, number[]>();
  const perKind = new Map<WorkKind, number[]>();
  for (const sample of samples) {
    // A zero, negative or non-numeric duration is a recording error, not a very fast job.
    if (!Number.isFinite(sample.minutes) || sample.minutes <= 0 || !(sample.kind in DEFAULT_DURATIONS)) continue;
    // Longer than any real run of its kind: a clock jump or offline time, not work (see the top of this file).
    if (sample.minutes > ceilingMinutes(sample.kind)) continue;
    append(perModelKind, modelKindKey(sample.terminalModel, sample.kind), sample.minutes);
    append(perKind, sample.kind, sample.minutes);
  }
  const byModelKind = new Map<string, Stats>();
  for (const [key, values] of perModelKind) if (values.length >= minSamples) byModelKind.set(key, stats(values));
  const byKind = new Map<WorkKind, Stats>();
  for (const [kind, values] of perKind) if (values.length >= minSamples) byKind.set(kind, stats(values));
  return { minSamples, byModelKind, byKind };
}

/** The expected duration of one job on a terminal of `terminalModel` doing `kinds` (repeats count once). */
export function expectedDuration(table: DurationTable, terminalModel: string, kinds: readonly WorkKind[]): DurationEstimate {
  const distinct = [...new Set(kinds)];
  if (distinct.length === 0) throw new RangeError('a maintenance job has at least one kind of work');
  const parts = distinct.map((kind): KindEstimate => {
    const own = table.byModelKind.get(modelKindKey(terminalModel, kind));
    if (own) return { kind, basis: 'model', ...own };
    const fleet = table.byKind.get(kind);
    if (fleet) return { kind, basis: 'fleet', ...fleet };
    const fallback = DEFAULT_DURATIONS[kind];
    if (!fallback) throw new RangeError(`unknown kind of work "${kind}"`);
    return { kind, basis: 'default', samples: 0, ...fallback };
  });
  return {
    medianMinutes: parts.reduce((sum, p) => sum + p.medianMinutes, 0),
    p90Minutes: parts.reduce((sum, p) => sum + p.p90Minutes, 0),
    parts,
  };
}
