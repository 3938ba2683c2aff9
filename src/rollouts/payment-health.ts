// Did the update make payments worse? The wave's updated terminals are compared with comparable
// terminals still on the old version over the same hours (so the time of day and the day's trade affect
// both alike): card-read failure rate, failed or refused transactions, and reboots per terminal-hour.
// A metric counts as worse when the difference is both significant (one-sided z above the threshold)
// and large enough to matter (above a minimum absolute increase): with thousands of card reads even
// a harmless wobble would be "significant".

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
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  zThreshold: 3, minCardReadIncrease: 0.02, minTransactionFailureIncrease: 0.02, minRebootRateIncrease: 0.05, minReboots: 3, minTerminals: 3,
};

export type Metric = 'card_read_failure_rate' | 'transaction_failure_rate' | 'reboots_per_terminal_hour';

export interface MetricComparison {
  metric: Metric;
  updated: number;
  comparison: number;
  difference: number;
  z: number;
  worse: boolean;
}

export interface HealthVerdict {
  worse: boolean;
  judged: boolean;
  /** Why it could not be judged, if not. */
  note: string | null;
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

export function compareGroups(updated: GroupFigures, comparison: GroupFigures, settings: HealthSettings = DEFAULT_HEALTH_SETTINGS): HealthVerdict {
  const share = (x: number, n: number) => (n === 0 ? 0 : x / n);
  const metrics: MetricComparison[] = [];
  const add = (metric: Metric, a: number, b: number, z: number, minIncrease: number, enough = true) => {
    const difference = a - b;
    metrics.push({ metric, updated: round(a), comparison: round(b), difference: round(difference), z: round(z), worse: enough && z > settings.zThreshold && difference > minIncrease });
  };
  add('card_read_failure_rate', share(updated.cardReadFailures, updated.cardReads), share(comparison.cardReadFailures, comparison.cardReads),
    proportionZ(updated.cardReadFailures, updated.cardReads, comparison.cardReadFailures, comparison.cardReads), settings.minCardReadIncrease);
  add('transaction_failure_rate', share(updated.failedTransactions, updated.transactions + updated.failedTransactions),
    share(comparison.failedTransactions, comparison.transactions + comparison.failedTransactions),
    proportionZ(updated.failedTransactions, updated.transactions + updated.failedTransactions, comparison.failedTransactions, comparison.transactions + comparison.failedTransactions),
    settings.minTransactionFailureIncrease);
  add('reboots_per_terminal_hour', share(updated.reboots, updated.terminalHours), share(comparison.reboots, comparison.terminalHours),
    rateZ(updated.reboots, updated.terminalHours, comparison.reboots, comparison.terminalHours), settings.minRebootRateIncrease, updated.reboots >= settings.minReboots);
  if (updated.terminals < settings.minTerminals) {
    return { worse: false, judged: false, note: `only ${updated.terminals} updated terminal(s) reported; at least ${settings.minTerminals} are needed to judge payments`, metrics };
  }
  if (comparison.terminals === 0) return { worse: false, judged: false, note: 'no comparable terminal on the old version reported over the same time', metrics };
  return { worse: metrics.some((m) => m.worse), judged: true, note: null, metrics };
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
