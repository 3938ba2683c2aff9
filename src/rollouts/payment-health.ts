// Did the update make payments worse? Each updated terminal is judged against its own figures before
// the update, and that change against the change comparable terminals still on the old version show
// over the same hours (a difference in differences): a terminal whose card reader was already faulty
// before the update does not make a good build look bad, nor a rollback of a bad build, and the time
// of day and the day's trade affect both groups alike. Metrics: card-read failure rate, failed or
// refused transactions, and reboots per terminal-hour. A metric counts as worse when the difference is
// both significant (one-sided z above the threshold) and large enough to matter (above a minimum
// absolute increase): with thousands of card reads even a harmless wobble would be "significant".
// Where either group has no figures from before (terminals that just enrolled), that metric falls back
// to comparing the two groups after the update alone, and says so (`basis: 'groups'`).

import { formatMessage, type MessageKey, type MessageParams } from '../shared/messages/format.ts';

export interface GroupFigures {
  terminals: number;
  cardReads: number;
  cardReadFailures: number;
  transactions: number;
  /** Failed plus refused attempts. */
  failedTransactions: number;
  reboots: number;
  terminalHours: number;
}

export interface HealthSettings {
  /** One-sided z above which a worsening is significant (3 ≈ p < 0.0014). */
  zThreshold: number;
  /** Worsening smaller than this (absolute share, e.g. 0.02 = 2 points) never halts. */
  minCardReadIncrease: number;
  minTransactionFailureIncrease: number;
  /** Reboots per terminal-hour. */
  minRebootRateIncrease: number;
  /** Fewer reboots than this on the updated terminals are too few to call worse (one crash would give z > 3 in a small wave). */
  minReboots: number;
  /** Fewer updated terminals than this cannot be judged: the wave passes on its install results alone. */
  minTerminals: number;
  /**
   * How much history before the update it takes to trust it half: card reads (or transactions) and, for
   * reboots, terminal-hours. With n of them the difference the groups showed before the update is taken
   * away in the proportion n / (n + this): a day of history almost wholly, a few minutes little.
   */
  baselineHalfTrust: { count: number; hours: number };
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  zThreshold: 3, minCardReadIncrease: 0.02, minTransactionFailureIncrease: 0.02, minRebootRateIncrease: 0.05, minReboots: 3, minTerminals: 3,
  baselineHalfTrust: { count: 50, hours: 5 },
};

export type Metric = 'card_read_failure_rate' | 'transaction_failure_rate' | 'reboots_per_terminal_hour';

export interface MetricComparison {
  metric: Metric;
  /** The updated terminals' rate after the update. */
  updated: number;
  /** The comparable terminals' rate over the same hours. */
  comparison: number;
  /**
   * `change`: updated minus comparison after the update, less `baselineWeight` × the same difference
   * before it (a difference in differences, trusting the terminals' own history as far as it goes);
   * `groups`: updated minus comparison.
   */
  difference: number;
  z: number;
  worse: boolean;
  /** `change`: each group against its own figures before the update; `groups`: no figures from before, the groups compared after it only. */
  basis: 'change' | 'groups';
  /** The same terminals' rates before the update (null on the `groups` basis). */
  updatedBefore: number | null;
  comparisonBefore: number | null;
  /**
   * How much of the difference the groups already showed before the update is taken away (0–1): n / (n +
   * baselineHalfTrust) for the updated terminals' n reads (or hours) before it. 0 on the `groups` basis.
   */
  baselineWeight: number;
}

export interface HealthVerdict {
  worse: boolean;
  judged: boolean;
  /** Why it could not be judged, if not (English, for the log and older clients). */
  note: string | null;
  /** The note as the message catalogue's key and its parameters, to say it in the reader's language. */
  noteKey?: MessageKey;
  noteParams?: MessageParams;
  metrics: MetricComparison[];
}

export function emptyGroup(): GroupFigures {
  return { terminals: 0, cardReads: 0, cardReadFailures: 0, transactions: 0, failedTransactions: 0, reboots: 0, terminalHours: 0 };
}

