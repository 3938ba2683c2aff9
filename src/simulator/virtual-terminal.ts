// A virtual POS terminal for the fleet simulator: an I/O-free state machine, stepped once per
// heartbeat from a seeded PRNG, whose paper runs out, whose chip slot gets dirty, whose battery wears
// and whose Wi-Fi drops, the way a real fleet's do. Customers come as its site trades at that time of
// day, and pay only if the terminal may take payments. Same seed and same step times → same reports.
// Its lasting traits: ./terminal-profile.ts; its software and bad builds: ./virtual-software.ts. The rest
// stays whole past ~350 lines for a reason: its parts draw from one seeded stream in a fixed order (that
// order is what makes a seed replay the same fleet), so they step together, here.
import type { WorkKind } from '../shared/job-states.ts';
import type { HeartbeatContent } from '../sdk/index.ts';
import { Random } from './random.ts';
import { screenPng } from './screen-png.ts';
import { expectedPayments, paymentsPerHour, SITE_PROFILES, type SiteKind, type SiteProfile } from './site-profiles.ts';
import { drawProfile, type CardInterface, type Environment, type TerminalProfile } from './terminal-profile.ts';
import { LATEST_VERSIONS, VirtualSoftware } from './virtual-software.ts';

export { LATEST_VERSIONS };
export type { CardInterface, Environment, Fault, NetworkType, TerminalProfile } from './terminal-profile.ts';

export interface VirtualTerminalOptions {
  serialNumber: string;
  seed: number;
  /** Seconds between heartbeats; the first step counts as one interval. */
  intervalSeconds: number;
  /** The site's offset from UTC, for its trading hours (default UTC+8: the simulated merchant is in Shanghai). */
  utcOffsetMinutes?: number;
  /** How the site trades through the day (default: a shop, 09–21). */
  site?: SiteKind | SiteProfile;
  /** Software versions that, once installed, make card reads fail far more often (a bad build). */
  cardReadFailureVersions?: readonly string[];
  /** Versions that make payments fail after the card was read (a bad build: about one in four). */
  transactionFailureVersions?: readonly string[];
  /** Versions that crash the payment app now and then (a bad build: about once per terminal-hour). */
  crashVersions?: readonly string[];
  /**
   * Sales per hour this terminal takes while its site is closed (default 0): a till used after closing,
   * the suspicious-trading scenario.
   */
  afterHoursSalesPerHour?: number;
}

export interface CommandOutcome {
  status: 'succeeded' | 'failed';
  output: Record<string, unknown>;
}

interface ReaderCounts {
  attempts: number;
  failures: number;
}

const DAY_MS = 86_400_000;
const LOW_PAPER_SHARE = 0.15;
const PASSWORD_MAX_AGE_DAYS = 90;

/** Log lines a virtual terminal keeps (its log rotates beyond; small, as a simulated fleet holds thousands). */
const LOG_LINES = 300;

/** Whether a customer may pay now; the terminal SDK's canTransact(), which counts refusals. */
export type PaymentGate = () => boolean;

const AMBIENT_C: Record<Environment, number> = { indoor: 24, outdoor: 20, dusty: 27, hot: 38, humid: 30 };

export class VirtualTerminal {
  readonly serialNumber: string;
  readonly profile: TerminalProfile;
  readonly site: SiteProfile;
  /** Since the terminal was made: payments taken, and customers turned away (not in service). */
  readonly totals = { payments: 0, refused: 0 };
  private readonly rng: Random;
  /** Refunds, keyed entries and after-hours sales draw from their own stream, so the rest plays as before. */
  private readonly tradeRng: Random;
  private readonly afterHoursSalesPerHour: number;
  private readonly intervalMs: number;
  private readonly utcOffsetMinutes: number;
  private readonly utcOffsetMs: number;

  // ---- state, advanced by step()
  private lastStepAt: number | undefined;
  private paperLeft: number;
  private refillInBeats = 0;
  private jamBeats: number;
  private coverOpenBeats = 0;
  private battery: { percent: number; health: number; cycleCount: number; onCharger: boolean; chargedShare: number };
  private storageFreeMb: number;
  private uptimeSeconds: number;
  private temperatureC: number | undefined;
  private tamper: boolean;
  private passwordAgeDays: number | null;
  private passwordChangedAt: number | null = null;
  private linkDownUntil = 0;
  private readonly software: VirtualSoftware;
  /** The application's log, newest last (what collect_logs uploads), kept to the last LOG_LINES lines. */
  private readonly journal: string[] = [];

