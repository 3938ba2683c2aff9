// Forecasts a merchant acts on before trade stops: the paper roll running out (receipts printed since
// the roll was changed, against the roll length of the model), the battery wearing out (the trend of its
// capacity), and a card slot whose failure rate is climbing (the last week against the weeks before).
// Each says when, and an episode opens once and closes only well clear of its threshold (hysteresis),
// so one roll, one battery or one slot makes one notice, not one per heartbeat. Pure: no I/O.

const DAY = 86_400_000;

/** An open/closed episode with hysteresis: opens at or below openAt, closes only above closeAbove. */
export function episode(wasOpen: boolean, daysLeft: number | null, openAt: number, closeAbove: number): boolean {
  if (daysLeft === null) return wasOpen;
  return wasOpen ? daysLeft <= closeAbove : daysLeft <= openAt;
}

/**
 * Days of paper left: the roll holds rollReceipts receipts (per model), printedSinceChange were printed
 * since the roll was changed, and the terminal prints receiptsPerDay. Null without a rate.
 */
export function paperDaysLeft(rollReceipts: number, printedSinceChange: number, receiptsPerDay: number | null): number | null {
  if (!receiptsPerDay || receiptsPerDay <= 0 || rollReceipts <= 0) return null;
  return Math.max(0, rollReceipts - printedSinceChange) / receiptsPerDay;
}

export interface CapacitySample {
  at: string;
  /** Capacity left, % of design. */
  health: number;
}

/**
 * Days until the battery's capacity falls below replaceBelow (% of design), from the least-squares
 * trend of its samples over at least minSpanDays. Null when the trend is flat or rising, or too short.
 */
export function batteryDaysLeft(samples: readonly CapacitySample[], replaceBelow: number, minSpanDays = 14): number | null {
  if (samples.length < 3) return null;
  const points = samples.map((s) => ({ x: Date.parse(s.at) / DAY, y: s.health })).sort((a, b) => a.x - b.x);
  const span = points.at(-1)!.x - points[0]!.x;
  if (span < minSpanDays) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const slope = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx; // % per day
  if (slope >= 0) return null;
  const now = my + slope * (points.at(-1)!.x - mx);
  if (now <= replaceBelow) return 0;
  return (now - replaceBelow) / -slope;
}

export interface ReadDay {
  attempts: number;
  failures: number;
}

export interface SlotTrend {
  recentRate: number;
  baseRate: number;
  climbing: boolean;
}

/**
 * Whether a card slot's failure rate is climbing: the last `recentDays` days (newest last in `days`)
 * fail at least `factor` times as often as the days before, above a floor, with enough attempts on
 * both sides that a few bad reads are not a trend.
 */
export function cardSlotTrend(days: readonly ReadDay[], options: { recentDays?: number; factor?: number; floorRate?: number; minAttempts?: number } = {}): SlotTrend {
  const { recentDays = 7, factor = 2, floorRate = 0.03, minAttempts = 50 } = options;
  const sum = (list: readonly ReadDay[]) => list.reduce((a, d) => ({ attempts: a.attempts + d.attempts, failures: a.failures + d.failures }), { attempts: 0, failures: 0 });
  const recent = sum(days.slice(-recentDays));
  const base = sum(days.slice(0, Math.max(0, days.length - recentDays)));
  const recentRate = recent.attempts ? recent.failures / recent.attempts : 0;
  const baseRate = base.attempts ? base.failures / base.attempts : 0;
  const enough = recent.attempts >= minAttempts && base.attempts >= minAttempts;
  return { recentRate, baseRate, climbing: enough && recentRate >= floorRate && recentRate >= factor * Math.max(baseRate, floorRate / factor) };
}
