// Maintenance KPIs as pure functions: which incidents are failures, downtime as the union of a
// terminal's out-of-service intervals, and per group the accumulated numerators and denominators of
// availability, MTBF, MTTR (merchant-restored and repair), PM compliance, planned-maintenance share,
// backlog, first-time-fix and remote-fix rates. The formulas are written down in the README ("KPIs");
// every KPI is returned with its numerator and denominator so a reader can check it.

/**
 * Incidents that are failures: the terminal cannot take payments (offline, its site's network down,
 * locked after tamper) or a part it needs for them is broken (card reader failing, printer jammed).
 * Consumables (paper), wear warnings (battery, temperature) and security findings are not failures.
 */
export const FAILURE_RULES = ['offline', 'site_network_down', 'tamper', 'card_reader_chip', 'card_reader_swipe', 'card_reader_contactless', 'printer_jam'] as const;

/** Work orders that repair something (everything but planned preventive maintenance). */
export const PLANNED_SOURCES = ['preventive'] as const;
export const isCorrective = (source: string): boolean => !(PLANNED_SOURCES as readonly string[]).includes(source);

/** A corrective work order is a first-time fix unless a follow-up or a new failure comes within this many days. */
export const FIRST_TIME_FIX_DAYS = 7;
/** A preventive work order is on time when done within this share of its interval before or after its due date. */
export const PM_TOLERANCE = 0.1;

export const GROUP_BYS = ['fleet', 'merchant', 'site', 'model', 'technician'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

const HOUR = 3_600_000;
const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

export interface Interval {
  start: number;
  end: number;
}

/** The length of the union of intervals, clipped to [from, to): overlapping outages count once. */
export function unionLength(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals.map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) })).filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const i of clipped) {
    if (current && i.start <= current.end) current.end = Math.max(current.end, i.end);
    else {
      if (current) total += current.end - current.start;
      current = { ...i };
    }
  }
  return total + (current ? current.end - current.start : 0);
}

/** How a preventive work order due in the period is judged at `now`. */
export type PmOutcome = 'on_time' | 'late' | 'pending';

/**
 * On time: done within ±PM_TOLERANCE × interval of its due date. Late: done outside that, or not done
 * once the tolerance after its due date has passed. Pending: not done and still inside the tolerance
 * (not judged yet, left out of the KPI).
 */
export function pmOutcome(dueAt: string, doneAt: string | null, intervalDays: number, now: number): PmOutcome {
  const tolerance = PM_TOLERANCE * Math.max(0, intervalDays) * DAY;
  const due = ms(dueAt);
  if (doneAt !== null) return Math.abs(ms(doneAt) - due) <= tolerance ? 'on_time' : 'late';
  return now > due + tolerance ? 'late' : 'pending';
}

/** A corrective work order done at `doneAt` was fixed the first time unless a follow-up or a new failure of its terminals came within the window. */
export function firstTimeFix(doneAt: string, hasFollowUp: boolean, nextFailureAt: string | null, windowDays = FIRST_TIME_FIX_DAYS): boolean {
  if (hasFollowUp) return false;
  return nextFailureAt === null || ms(nextFailureAt) > ms(doneAt) + windowDays * DAY;
}

/** How a resolved incident was fixed: by a visit (a work order worked on site during it), remotely (a guide run, command or remote job during it), or neither (it cleared by itself). */
export type Resolution = 'visit' | 'remote' | 'self';

/** What is known of a work order done in the period. */
export interface DoneOrderFacts {
  source: string;
  minutesSpent: number;
  /** The start of the failure it repaired (its creation when none is known). */
  failureStart: string;
  doneAt: string;
  restoredAt: string | null;
  hasFollowUp: boolean;
  nextFailureAt: string | null;
}

/** What done work orders add to MTTR, first-time fix and the planned share: integers (minutes, ms), so sums in any order agree. */
export interface DoneSums {
  minutes: number;
  plannedMinutes: number;
  /** Corrective work orders (each repaired a failure). */
  repairs: number;
  repairMs: number;
  restoredMs: number;
  firstTimeFixes: number;
}

/** What one done work order adds: a preventive one its hours only; a corrective one a repair too. */
export function doneOrderSums(order: DoneOrderFacts): DoneSums {
  const minutes = Math.max(0, order.minutesSpent);
  if (!isCorrective(order.source)) return { minutes, plannedMinutes: minutes, repairs: 0, repairMs: 0, restoredMs: 0, firstTimeFixes: 0 };
  const start = ms(order.failureStart);
  const done = ms(order.doneAt);
  // A terminal restored before the work order was done (a spare swapped in) counts from then; never before the failure.
  const restored = order.restoredAt === null ? done : Math.min(done, Math.max(start, ms(order.restoredAt)));
  return {
    minutes, plannedMinutes: 0, repairs: 1, repairMs: Math.max(0, done - start), restoredMs: Math.max(0, restored - start),
    firstTimeFixes: firstTimeFix(order.doneAt, order.hasFollowUp, order.nextFailureAt) ? 1 : 0,
  };
}

