// The built-in rules over heartbeats, as pure functions: what each reading says (bad or good, how bad),
// thresholds with defaults that a terminal model may override, and the hysteresis that turns readings
// into opening and resolving incidents. No I/O: the service keeps the state between heartbeats.
import type { HeartbeatReport } from '../device/device.schemas.ts';
import { isOlder } from '../shared/versions.ts';
import { DEFAULT_TRADING_THRESHOLDS, type TradingThresholds } from './trading.rules.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CARD_INTERFACES = ['chip', 'swipe', 'contactless'] as const;
export type CardInterface = (typeof CARD_INTERFACES)[number];

import type { WornPart } from '../shared/part-due.ts';
import type { HeartbeatRule, Rule } from '../shared/rule-names.ts';
export { HEARTBEAT_RULES, OTHER_RULES, RULES, type HeartbeatRule, type Rule } from '../shared/rule-names.ts';

export interface Thresholds {
  cardReader: { windowAttempts: number; minAttempts: number; maxFailureRate: number };
  /** deepDischargePercent: a terminal lying unused and uncharged at or below this is being damaged. */
  battery: { minHealth: number; lowPercent: number; maxCycles: number; deepDischargePercent: number };
  temperature: { minC: number; maxC: number };
  storage: { minFreeMb: number };
  clock: { maxSkewSeconds: number };
  /**
   * Flapping: more than flapCount link drops within flapWindowMinutes. A weak signal or a slow link is
   * an incident only while it hurts trade: at least harmMinFailures payments of a heartbeat failed for a
   * technical reason (timeouts), and they were at least harmFailureShare of its payments.
   */
  network: { minSignalDbm: number; maxLatencyMs: number; flapCount: number; flapWindowMinutes: number; harmMinFailures: number; harmFailureShare: number };
  /**
   * Conditions the shop's staff fix (paper, the printer cover) go to the merchant first, on the terminal's
   * screen and in the merchant view; each becomes an operator incident only after it lasted this many
   * minutes (null: never by itself).
   */
  merchantFirst: MerchantFirstDelays;
  password: { maxAgeDays: number };
  /** Suspicious trading (see trading.rules.ts). */
  trading: TradingThresholds;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  cardReader: { windowAttempts: 50, minAttempts: 20, maxFailureRate: 0.3 },
  battery: { minHealth: 60, lowPercent: 20, maxCycles: 800, deepDischargePercent: 5 },
  temperature: { minC: -10, maxC: 60 },
  storage: { minFreeMb: 100 },
  clock: { maxSkewSeconds: 300 },
  network: { minSignalDbm: -100, maxLatencyMs: 2000, flapCount: 3, flapWindowMinutes: 60, harmMinFailures: 2, harmFailureShare: 0.2 },
  merchantFirst: { paperLowMinutes: null, paperOutMinutes: 30, coverOpenMinutes: 15 },
  password: { maxAgeDays: 90 },
  trading: DEFAULT_TRADING_THRESHOLDS,
};

export interface MerchantFirstDelays { paperLowMinutes: number | null; paperOutMinutes: number | null; coverOpenMinutes: number | null }

/** The rules whose condition the shop's staff fix, and the setting that delays each one's incident. */
export const MERCHANT_FIRST: Partial<Record<Rule, keyof MerchantFirstDelays>> = {
  printer_paper_low: 'paperLowMinutes',
  printer_paper_out: 'paperOutMinutes',
  printer_cover_open: 'coverOpenMinutes',
};

/**
 * Wear that is planned work, not an alarm: a battery past its cycle limit still holds its charge; it is
 * a part replacement due (preventive maintenance brings the terminal's battery task forward), never an
 * operator incident by itself. A battery that hurts service is its own rule and still an incident:
 * battery_health_low (no longer holds its charge), battery_not_charging, battery_deep_discharge.
 */
export const PLANNED_PARTS: Partial<Record<Rule, WornPart>> = { battery_high_cycles: 'battery' };

/** How long a merchant-first condition lasts before it is an operator incident (ms; null: never); undefined for other rules. */
export function escalationDelayMs(rule: Rule, t: Thresholds): number | null | undefined {
  const key = MERCHANT_FIRST[rule];
  if (!key) return undefined;
  const minutes = t.merchantFirst[key];
  return minutes === null ? null : minutes * 60_000;
}

export type ThresholdOverrides = { [K in keyof Thresholds]?: Partial<Thresholds[K]> };

/** Defaults with a model's overrides laid over them (a new object; neither input is changed). */
export function mergeThresholds(overrides: ThresholdOverrides | undefined, base: Thresholds = DEFAULT_THRESHOLDS): Thresholds {
  const out = structuredClone(base);
  for (const key of Object.keys(out) as (keyof Thresholds)[]) Object.assign(out[key], overrides?.[key] ?? {});
  return out;
}