/** One-sided two-proportion z: how far the updated share lies above the comparison share. */
export function proportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 0;
  return (x1 / n1 - x2 / n2) / se;
}

/** Reboots are counts over exposure: given all reboots, the updated group's share is binomial under "no change". */
export function rateZ(k1: number, t1: number, k2: number, t2: number): number {
  const n = k1 + k2;
  if (n === 0 || t1 <= 0 || t2 <= 0) return 0;
  const expectedShare = t1 / (t1 + t2);
  const se = Math.sqrt(n * expectedShare * (1 - expectedShare));
  return se === 0 ? 0 : (k1 - n * expectedShare) / se;
}

/** The same terminals' figures before and after the update; `all` holds the after figures of every terminal, with figures from before or not. */
export interface GroupChange {
  before: GroupFigures;
  after: GroupFigures;
  all: GroupFigures;
}

export function emptyChange(): GroupChange {
  return { before: emptyGroup(), after: emptyGroup(), all: emptyGroup() };
}

interface Rates {
  cards: [number, number];
  transactions: [number, number];
  reboots: [number, number];
}

function ratesOf(g: GroupFigures): Rates {
  return {
    cards: [g.cardReadFailures, g.cardReads],
    transactions: [g.failedTransactions, g.transactions + g.failedTransactions],
    reboots: [g.reboots, g.terminalHours],
  };
}

const share = (x: number, n: number) => (n === 0 ? 0 : x / n);
/** Variance of a share, smoothed so that 0 of 40 still carries some uncertainty. */
const shareVariance = (x: number, n: number) => {
  const p = (x + 0.5) / (n + 1);
  return (p * (1 - p)) / n;
};
/** Variance of a count over exposure (Poisson), smoothed likewise. */
const rateVariance = (k: number, t: number) => (k + 0.5) / (t * t);

/**
 * The updated terminals' change (after against before) minus the comparable terminals' change over the
 * same hours, per metric, with a one-sided z; a metric without figures from before in either group
 * compares the groups after the update only.
 */
export function compareChanges(updated: GroupChange, comparison: GroupChange, settings: HealthSettings = DEFAULT_HEALTH_SETTINGS): HealthVerdict {
  const [u0, u1, c0, c1] = [ratesOf(updated.before), ratesOf(updated.after), ratesOf(comparison.before), ratesOf(comparison.after)];
  const [ua, ca] = [ratesOf(updated.all), ratesOf(comparison.all)];
  const metrics: MetricComparison[] = [];
  const minimum: Record<keyof Rates, number> = { cards: settings.minCardReadIncrease, transactions: settings.minTransactionFailureIncrease, reboots: settings.minRebootRateIncrease };
  const names: Record<keyof Rates, Metric> = { cards: 'card_read_failure_rate', transactions: 'transaction_failure_rate', reboots: 'reboots_per_terminal_hour' };
  for (const key of ['cards', 'transactions', 'reboots'] as const) {
    const variance = key === 'reboots' ? rateVariance : shareVariance;
    const cells = [u1[key], u0[key], c1[key], c0[key]];
    const paired = cells.every(([, n]) => n > 0);
    // Enough reboots to call worse: a crash or two in a small wave gives a large z by itself.
    const enough = key !== 'reboots' || (paired ? u1.reboots[0] : ua.reboots[0]) >= settings.minReboots;
    if (paired) {
      const [a1, a0, b1, b0] = cells.map(([x, n]) => share(x, n)) as [number, number, number, number];
      // How far the updated terminals' own history is trusted: a day of it almost wholly; a few minutes
      // little (the comparison is then mostly between the groups after the update).
      const half = key === 'reboots' ? settings.baselineHalfTrust.hours : settings.baselineHalfTrust.count;
      const weight = u0[key][1] / (u0[key][1] + half);
      const difference = a1 - b1 - weight * (a0 - b0);
      const [va1, va0, vb1, vb0] = cells.map(([x, n]) => variance(x, n)) as [number, number, number, number];
      const se = Math.sqrt(va1 + vb1 + weight * weight * (va0 + vb0));
      const z = se === 0 ? 0 : difference / se;
      metrics.push({
        metric: names[key], updated: round(a1), comparison: round(b1), difference: round(difference), z: round(z), basis: 'change',
        updatedBefore: round(a0), comparisonBefore: round(b0), baselineWeight: round(weight), worse: enough && z > settings.zThreshold && difference > minimum[key],
      });
    } else {
      const [[x1, n1], [x2, n2]] = [ua[key], ca[key]];
      const [a, b] = [share(x1, n1), share(x2, n2)];
      const z = key === 'reboots' ? rateZ(x1, n1, x2, n2) : proportionZ(x1, n1, x2, n2);
      metrics.push({
        metric: names[key], updated: round(a), comparison: round(b), difference: round(a - b), z: round(z), basis: 'groups',
        updatedBefore: null, comparisonBefore: null, baselineWeight: 0, worse: enough && z > settings.zThreshold && a - b > minimum[key],
      });
    }
  }
  if (updated.all.terminals < settings.minTerminals) {
    return { worse: false, judged: false, ...noted('rollouts.payments.too_few', { reported: String(updated.all.terminals), needed: String(settings.minTerminals) }), metrics };
  }
  if (comparison.all.terminals === 0) return { worse: false, judged: false, ...noted('rollouts.payments.no_comparison'), metrics };
  return { worse: metrics.some((m) => m.worse), judged: true, note: null, metrics };
}