  constructor(options: VirtualTerminalOptions) {
    this.serialNumber = options.serialNumber;
    this.rng = new Random(options.seed);
    this.tradeRng = new Random(options.seed * 31 + 17);
    this.afterHoursSalesPerHour = options.afterHoursSalesPerHour ?? 0;
    this.intervalMs = options.intervalSeconds * 1000;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 480;
    this.utcOffsetMs = this.utcOffsetMinutes * 60_000;
    this.site = typeof options.site === 'object' ? options.site : SITE_PROFILES[options.site ?? 'shop'];
    const rng = this.rng;
    this.profile = drawProfile(rng);
    this.software = new VirtualSoftware({ app: this.profile.appVersion, firmware: this.profile.firmwareVersion }, options);
    // A fleet is met in the middle of its life: some rolls already low or empty, some batteries old.
    const roll = rng.weighted([['full', 70], ['low', 18], ['out', 12]] as const);
    const share = roll === 'full' ? rng.between(LOW_PAPER_SHARE, 1) : roll === 'low' ? rng.between(0.01, LOW_PAPER_SHARE) : 0;
    this.paperLeft = Math.round(this.profile.paperRollReceipts * share);
    if (this.paperLeft === 0) this.refillInBeats = rng.int(3, 40);
    this.jamBeats = rng.chance(0.02) ? rng.int(2, 20) : 0;
    const cycleCount = rng.int(20, 900);
    this.battery = {
      percent: this.profile.docked ? rng.between(90, 100) : rng.between(20, 100),
      health: clamp(100 - cycleCount * 0.025 - rng.between(0, 6), 40, 100),
      cycleCount,
      onCharger: this.profile.docked,
      chargedShare: 0,
    };
    this.storageFreeMb = rng.weighted([[rng.between(800, 3500), 80], [rng.between(40, 300), 20]]);
    this.uptimeSeconds = rng.int(60, 30 * 86_400);
    this.tamper = rng.chance(0.01);
    this.passwordAgeDays = rng.chance(0.03) ? null : rng.between(0, 200);
  }

  /** Whether a request sent at `at` gets through: false during a simulated network outage. */
  linkUp(at: Date): boolean {
    return at.getTime() >= this.linkDownUntil;
  }

  /**
   * Advances the terminal to `at` (one heartbeat later) and returns what it reports. Each customer
   * since the last step asks `mayPay`; one turned away is not in the report (the SDK counts refusals).
   */
  step(at: Date, mayPay: PaymentGate = () => true): HeartbeatContent {
    const now = at.getTime();
    const elapsedSeconds = this.lastStepAt === undefined ? this.intervalMs / 1000 : Math.max(0, (now - this.lastStepAt) / 1000);
    this.lastStepAt = now;
    if (this.passwordChangedAt === null && this.passwordAgeDays !== null) this.passwordChangedAt = now - this.passwordAgeDays * DAY_MS;

    const sales = this.trade(now, elapsedSeconds, mayPay);
    const receipts = this.print(sales.count);
    this.advanceBattery(sales.count);
    this.advanceStorage(sales.count);
    const crashes = this.advanceUptime(elapsedSeconds);
    this.advanceSecurity(now);
    this.advanceNetwork(now);
    const report = { ...this.report(sales, receipts, now), ...(crashes > 0 && { crashes }) };
    this.writeLog(at, report);
    return report;
  }

  /** The application's log lines, oldest first: one per heartbeat with what it reported, and each fault seen. */
  logLines(): readonly string[] {
    return this.journal;
  }

  /** The screen now, as a small PNG (a green bar when trading, amber when a fault shows). */
  screenshot(): Uint8Array {
    const faulty = this.selfTestFindings().length > 0;
    return screenPng(faulty ? [230, 160, 0] : [0, 150, 80], faulty ? 3 : 4);
  }

  private writeLog(at: Date, report: HeartbeatContent): void {
    const stamp = at.toISOString();
    const readers = Object.entries(report.cardReader).map(([name, r]) => `${name}=${r?.failures ?? 0}/${r?.attempts ?? 0}`).join(' ');
    this.journal.push(`${stamp} INFO  heartbeat app=${report.appVersion} fw=${report.firmwareVersion} tx=${report.transactions.count} readers[${readers}] `
      + `paper=${report.printer?.paper ?? '-'} battery=${report.battery ? `${Math.round(report.battery.percent)}%/${Math.round(report.battery.health)}%` : '-'} `
      + `net=${report.network.type}${report.network.signalDbm === undefined ? '' : `@${Math.round(report.network.signalDbm)}dBm`} storage=${Math.round(report.storageFreeMb)}MB`);
    for (const finding of this.selfTestFindings()) this.journal.push(`${stamp} WARN  ${finding}`);
    if (report.crashes) this.journal.push(`${stamp} ERROR application crashed ${report.crashes} time(s); restarted`);
    if (this.profile.faults.includes('log_spam')) for (let i = 0; i < 20; i++) this.journal.push(`${stamp} DEBUG verbose trace ${i}: emv kernel state dump`);
    if (this.journal.length > LOG_LINES) this.journal.splice(0, this.journal.length - LOG_LINES);
  }

