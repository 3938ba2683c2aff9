// The due-date formula of preventive maintenance, as a pure function: a task's base interval is
// shortened or lengthened by the terminal's usage and its site's environment, and every due date
// carries the factors that made it (its "why").
//
//   effectiveDays = max(minimumDays, baseDays × usageFactor × Π environmentFactor[e])
//   fixed schedule:    nextDue = lastDue (else plan start) + effectiveDays
//   floating schedule: nextDue = lastCompletion (else plan start) + effectiveDays
//
// usageFactor: `high.factor` when the terminal averages at least `high.transactionsPerDay`,
// `low.factor` at most `low.transactionsPerDay`, else 1 (no meter data: 1). minimumDays is
// min(base, max(1/24, base × minimumShare)) so no factor combination makes an interval vanish.
// Wear meters shorten only the tasks they wear out: each meter (printed receipts, card insertions and
// taps, battery cycles) with a daily average at or above its `perDay` multiplies by its `factor` the
// templates whose checklist has one of its `itemCodes` (printer items, card-reader items, battery).

export const SCHEDULES = ['fixed', 'floating'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface DueDateFactors {
  usage: { high: { transactionsPerDay: number; factor: number }; low: { transactionsPerDay: number; factor: number } };
  /** Per site environment condition (outdoor, dusty, hot, humid, ...): a factor < 1 shortens the interval. */
  environment: Record<string, number>;
  /** The effective interval never falls below this share of the base interval. */
  minimumShare: number;
  /** Wear meters; defaults to DEFAULT_METERS when absent. */
  meters?: Partial<Record<Meter, MeterFactor>> | undefined;
}

export const METERS = ['receipts', 'cardInsertions', 'batteryCycles'] as const;
export type Meter = (typeof METERS)[number];

export interface MeterFactor {
  /** Daily average at or above which the meter applies. */
  perDay: number;
  factor: number;
  /** Checklist item codes of the tasks this meter wears out. */
  itemCodes: string[];
}

/** Daily averages of a terminal's meters from its heartbeats; null when it reported none. */
export type MeterReadings = Partial<Record<Meter, number | null>>;

export const DEFAULT_METERS: Record<Meter, MeterFactor> = {
  receipts: { perDay: 300, factor: 0.8, itemCodes: ['printer-paper-jam', 'consumables', 'clean-sensors-printer-keypad', 'deep-clean', 'worn-parts'] },
  cardInsertions: { perDay: 250, factor: 0.8, itemCodes: ['clean-casing-slot', 'card-reader', 'clean-sensors-printer-keypad', 'calibration'] },
  batteryCycles: { perDay: 1, factor: 0.75, itemCodes: ['battery'] },
};

const METER_WORDS: Record<Meter, { unit: string; tasks: string }> = {
  receipts: { unit: 'receipts printed/day', tasks: 'printer tasks' },
  cardInsertions: { unit: 'card insertions and taps/day', tasks: 'card-reader tasks' },
  batteryCycles: { unit: 'battery cycles/day', tasks: 'battery checks' },
};

export const DEFAULT_FACTORS: DueDateFactors = {
  usage: { high: { transactionsPerDay: 200, factor: 0.75 }, low: { transactionsPerDay: 20, factor: 1.25 } },
  environment: { outdoor: 0.8, dusty: 0.7, hot: 0.85, humid: 0.85 },
  minimumShare: 0.25,
};

export interface DueReason {
  factor: string;
  value: number;
  reason: string;
}

export interface DueInput {
  schedule: Schedule;
  baseDays: number;
  /** Plan start: the anchor before anything was due or done. */
  startAt: Date;
  lastDueAt?: Date | null;
  lastDoneAt?: Date | null;
  /** Average transactions per day over the recent past; null when the terminal reported nothing. */
  transactionsPerDay: number | null;
  environment: readonly string[];
  factors?: DueDateFactors;
  /** Wear meters of the terminal (see DEFAULT_METERS). */
  meters?: MeterReadings;
  /** The template's checklist item codes: which wear meters concern it. Arrays given here are read as immutable (cached per array). */
  itemCodes?: readonly string[];
}

export interface DueDate {
  dueAt: Date;
  baseDays: number;
  effectiveDays: number;
  anchor: 'start' | 'last_due' | 'last_completion';
  why: DueReason[];
}

const DAY_MS = 86_400_000;
const round = (n: number) => Math.round(n * 1000) / 1000;

// Recomputing a fleet's due dates calls nextDue millions of times with the same few factor sets,
// templates and environments: what depends only on those is worked out once per object.
const mergedMeters = new WeakMap<DueDateFactors, Record<Meter, MeterFactor>>();
function metersOf(factors: DueDateFactors): Record<Meter, MeterFactor> {
  let merged = mergedMeters.get(factors);
  if (!merged) mergedMeters.set(factors, merged = { ...DEFAULT_METERS, ...factors.meters } as Record<Meter, MeterFactor>);
  return merged;
}
const concerned = new WeakMap<MeterFactor, WeakMap<readonly string[], boolean>>();
function concerns(rule: MeterFactor, itemCodes: readonly string[]): boolean {
  let byCodes = concerned.get(rule);
  if (!byCodes) concerned.set(rule, byCodes = new WeakMap());
  let yes = byCodes.get(itemCodes);
  if (yes === undefined) byCodes.set(itemCodes, yes = rule.itemCodes.some((c) => itemCodes.includes(c)));
  return yes;
}
const sortedConditions = new WeakMap<readonly string[], string[]>();
function conditionsOf(environment: readonly string[]): readonly string[] {
  if (environment.length === 0) return environment;
  let sorted = sortedConditions.get(environment);
  if (!sorted) sortedConditions.set(environment, sorted = [...new Set(environment)].sort());
  return sorted;
}

export function nextDue(input: DueInput): DueDate {
  if (!(input.baseDays > 0) || !Number.isFinite(input.baseDays)) throw new RangeError('baseDays must be a positive number');
  const factors = input.factors ?? DEFAULT_FACTORS;
  const why: DueReason[] = [];
  let product = 1;

  const tpd = input.transactionsPerDay;
  if (tpd !== null && tpd >= factors.usage.high.transactionsPerDay) {
    product *= factors.usage.high.factor;
    why.push({ factor: 'usage', value: factors.usage.high.factor, reason: `high usage: ${round(tpd)} transactions/day ≥ ${factors.usage.high.transactionsPerDay}` });
  } else if (tpd !== null && tpd <= factors.usage.low.transactionsPerDay) {
    product *= factors.usage.low.factor;
    why.push({ factor: 'usage', value: factors.usage.low.factor, reason: `low usage: ${round(tpd)} transactions/day ≤ ${factors.usage.low.transactionsPerDay}` });
  }
  if (input.meters && input.itemCodes?.length) {
    const meters = metersOf(factors);
    for (const meter of METERS) {
      const perDay = input.meters[meter];
      const rule = meters[meter];
      if (perDay === null || perDay === undefined || perDay < rule.perDay || rule.factor === 1 || !concerns(rule, input.itemCodes)) continue;
      product *= rule.factor;
      why.push({ factor: `meter:${meter}`, value: rule.factor, reason: `${METER_WORDS[meter].tasks}: ${round(perDay)} ${METER_WORDS[meter].unit} ≥ ${rule.perDay}` });
    }
  }
  for (const condition of conditionsOf(input.environment)) {
    const value = factors.environment[condition];
    if (value === undefined || value === 1) continue;
    product *= value;
    why.push({ factor: `environment:${condition}`, value, reason: `${condition} site` });
  }

  const base = input.baseDays;
  const minimumDays = Math.min(base, Math.max(1 / 24, base * factors.minimumShare));
  let effective = base * product;
  if (effective < minimumDays) {
    why.push({ factor: 'minimum', value: round(minimumDays / effective), reason: `interval kept at its minimum of ${round(minimumDays)} days` });
    effective = minimumDays;
  }

  let anchor: DueDate['anchor'] = 'start';
  let from = input.startAt;
  if (input.schedule === 'fixed' && input.lastDueAt) {
    anchor = 'last_due';
    from = input.lastDueAt;
  } else if (input.schedule === 'floating' && input.lastDoneAt) {
    anchor = 'last_completion';
    from = input.lastDoneAt;
  }
  return { dueAt: new Date(from.getTime() + Math.round(effective * DAY_MS)), baseDays: base, effectiveDays: round(effective), anchor, why };
}