// ---- per group
export interface Kpi {
  /** numerator / denominator (for MTBF and MTTR: hours per failure or repair); null when the denominator is 0. */
  value: number | null;
  numerator: number;
  denominator: number;
}

export interface GroupKpis {
  /** Uptime hours / service hours of the group's terminals. */
  availability: Kpi;
  /** Uptime hours / failures that began in the period. */
  mtbfHours: Kpi;
  /** Hours from failure start until a working terminal was back (restored_at, else done) / corrective work orders done. */
  mttrRestoredHours: Kpi;
  /** Hours from failure start until the work order was done / corrective work orders done. */
  mttrRepairHours: Kpi;
  /** Preventive work orders done on time / preventive work orders due in the period (judged). */
  pmCompliance: Kpi;
  /** Hours spent on preventive work orders / hours spent on all work orders done in the period. */
  plannedShare: Kpi;
  /** Open work orders at the end of the period. */
  backlog: { count: number; overdue: number; estimatedHours: number };
  /** Corrective work orders fixed the first time / corrective work orders done. */
  firstTimeFix: Kpi;
  /** Incidents fixed remotely / incidents fixed (remotely or by a visit); `selfCleared` resolved without either. */
  remoteFix: Kpi & { selfCleared: number };
}

// 10 ** digits, looked up: Math.pow with a digit count that varies between calls cost ~70 ns each, ~10 ms
// over the 10,000 groups of a report by site. The same numbers (powers of ten up to 1e6 are exact).
const SCALE = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
const round = (n: number, digits: number) => {
  const scale = SCALE[digits] ?? 10 ** digits;
  return Math.round(n * scale) / scale;
};
export function kpi(numerator: number, denominator: number, digits = 4): Kpi {
  return { value: denominator > 0 ? round(numerator / denominator, digits) : null, numerator: round(numerator, 3), denominator: round(denominator, 3) };
}

// The measures each group accumulates: one column each in KpiGroups.
const SERVICE_MS = 0;
const DOWN_MS = 1;
const FAILURES = 2;
const RESTORED_MS = 3;
const REPAIR_MS = 4;
const REPAIRS = 5;
const PM_ON_TIME = 6;
const PM_JUDGED = 7;
const PLANNED_MINUTES = 8;
const ALL_MINUTES = 9;
const BACKLOG_COUNT = 10;
const BACKLOG_OVERDUE = 11;
const BACKLOG_MINUTES = 12;
const FIRST_TIME_FIXES = 13;
const CORRECTIVE_DONE = 14;
const REMOTE = 15;
const VISITS = 16;
const SELF_CLEARED = 17;
const MEASURES = 18;

/**
 * Accumulates the facts of many groups (`add()` gives a new one's number); `result(g)` turns a group's
 * into KPIs. Kept in one Float64Array, a row of MEASURES numbers per group, not an object per group: a
 * report by site folds ~50,000 rows into 10,000 groups, and objects with 18 number fields (each a boxed
 * number once it is not a small integer) were most of the garbage collector's work. The sums are the
 * same doubles, added in the same order.
 */
export class KpiGroups {
  private sums: Float64Array;
  private count = 0;

  constructor(expected = 16) {
    this.sums = new Float64Array(Math.max(1, expected) * MEASURES);
  }

  private plus(index: number, by: number): void {
    this.sums[index] = this.sums[index]! + by;
  }

  /** A new group, with nothing in it yet. */
  add(): number {
    if ((this.count + 1) * MEASURES > this.sums.length) {
      const grown = new Float64Array(this.sums.length * 2);
      grown.set(this.sums);
      this.sums = grown;
    }
    return this.count++;
  }

  /** Terminals in service for `serviceMs` (summed) of the period. */
  addService(g: number, serviceMs: number): void {
    this.plus(g * MEASURES + SERVICE_MS, Math.max(0, serviceMs));
  }

  /** One terminal's downtime within its service time (see unionLength), and the failures that began in it. */
  addOutages(g: number, downMs: number, failures: number): void {
    const at = g * MEASURES;
    this.plus(at + DOWN_MS, Math.max(0, downMs));
    this.plus(at + FAILURES, failures);
  }

  /** A work order done in the period. */
  addDone(g: number, order: DoneOrderFacts): void {
    this.addDoneSums(g, doneOrderSums(order));
  }

  /** Work orders done in the period, summed (doneOrderSums; the rollups of 0043). */
  addDoneSums(g: number, sums: DoneSums): void {
    const at = g * MEASURES;
    this.plus(at + ALL_MINUTES, sums.minutes);
    this.plus(at + PLANNED_MINUTES, sums.plannedMinutes);
    this.plus(at + REPAIR_MS, sums.repairMs);
    this.plus(at + RESTORED_MS, sums.restoredMs);
    this.plus(at + REPAIRS, sums.repairs);
    this.plus(at + CORRECTIVE_DONE, sums.repairs);
    this.plus(at + FIRST_TIME_FIXES, sums.firstTimeFixes);
  }