  /** What the terminal does with a command from the server. */
  runCommand(type: string, at: Date): CommandOutcome {
    switch (type) {
      case 'reboot':
        this.uptimeSeconds = 0;
        return { status: 'succeeded', output: { rebootedAt: at.toISOString() } };
      case 'self_test':
        return { status: this.selfTestFindings().length ? 'failed' : 'succeeded', output: { findings: this.selfTestFindings() } };
      case 'sync_time':
        return { status: 'succeeded', output: { clockOffsetMs: 0 } };
      case 'rotate_password':
        // The new password takes effect at once; the next heartbeat reports when it changed.
        this.passwordChangedAt = at.getTime();
        return { status: 'succeeded', output: { passwordChangedAt: at.toISOString() } };
      case 'collect_logs':
        return { status: 'succeeded', output: { logMb: Math.round(this.profile.faults.includes('log_spam') ? 900 : 20), storageFreeMb: Math.round(this.storageFreeMb) } };
      default:
        return { status: 'failed', output: { reason: `unknown command type ${type}` } };
    }
  }

  /** Payments per hour this terminal takes at an instant, as its site trades then. */
  paymentsPerHour(at: Date): number {
    return paymentsPerHour(this.site, at.getTime(), this.utcOffsetMinutes) * this.profile.busyness;
  }

  /** The software now installed. */
  get installed(): Readonly<{ app: string; firmware: string }> {
    return this.software.installed;
  }

  // ---- what maintenance jobs change

  /** A job's work takes effect: new software installed (the old kept for a rollback), passwords rotated. */
  applyWork(work: readonly WorkKind[], at: Date): void {
    this.software.applyWork(work);
    if (work.includes('security_hardening')) this.passwordChangedAt = at.getTime();
  }

  /** A package from a rollout, verified by the SDK, is installed (the old version kept for a rollback). */
  installPackage(pkg: { kind: string; version: string }): void {
    this.software.installPackage(pkg);
  }

  /** A job confirmed: its changes stay. */
  keepWork(): void {
    this.software.keepWork();
  }

  /** A job rolled back: the software it replaced is back. */
  restoreVersions(): void {
    this.software.restoreVersions();
  }

  /** A restart: uptime starts again. */
  reboot(): void {
    this.uptimeSeconds = 0;
  }

  private selfTestFindings(): string[] {
    const findings: string[] = [];
    if (this.profile.failureRate.chip > 0.2) findings.push('chip reader: high read failure rate, clean the card slot');
    if (this.profile.failureRate.contactless > 0.5) findings.push('contactless antenna: no field detected');
    if (this.paperLeft === 0) findings.push('printer: paper out');
    if (this.jamBeats > 0) findings.push('printer: paper jam');
    if (this.profile.faults.includes('battery_not_charging')) findings.push('battery: not charging');
    return findings;
  }

  // ---- one step of each part

  /** Customers since the last step pay: how many, how much, and how each card was read (with retries and fallbacks). */
  private trade(now: number, elapsedSeconds: number, mayPay: PaymentGate) {
    const customers = this.rng.poisson(expectedPayments(this.site, now - elapsedSeconds * 1000, now, this.utcOffsetMinutes) * this.profile.busyness);
    const readers: Record<CardInterface, ReaderCounts> = { chip: { attempts: 0, failures: 0 }, swipe: { attempts: 0, failures: 0 }, contactless: { attempts: 0, failures: 0 } };
    let amountMinor = 0;
    let count = 0;
    let failed = 0;
    for (let i = 0; i < customers; i++) {
      if (!mayPay()) {
        this.totals.refused++;
        continue;
      }
      this.readCard(readers);
      // A faulty build loses the payment after the read (the host link, the receipt, the app itself).
      if (this.software.transactionFailure > 0 && this.rng.chance(this.software.transactionFailure)) {
        failed++;
        continue;
      }
      count++;
      this.totals.payments++;
      amountMinor += Math.round(Math.exp(this.rng.between(Math.log(800), Math.log(40_000))));
    }
    // A till used after closing: sales while the site's profile says nobody buys.
    if (this.afterHoursSalesPerHour > 0 && paymentsPerHour(this.site, now, this.utcOffsetMinutes) === 0) {
      const extra = this.tradeRng.poisson((this.afterHoursSalesPerHour * elapsedSeconds) / 3600);
      for (let i = 0; i < extra; i++) {
        count++;
        this.totals.payments++;
        amountMinor += Math.round(Math.exp(this.tradeRng.between(Math.log(800), Math.log(40_000))));
      }
    }
    // About one sale in a hundred is refunded, one in two hundred keyed in by hand.
    let refunds = 0;
    let manualEntries = 0;
    for (let i = 0; i < count; i++) {
      if (this.tradeRng.chance(0.01)) refunds++;
      if (this.tradeRng.chance(0.005)) manualEntries++;
    }
    return { count, amountMinor, readers, failed, refunds, manualEntries };
  }