/** A note in English with its catalogue key and parameters beside it. */
function noted(key: MessageKey, params: MessageParams = {}): Pick<HealthVerdict, 'note' | 'noteKey' | 'noteParams'> {
  return { note: formatMessage('en', key, params) ?? key, noteKey: key, noteParams: params };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The figures one terminal's consecutive heartbeats add to its group (uptime falling means it restarted). */
export interface HeartbeatFacts {
  receivedAt: number;
  uptimeSeconds: number;
  cardReads: number;
  cardReadFailures: number;
  transactions: number;
  failedTransactions: number;
  crashes: number;
}

/**
 * Adds one terminal's heartbeats received after `since` (ms). A restart counts when the terminal
 * reports a crash, or when its uptime went down and it booted after `since`: a heartbeat measured
 * before the install's own restart but delivered late (after an outage) is followed by a lower
 * uptime, yet that boot belongs to the install, not to the new version.
 */
export function addTerminal(group: GroupFigures, beats: HeartbeatFacts[], since: number): void {
  if (!beats.length) return;
  group.terminals++;
  let previous: HeartbeatFacts | undefined;
  for (const beat of beats) {
    group.cardReads += beat.cardReads;
    group.cardReadFailures += beat.cardReadFailures;
    group.transactions += beat.transactions;
    group.failedTransactions += beat.failedTransactions;
    const restarted = previous !== undefined && beat.uptimeSeconds < previous.uptimeSeconds && beat.receivedAt - beat.uptimeSeconds * 1000 > since;
    group.reboots += beat.crashes > 0 ? beat.crashes : restarted ? 1 : 0;
    previous = beat;
  }
  group.terminalHours += Math.max((beats.at(-1)!.receivedAt - beats[0]!.receivedAt) / 3_600_000, 1 / 60);
}

/** A terminal's hours: its baseline (`baselineFrom`, `baselineTo`] before the update, and what it reported after `since`. */
export interface TerminalPeriods {
  baselineFrom: number;
  baselineTo: number;
  since: number;
}

/**
 * Adds one terminal's heartbeats to its group: those after `since` to `all`, and, when it also reported
 * over its baseline, both periods to `before` and `after` (only terminals seen in both, so a change is
 * never a change of who reported).
 */
export function addTerminalChange(group: GroupChange, beats: HeartbeatFacts[], periods: TerminalPeriods): void {
  const after = beats.filter((b) => b.receivedAt > periods.since);
  const before = beats.filter((b) => b.receivedAt > periods.baselineFrom && b.receivedAt <= periods.baselineTo);
  addTerminal(group.all, after, periods.since);
  if (!after.length || !before.length) return;
  addTerminal(group.before, before, periods.baselineFrom);
  addTerminal(group.after, after, periods.since);
}