  addPreventive(g: number, outcome: PmOutcome): void {
    if (outcome === 'pending') return;
    this.plus(g * MEASURES + PM_JUDGED, 1);
    if (outcome === 'on_time') this.plus(g * MEASURES + PM_ON_TIME, 1);
  }

  addOpen(g: number, overdue: boolean, estimatedMinutes: number): void {
    const at = g * MEASURES;
    this.plus(at + BACKLOG_COUNT, 1);
    if (overdue) this.plus(at + BACKLOG_OVERDUE, 1);
    this.plus(at + BACKLOG_MINUTES, Math.max(0, estimatedMinutes));
  }

  /** `count` incidents resolved in the period, each fixed this way. */
  addResolved(g: number, resolution: Resolution, count = 1): void {
    this.plus(g * MEASURES + (resolution === 'remote' ? REMOTE : resolution === 'visit' ? VISITS : SELF_CLEARED), count);
  }

  result(g: number): GroupKpis {
    // Read into locals, not through a helper closure: one made per group showed in the profile.
    const s = this.sums;
    const at = g * MEASURES;
    const serviceMs = s[at + SERVICE_MS]!;
    const repairs = s[at + REPAIRS]!;
    const remote = s[at + REMOTE]!;
    const upHours = Math.max(0, serviceMs - s[at + DOWN_MS]!) / HOUR;
    const fixed = kpi(remote, remote + s[at + VISITS]!);
    return {
      availability: kpi(upHours, serviceMs / HOUR, 6),
      mtbfHours: kpi(upHours, s[at + FAILURES]!, 3),
      mttrRestoredHours: kpi(s[at + RESTORED_MS]! / HOUR, repairs, 3),
      mttrRepairHours: kpi(s[at + REPAIR_MS]! / HOUR, repairs, 3),
      pmCompliance: kpi(s[at + PM_ON_TIME]!, s[at + PM_JUDGED]!),
      plannedShare: kpi(s[at + PLANNED_MINUTES]! / 60, s[at + ALL_MINUTES]! / 60),
      backlog: { count: s[at + BACKLOG_COUNT]!, overdue: s[at + BACKLOG_OVERDUE]!, estimatedHours: round(s[at + BACKLOG_MINUTES]! / 60, 3) },
      firstTimeFix: kpi(s[at + FIRST_TIME_FIXES]!, s[at + CORRECTIVE_DONE]!),
      // Written out, not `{ ...fixed, selfCleared }`: that spread cost ~1 µs a group.
      remoteFix: { value: fixed.value, numerator: fixed.numerator, denominator: fixed.denominator, selfCleared: s[at + SELF_CLEARED]! },
    };
  }
}

/**
 * Estimated minutes of an open work order: the average minutes spent on the work orders of its source
 * done so far; where its source has none, the average over all done work orders; 0 when none is done.
 */
export function estimateMinutes(done: ReadonlyMap<string, { minutes: number; count: number }>, source: string): number {
  const own = done.get(source);
  if (own && own.count > 0) return own.minutes / own.count;
  let minutes = 0;
  let count = 0;
  for (const d of done.values()) {
    minutes += d.minutes;
    count += d.count;
  }
  return count > 0 ? minutes / count : 0;
}

// ---- rollups: whole UTC days read from what the `kpi-rollups` job wrote, the rest of a period live

/** One outage of a terminal: ms instants, `end` null while it goes on; failures count where they begin. */
export interface TerminalOutage {
  start: number;
  end: number | null;
  failure: boolean;
}

/**
 * A terminal's downtime within [from, end) — the union of its outages, from its creation — and the
 * failures that began in it. Over consecutive ranges the parts add up to the whole: a period is the sum
 * of its days.
 */
export function terminalDowntime(outages: readonly TerminalOutage[], createdAt: number, from: number, end: number): { down: number; failures: number } {
  const start = Math.max(from, createdAt);
  const down = unionLength(outages.map((o) => ({ start: o.start, end: o.end ?? end })), start, end);
  const failures = outages.filter((o) => o.failure && o.start >= start && o.start < end).length;
  return { down, failures };
}

/** The UTC day of an instant, 'YYYY-MM-DD'. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

/**
 * Splits [from, to) into the whole UTC days that are rolled up and the ranges to read live (the partial
 * days at each end, and any whole day not rolled up), in order.
 */
export function splitPeriod(from: number, to: number, rolled: ReadonlySet<string>): { days: string[]; live: Interval[] } {
  const days: string[] = [];
  const live: Interval[] = [];
  const addLive = (start: number, end: number) => {
    if (end <= start) return;
    const last = live[live.length - 1];
    if (last && last.end === start) last.end = end;
    else live.push({ start, end });
  };
  let cursor = from;
  let day = Math.ceil(from / DAY) * DAY;
  for (; day + DAY <= to; day += DAY) {
    if (!rolled.has(utcDay(day))) continue;
    addLive(cursor, day);
    days.push(utcDay(day));
    cursor = day + DAY;
  }
  addLive(cursor, to);
  return { days, live };
}