  /** A cashier tries a card up to three times on one interface, then falls back to the chip (or swipe). */
  private readCard(readers: Record<CardInterface, ReaderCounts>): void {
    let chosen = this.rng.weighted<CardInterface>([['contactless', 55], ['chip', 35], ['swipe', 10]]);
    for (let fallbacks = 0; fallbacks < 2; fallbacks++) {
      for (let tries = 0; tries < 3; tries++) {
        readers[chosen].attempts++;
        if (!this.rng.chance(Math.min(1, this.profile.failureRate[chosen] + this.software.readFailure))) return;
        readers[chosen].failures++;
      }
      chosen = chosen === 'chip' ? 'swipe' : 'chip';
    }
  }

  /** Receipts use up the roll; staff refill an empty one after a while and sometimes leave the cover open. */
  private print(sales: number): number {
    if (this.jamBeats > 0) this.jamBeats--;
    if (this.coverOpenBeats > 0) this.coverOpenBeats--;
    else if (this.rng.chance(0.001)) this.coverOpenBeats = this.rng.int(1, 5);
    if (this.paperLeft === 0) {
      if (--this.refillInBeats <= 0) this.refill();
      return 0;
    }
    if (this.paperLeft < this.profile.paperRollReceipts * LOW_PAPER_SHARE && this.rng.chance(0.02)) this.refill();
    let printed = 0;
    for (let i = 0; i < sales && this.jamBeats === 0 && this.coverOpenBeats === 0 && this.paperLeft > 0; i++) {
      const copies = this.rng.chance(0.5) ? 2 : 1;
      printed += Math.min(copies, this.paperLeft);
      this.paperLeft = Math.max(0, this.paperLeft - copies);
      if (this.rng.chance(0.003 * copies)) this.jamBeats = this.rng.int(2, 20);
    }
    if (this.paperLeft === 0) this.refillInBeats = this.rng.int(3, 40);
    return printed;
  }

  private refill(): void {
    this.paperLeft = this.profile.paperRollReceipts;
    if (this.rng.chance(0.1)) this.coverOpenBeats = this.rng.int(1, 4);
  }

  /** Charge goes down with use and up on the charger; every 100 % charged is a cycle that wears the cell. */
  private advanceBattery(sales: number): void {
    const b = this.battery;
    const canCharge = b.onCharger && !this.profile.faults.includes('battery_not_charging');
    if (canCharge) {
      const gained = Math.min(100 - b.percent, this.rng.between(0.5, 2));
      b.percent += gained;
      b.chargedShare += gained / 100;
      if (b.percent >= 100 && !this.profile.docked) b.onCharger = false;
    } else {
      b.percent = Math.max(1, b.percent - this.rng.between(0.05, 0.25) - 0.1 * sales);
      if (b.percent < this.rng.between(12, 25)) b.onCharger = true;
    }
    if (b.chargedShare >= 1) {
      b.chargedShare -= 1;
      b.cycleCount++;
      b.health = Math.max(40, b.health - this.rng.between(0.01, 0.05));
    }
  }

  /** Logs and receipts fill the disk; housekeeping frees it now and then, unless the app spams logs. */
  private advanceStorage(sales: number): void {
    const spam = this.profile.faults.includes('log_spam');
    this.storageFreeMb -= (spam ? this.rng.between(0.5, 2) : this.rng.between(0.001, 0.02)) + 0.005 * sales;
    if (!spam && this.storageFreeMb < 100 && this.rng.chance(0.01)) this.storageFreeMb += this.rng.between(200, 800);
    this.storageFreeMb = Math.max(0, this.storageFreeMb);
  }