/** Why a set of thresholds makes no sense, as [field, reason], or null. */
export function contradiction(t: Thresholds): [field: string, rule: 'card_reader' | 'temperature'] | null {
  if (t.cardReader.minAttempts > t.cardReader.windowAttempts) return ['cardReader.minAttempts', 'card_reader'];
  if (t.temperature.minC >= t.temperature.maxC) return ['temperature.minC', 'temperature'];
  return null;
}

/**
 * How each rule behaves: its severity, how many bad readings in a row open an incident, and how many
 * good ones in a row resolve it (0: only a person resolves it, e.g. tamper).
 */
export const RULE_POLICY: Record<Rule, { severity: Severity; openAfter: number; resolveAfter: number }> = {
  card_reader_chip: { severity: 'high', openAfter: 2, resolveAfter: 3 },
  card_reader_swipe: { severity: 'high', openAfter: 2, resolveAfter: 3 },
  card_reader_contactless: { severity: 'high', openAfter: 2, resolveAfter: 3 },
  printer_paper_low: { severity: 'low', openAfter: 1, resolveAfter: 1 },
  printer_paper_out: { severity: 'high', openAfter: 1, resolveAfter: 1 },
  printer_jam: { severity: 'high', openAfter: 1, resolveAfter: 1 },
  printer_cover_open: { severity: 'medium', openAfter: 2, resolveAfter: 1 },
  battery_health_low: { severity: 'medium', openAfter: 3, resolveAfter: 3 },
  battery_not_charging: { severity: 'medium', openAfter: 2, resolveAfter: 2 },
  battery_high_cycles: { severity: 'low', openAfter: 1, resolveAfter: 1 },
  battery_deep_discharge: { severity: 'medium', openAfter: 2, resolveAfter: 1 },
  temperature: { severity: 'high', openAfter: 3, resolveAfter: 3 },
  storage_low: { severity: 'medium', openAfter: 2, resolveAfter: 2 },
  clock_skew: { severity: 'low', openAfter: 3, resolveAfter: 3 },
  tamper: { severity: 'critical', openAfter: 1, resolveAfter: 0 },
  weak_signal: { severity: 'low', openAfter: 3, resolveAfter: 3 },
  high_latency: { severity: 'low', openAfter: 3, resolveAfter: 3 },
  security_features_off: { severity: 'high', openAfter: 1, resolveAfter: 1 },
  password_too_old: { severity: 'medium', openAfter: 1, resolveAfter: 1 },
  software_unpatched: { severity: 'medium', openAfter: 1, resolveAfter: 1 },
  offline: { severity: 'high', openAfter: 1, resolveAfter: 1 },
  site_network_down: { severity: 'critical', openAfter: 1, resolveAfter: 1 },
  network_flapping: { severity: 'medium', openAfter: 1, resolveAfter: 1 },
  suspicious_activity: { severity: 'high', openAfter: 1, resolveAfter: 0 },
  configuration_drift: { severity: 'medium', openAfter: 1, resolveAfter: 0 },
  terminal_relocated: { severity: 'high', openAfter: 1, resolveAfter: 0 },
  terminal_substituted: { severity: 'critical', openAfter: 1, resolveAfter: 0 },
  key_missing: { severity: 'high', openAfter: 1, resolveAfter: 0 },
  key_mismatch: { severity: 'high', openAfter: 1, resolveAfter: 0 },
  key_expiring: { severity: 'medium', openAfter: 1, resolveAfter: 0 },
};

/** What a rule saw in one heartbeat: bad or good, with the figures behind it. */
export interface Reading {
  rule: HeartbeatRule;
  bad: boolean;
  detail: Record<string, unknown>;
}

/** Attempts and failures of recent heartbeats, oldest first: the window of the last N attempts. */
export type CardWindow = { attempts: number; failures: number }[];

/**
 * Adds a heartbeat's counts to a window and drops the oldest heartbeats beyond `windowAttempts`.
 * Failure-free attempts side by side are one entry, trimmed to the attempt, so a reader that works
 * keeps the same window from one heartbeat to the next (nothing to write) however busy it is.
 */
export function slideCardWindow(window: CardWindow, counts: { attempts: number; failures: number }, windowAttempts: number): CardWindow {
  const next = window.map((c) => ({ ...c }));
  if (counts.attempts > 0) {
    const entry = { attempts: counts.attempts, failures: Math.min(counts.failures, counts.attempts) };
    const last = next.at(-1);
    if (last && last.failures === 0 && entry.failures === 0) last.attempts += entry.attempts;
    else next.push(entry);
  }
  let total = next.reduce((n, c) => n + c.attempts, 0);
  while (next.length && total > windowAttempts) {
    const oldest = next[0]!;
    if (oldest.failures === 0) {
      const cut = Math.min(total - windowAttempts, oldest.attempts);
      oldest.attempts -= cut;
      total -= cut;
      if (oldest.attempts === 0) next.shift();
    } else if (next.length > 1 && total - oldest.attempts >= windowAttempts) {
      total -= next.shift()!.attempts;
    } else break;
  }
  return next;
}

