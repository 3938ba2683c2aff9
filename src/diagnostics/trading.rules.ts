// Suspicious trading, as pure functions: what one heartbeat's transaction counts say against the site's
// opening hours and against the terminal's own history (refunds, manually keyed card numbers, the average
// amount), and the baseline each heartbeat teaches. The heartbeat observer keeps the state between
// heartbeats (in memory) and runs each reading through the same hysteresis as the fault rules; a rule
// that trips opens a suspicious-activity case, or adds its evidence to the terminal's open one.
import { closedThrough } from '../maintenance/windows/site-closed.ts';
import type { OpeningHours } from '../maintenance/windows/suggest-window.ts';

export const TRADING_RULES = ['trading_off_hours', 'refund_spike', 'manual_entry_spike', 'average_amount_shift'] as const;
export type TradingRule = (typeof TRADING_RULES)[number];

/** Per terminal model (the diagnostic thresholds' `trading` group). */
export interface TradingThresholds {
  /** Sales in one heartbeat while the site is closed that count as trading off hours. */
  offHoursMinTransactions: number;
  /** Heartbeats with sales the terminal's history must have before spikes and shifts are judged. */
  learnHeartbeats: number;
  /** A refund (or keyed) share this many times the terminal's usual share is a spike... */
  spikeFactor: number;
  /** ...when at least this many refunds (or keyed entries) came in the one heartbeat. */
  spikeMinCount: number;
  /** An average amount this many times above (or below 1/x of) the usual average is a shift... */
  amountFactor: number;
  /** ...judged only on heartbeats with at least this many sales. */
  amountMinTransactions: number;
  /** Hysteresis: bad heartbeats in a row that open (or add to) a case, good ones that clear the rule. */
  openAfter: number;
  resolveAfter: number;
}

export const DEFAULT_TRADING_THRESHOLDS: TradingThresholds = {
  offHoursMinTransactions: 1,
  learnHeartbeats: 20,
  spikeFactor: 3,
  spikeMinCount: 3,
  amountFactor: 3,
  amountMinTransactions: 3,
  openAfter: 1,
  resolveAfter: 3,
};

/** What a terminal usually does, learnt from its heartbeats with sales (exponentially weighted). */
export interface TradingBaseline {
  /** Heartbeats with sales learnt from (capped: only "enough" matters). */
  beats: number;
  refundShare: number;
  manualShare: number;
  averageMinor: number;
}

export const EMPTY_BASELINE: TradingBaseline = { beats: 0, refundShare: 0, manualShare: 0, averageMinor: 0 };

/** The weight of the newest heartbeat in the baseline: about the last 50 heartbeats with sales. */
const LEARN_WEIGHT = 0.04;
const BEATS_CAP = 1_000_000;

export interface TradingCounts {
  count: number;
  amountMinor: number;
  refunds?: number | undefined;
  manualEntries?: number | undefined;
}

export interface SiteHours {
  openingHours: OpeningHours;
  timeZone: string;
}

export interface TradingReading {
  rule: TradingRule;
  bad: boolean;
  detail: Record<string, unknown>;
}

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

/**
 * Every trading rule's reading of one heartbeat: `at` is when its sales happened (the server's receipt);
 * `site` is null when the terminal has no site or the site no opening hours (then off-hours is not judged).
 */
export function readTrading(t: TradingCounts, at: string, site: SiteHours | null, baseline: TradingBaseline, th: TradingThresholds): TradingReading[] {
  const out: TradingReading[] = [];
  if (site && Object.values(site.openingHours).some((d) => d && d.length > 0)) {
    const closed = closedThrough(site.openingHours, site.timeZone, new Date(at), 1).closed;
    out.push({ rule: 'trading_off_hours', bad: closed && t.count >= th.offHoursMinTransactions, detail: { transactions: t.count, at, timeZone: site.timeZone } });
  }
  const learnt = baseline.beats >= th.learnHeartbeats;
  if (!learnt || t.count === 0) return out;
  const spike = (rule: TradingRule, n: number | undefined, usual: number) => {
    if (n === undefined) return;
    const share = n / t.count;
    out.push({ rule, bad: n >= th.spikeMinCount && share > usual * th.spikeFactor, detail: { count: n, transactions: t.count, share: round(share), usualShare: round(usual) } });
  };
  spike('refund_spike', t.refunds, baseline.refundShare);
  spike('manual_entry_spike', t.manualEntries, baseline.manualShare);
  if (t.count >= th.amountMinTransactions && baseline.averageMinor > 0) {
    const average = t.amountMinor / t.count;
    const ratio = average / baseline.averageMinor;
    out.push({
      rule: 'average_amount_shift', bad: ratio > th.amountFactor || ratio < 1 / th.amountFactor,
      detail: { averageMinor: Math.round(average), usualAverageMinor: Math.round(baseline.averageMinor), ratio: round(ratio, 2), transactions: t.count },
    });
  }
  return out;
}

/**
 * The baseline after a heartbeat. A heartbeat some rule found bad teaches nothing, so a fraud that goes on
 * does not become the terminal's "usual"; one without sales teaches nothing either.
 */
export function learnTrading(baseline: TradingBaseline, t: TradingCounts, readings: readonly TradingReading[]): TradingBaseline {
  if (t.count === 0 || readings.some((r) => r.bad && r.rule !== 'trading_off_hours')) return baseline;
  const refundShare = (t.refunds ?? 0) / t.count;
  const manualShare = (t.manualEntries ?? 0) / t.count;
  const average = t.amountMinor / t.count;
  if (baseline.beats === 0) return { beats: 1, refundShare, manualShare, averageMinor: average };
  // The first heartbeats count as much as each other (a mean), then the newest weighs LEARN_WEIGHT.
  const w = Math.max(LEARN_WEIGHT, 1 / (baseline.beats + 1));
  const mix = (old: number, now: number) => old + (now - old) * w;
  return {
    beats: Math.min(BEATS_CAP, baseline.beats + 1),
    refundShare: mix(baseline.refundShare, refundShare),
    manualShare: mix(baseline.manualShare, manualShare),
    averageMinor: mix(baseline.averageMinor, average),
  };
}