  /** Crashes of a faulty build since the last step (each restarts the app), counted in the report. */
  private advanceUptime(elapsedSeconds: number): number {
    const { crashesPerHour } = this.software;
    const crashes = crashesPerHour > 0 ? this.rng.poisson((crashesPerHour * elapsedSeconds) / 3600) : 0;
    // A rare crash (or a faulty build's) reboots the terminal part-way through the interval.
    const restarted = crashes > 0 || this.rng.chance(0.0005);
    this.uptimeSeconds = restarted ? this.rng.int(5, Math.max(5, Math.round(elapsedSeconds))) : this.uptimeSeconds + Math.round(elapsedSeconds);
    return crashes;
  }

  private advanceSecurity(now: number): void {
    if (this.rng.chance(0.00002)) this.tamper = true; // latched until a technician opens a work order
    const changedAt = this.passwordChangedAt;
    if (this.profile.rotatesPasswords && changedAt !== null && now - changedAt > PASSWORD_MAX_AGE_DAYS * DAY_MS) this.passwordChangedAt = now;
  }

  /** Weak links drop out now and then: mostly for about an interval, sometimes for several. */
  private advanceNetwork(now: number): void {
    if (now < this.linkDownUntil || !this.rng.chance(this.profile.network.dropChancePerBeat)) return;
    const intervals = this.rng.chance(0.1) ? this.rng.between(3, 8) : this.rng.between(0.3, 1.2);
    this.linkDownUntil = now + intervals * this.intervalMs;
  }

  private report(sales: ReturnType<VirtualTerminal['trade']>, receipts: number, now: number): HeartbeatContent {
    const { network, faults } = this.profile;
    const weak = faults.includes('weak_network');
    const b = this.battery;
    return {
      appVersion: this.software.installed.app,
      firmwareVersion: this.software.installed.firmware,
      battery: { percent: round1(b.percent), health: round1(b.health), charging: b.onCharger && !faults.includes('battery_not_charging') && b.percent < 100, cycleCount: b.cycleCount },
      printer: { paper: this.paperState(), jam: this.jamBeats > 0, coverOpen: this.coverOpenBeats > 0, receipts, rollReceipts: this.profile.paperRollReceipts - this.paperLeft },
      cardReader: sales.readers,
      network: {
        type: network.type,
        ...(network.baseSignalDbm !== undefined && { signalDbm: Math.round(clamp(network.baseSignalDbm + this.rng.noise(3), -150, 0)) }),
        latencyMs: Math.round(network.baseLatencyMs * (weak && this.rng.chance(0.1) ? this.rng.between(2, 5) : this.rng.between(0.8, 1.3))),
      },
      storageFreeMb: round1(this.storageFreeMb),
      temperatureC: this.temperature(now, sales.count + receipts / 2),
      uptimeSeconds: this.uptimeSeconds,
      tamper: this.tamper,
      security: {
        passwordChangedAt: this.passwordChangedAt === null ? null : new Date(this.passwordChangedAt).toISOString(),
        pinEntryEnabled: true,
        encryptionEnabled: !faults.includes('encryption_off'),
      },
      transactions: {
        count: sales.count, amountMinor: sales.amountMinor, currency: 'CNY', ...(sales.failed > 0 && { failed: sales.failed }),
        refunds: sales.refunds, manualEntries: sales.manualEntries,
      },
    };
  }

  private paperState(): 'ok' | 'low' | 'out' {
    if (this.paperLeft === 0) return 'out';
    return this.paperLeft < this.profile.paperRollReceipts * LOW_PAPER_SHARE ? 'low' : 'ok';
  }

  /** Inside the case: the site's air (outdoors, warmest mid-afternoon), plus work and charging. */
  private temperature(now: number, work: number): number {
    const hour = new Date(now + this.utcOffsetMs).getUTCHours();
    const daySwing = this.profile.environment === 'outdoor' ? 10 * Math.cos(((hour - 14) / 24) * 2 * Math.PI) : 0;
    const target = AMBIENT_C[this.profile.environment] + daySwing + 8 + 0.8 * work + (this.battery.onCharger ? 3 : 0);
    // The case warms and cools slowly: move part of the way towards the target each step.
    this.temperatureC = this.temperatureC === undefined ? target : this.temperatureC + 0.3 * (target - this.temperatureC);
    return round1(clamp(this.temperatureC + this.rng.noise(0.3), -60, 150));
  }
}
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round1 = (value: number) => Math.round(value * 10) / 10;