export function failureRate(window: CardWindow): { attempts: number; failures: number; rate: number } {
  const attempts = window.reduce((n, c) => n + c.attempts, 0);
  const failures = window.reduce((n, c) => n + c.failures, 0);
  return { attempts, failures, rate: attempts ? failures / attempts : 0 };
}

/** The newest security-patch versions published for a terminal's model (see the rollouts' packages). */
export interface SecurityBaseline {
  application?: string | undefined;
  firmware?: string | undefined;
}

/**
 * Every heartbeat rule's reading of one report. `cardWindows` are the windows after this heartbeat
 * (see slideCardWindow); a card interface without enough attempts yet reads as good.
 */
export function readHeartbeat(
  report: HeartbeatReport, receivedAt: string, t: Thresholds, cardWindows: Partial<Record<CardInterface, CardWindow>>, baseline: SecurityBaseline = {},
): Reading[] {
  const out: Reading[] = [];
  const read = (rule: HeartbeatRule, bad: boolean, detail: Record<string, unknown> = {}) => out.push({ rule, bad, detail });

  for (const iface of CARD_INTERFACES) {
    const window = cardWindows[iface];
    if (!window) continue;
    const { attempts, failures, rate } = failureRate(window);
    read(`card_reader_${iface}`, attempts >= t.cardReader.minAttempts && rate > t.cardReader.maxFailureRate, { attempts, failures, failureRate: Math.round(rate * 1000) / 1000 });
  }
  if (report.printer) {
    read('printer_paper_low', report.printer.paper === 'low', { paper: report.printer.paper });
    read('printer_paper_out', report.printer.paper === 'out', { paper: report.printer.paper });
    read('printer_jam', report.printer.jam);
    read('printer_cover_open', report.printer.coverOpen);
  }
  if (report.battery) {
    const b = report.battery;
    read('battery_health_low', b.health < t.battery.minHealth, { health: b.health });
    read('battery_not_charging', b.percent < t.battery.lowPercent && !b.charging, { percent: b.percent, charging: b.charging });
    read('battery_high_cycles', b.cycleCount > t.battery.maxCycles, { cycleCount: b.cycleCount, maxCycles: t.battery.maxCycles });
    // Stored: nothing sold since the previous heartbeat. A lithium battery left empty is lost for good.
    const stored = report.transactions.count === 0;
    read('battery_deep_discharge', stored && !b.charging && b.percent <= t.battery.deepDischargePercent, { percent: b.percent, charging: b.charging });
  }
  read('temperature', report.temperatureC < t.temperature.minC || report.temperatureC > t.temperature.maxC, { temperatureC: report.temperatureC });
  read('storage_low', report.storageFreeMb < t.storage.minFreeMb, { storageFreeMb: report.storageFreeMb });
  const skewSeconds = Math.round((Date.parse(report.sentAt) - Date.parse(receivedAt)) / 1000);
  read('clock_skew', Math.abs(skewSeconds) > t.clock.maxSkewSeconds, { skewSeconds });
  read('tamper', report.tamper);
  // A weak or slow link is judged by what it does to trade: bad while payments fail on it; a heartbeat
  // without payments says nothing either way (a quiet hour neither opens nor resolves the incident).
  const harm = tradeHarm(report, t);
  if (report.network.type !== 'ethernet' && report.network.signalDbm !== undefined) {
    const weak = report.network.signalDbm < t.network.minSignalDbm;
    if (!weak || harm.judged) read('weak_signal', weak && harm.hurts, { signalDbm: report.network.signalDbm, network: report.network.type, ...harm.detail });
  }
  if (report.network.latencyMs !== undefined) {
    const slow = report.network.latencyMs > t.network.maxLatencyMs;
    if (!slow || harm.judged) read('high_latency', slow && harm.hurts, { latencyMs: report.network.latencyMs, ...harm.detail });
  }
  const s = report.security;
  read('security_features_off', !s.pinEntryEnabled || !s.encryptionEnabled, { pinEntryEnabled: s.pinEntryEnabled, encryptionEnabled: s.encryptionEnabled });
  const ageDays = passwordAgeDays(s.passwordChangedAt, receivedAt);
  read('password_too_old', t.password.maxAgeDays > 0 && (ageDays === null || ageDays > t.password.maxAgeDays), { passwordChangedAt: s.passwordChangedAt, ageDays });
  if (baseline.application || baseline.firmware) {
    const appBehind = !!baseline.application && isOlder(report.appVersion, baseline.application);
    const firmwareBehind = !!baseline.firmware && isOlder(report.firmwareVersion, baseline.firmware);
    read('software_unpatched', appBehind || firmwareBehind, {
      appVersion: report.appVersion, firmwareVersion: report.firmwareVersion, latestSecurityPatch: { application: baseline.application ?? null, firmware: baseline.firmware ?? null },
    });
  }
  return out;
}

