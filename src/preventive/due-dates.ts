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

export const SCHEDULES = ['fixed', 'floating'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface DueDateFactors {
  usage: { high: { transactionsPerDay: number; factor: number }; low: { transactionsPerDay: number; factor: number } };
  /** Per site environment condition (outdoor, dusty, hot, humid, ...): a factor < 1 shortens the interval. */
  environment: Record<string, number>;
  /** The effective interval never falls below this share of the base interval. */
  minimumShare: number;
}

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
  for (const condition of [...new Set(input.environment)].sort()) {
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