/** Whether a heartbeat's payments suffered: enough failed for a technical reason, as a share of all tried. */
export function tradeHarm(report: HeartbeatReport, t: Thresholds): { judged: boolean; hurts: boolean; detail: { payments: number; failed: number } } {
  const failed = report.transactions.failed ?? 0;
  const tried = report.transactions.count + failed;
  return {
    judged: tried > 0,
    hurts: failed >= t.network.harmMinFailures && failed >= t.network.harmFailureShare * tried,
    detail: { payments: tried, failed },
  };
}

/** Whole days since the password was changed; null when the terminal never reported a change. */
export function passwordAgeDays(changedAt: string | null, now: string): number | null {
  return changedAt === null ? null : Math.floor((Date.parse(now) - Date.parse(changedAt)) / 86_400_000);
}

/** Consecutive bad and good readings of one rule on one terminal. */
export interface Streak {
  bad: number;
  good: number;
  /** A delayed rule (merchant first): when (ms) the bad readings began. */
  since?: number;
}

/**
 * Hysteresis: an incident opens after `openAfter` bad readings in a row and resolves after
 * `resolveAfter` good ones in a row, so a condition flapping around its threshold neither opens nor
 * closes incidents on every heartbeat.
 */
export function nextStreak(
  streak: Streak, bad: boolean, isOpen: boolean, policy: { openAfter: number; resolveAfter: number }, delay?: { ms: number | null; atMs: number },
): { streak: Streak; action: 'open' | 'resolve' | null } {
  // Only the streak that can change something is counted (bad ones while closed, good ones while open),
  // so a healthy terminal has nothing to remember and its heartbeats write no state.
  if (bad === isOpen || (isOpen && policy.resolveAfter === 0)) return { streak: { bad: 0, good: 0 }, action: null };
  if (bad && delay) {
    // Merchant first: the incident opens once the condition lasted `ms` since its first bad reading
    // (never, for null). The count stops at openAfter, so a terminal waiting out its delay writes no state.
    if (delay.ms === null) return { streak: { bad: 0, good: 0 }, action: null };
    const since = streak.bad > 0 && streak.since !== undefined ? streak.since : delay.atMs;
    const next = { bad: Math.min(streak.bad + 1, policy.openAfter), good: 0, since };
    if (next.bad >= policy.openAfter && delay.atMs - since >= delay.ms) return { streak: { bad: 0, good: 0 }, action: 'open' };
    return { streak: next, action: null };
  }
  const next = bad ? { bad: streak.bad + 1, good: 0 } : { bad: 0, good: streak.good + 1 };
  if (!isOpen && bad && next.bad >= policy.openAfter) return { streak: { bad: 0, good: 0 }, action: 'open' };
  if (isOpen && !bad && policy.resolveAfter > 0 && next.good >= policy.resolveAfter) return { streak: { bad: 0, good: 0 }, action: 'resolve' };
  return { streak: next, action: null };
}

/**
 * Flapping, with hysteresis of its own: it opens when the link dropped more than `flapCount` times
 * within the window, and resolves only once a whole window went by without a single drop; in between
 * (a drop or two now and then) it stays as it is.
 */
export function flappingVerdict(dropsInWindow: number, isOpen: boolean, t: Pick<Thresholds['network'], 'flapCount'>): 'open' | 'resolve' | null {
  if (!isOpen && dropsInWindow > t.flapCount) return 'open';
  if (isOpen && dropsInWindow === 0) return 'resolve';
  return null;
}

/**
 * Correlation: a site whose terminals are mostly offline together is one "site network down" incident
 * rather than one per terminal. "Most" is more than half, and at least two terminals.
 */
export function siteIsDown(offline: number, monitored: number): boolean {
  return offline >= 2 && offline * 2 > monitored;
}

/** Reminders while a terminal or site stays offline: every `everyMs`, at most `max` in all. */
export function reminderDue(notifiedCount: number, lastNotifiedAt: string | null, now: Date, everyMs: number, max: number): boolean {
  if (notifiedCount >= max) return false;
  return lastNotifiedAt === null || Date.parse(lastNotifiedAt) + everyMs <= now.getTime();
}

const ORDER: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
export const severityRank = (s: string): number => ORDER[s as Severity] ?? -1;

/** Severities people are told about at once; low and medium incidents wait on the list. */
export const notifies = (severity: string): boolean => severityRank(severity) >= ORDER.high;
