// A virtual POS terminal for the fleet simulator: an I/O-free state machine, stepped once per
// heartbeat from a seeded PRNG, whose paper runs out, whose chip slot gets dirty, whose battery wears
// and whose Wi-Fi drops, the way a real fleet's do. Customers come as its site trades at that time of
// day, and pay only if the terminal may take payments. Same seed and same step times → same reports.
import type { WorkKind } from '../shared/job-states.ts';
import type { HeartbeatContent } from '../sdk/index.ts';
import { Random } from './random.ts';
import { screenPng } from './screen-png.ts';
import { expectedPayments, paymentsPerHour, SITE_PROFILES, type SiteKind, type SiteProfile } from './site-profiles.ts';

export type Environment = 'indoor' | 'outdoor' | 'dusty' | 'hot' | 'humid';
export type NetworkType = 'ethernet' | 'wifi' | 'cellular';
export type CardInterface = 'chip' | 'swipe' | 'contactless';
export type Fault =
  | 'dirty_chip_slot' | 'broken_contactless_antenna' | 'weak_network' | 'battery_not_charging' | 'log_spam' | 'encryption_off';

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

/** What a faulty build does once installed, against a good one. */
const FAULTY_BUILD = { cardReadFailure: 0.35, transactionFailure: 0.25, crashesPerHour: 1 };

/** What makes a terminal itself: drawn once from its seed, fixed for its life. */
export interface TerminalProfile {
  environment: Environment;
  network: { type: NetworkType; baseSignalDbm: number | undefined; baseLatencyMs: number; dropChancePerBeat: number };
  /** Standing on its charging base all day (countertop) rather than carried to tables. */
  docked: boolean;
  /** This terminal's share of its site's trade, against an average terminal (1). */
  busyness: number;
  failureRate: Record<CardInterface, number>;
  paperRollReceipts: number;
  rotatesPasswords: boolean;
  appVersion: string;
  firmwareVersion: string;
  faults: Fault[];
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

/** What the newest software is (a job's update and upgrade install these). */
/** Log lines a virtual terminal keeps (its log rotates beyond; small, as a simulated fleet holds thousands). */
const LOG_LINES = 300;
export const LATEST_VERSIONS = { app: '3.3.0', firmware: 'fw-9.2.0' } as const;

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
  private versions: { app: string; firmware: string };
  /** What a job replaced, for its rollback. */
  private previousVersions: { app: string; firmware: string } | undefined;
  /** A package was installed in the job under way: the job's own version bump does not apply. */
  private packageInstalled = false;
  /** Extra chance that a card read fails, caused by faulty installed software. */
  private softwareReadFailure = 0;
  /** Chance that a payment fails after its card was read, caused by faulty installed software. */
  private softwareTransactionFailure = 0;
  /** App crashes per hour caused by faulty installed software. */
  private softwareCrashesPerHour = 0;
  /** The bad builds the simulator plays: versions that make card reads fail, payments fail, the app crash. */
  private readonly badVersions: ReadonlySet<string>;
  private readonly failingVersions: ReadonlySet<string>;
  private readonly crashingVersions: ReadonlySet<string>;
  /** The application's log, newest last (what collect_logs uploads), kept to the last LOG_LINES lines. */
  private readonly journal: string[] = [];

  constructor(options: VirtualTerminalOptions) {
    this.serialNumber = options.serialNumber;
    this.badVersions = new Set(options.cardReadFailureVersions ?? []);
    this.failingVersions = new Set(options.transactionFailureVersions ?? []);
    this.crashingVersions = new Set(options.crashVersions ?? []);
    this.rng = new Random(options.seed);
    this.tradeRng = new Random(options.seed * 31 + 17);
    this.afterHoursSalesPerHour = options.afterHoursSalesPerHour ?? 0;
    this.intervalMs = options.intervalSeconds * 1000;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 480;
    this.utcOffsetMs = this.utcOffsetMinutes * 60_000;
    this.site = typeof options.site === 'object' ? options.site : SITE_PROFILES[options.site ?? 'shop'];
    const rng = this.rng;
    this.profile = drawProfile(rng);
    this.versions = { app: this.profile.appVersion, firmware: this.profile.firmwareVersion };
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
    return this.versions;
  }

  // ---- what maintenance jobs change

  /** A job's work takes effect: new software installed (the old kept for a rollback), passwords rotated. */
  applyWork(work: readonly WorkKind[], at: Date): void {
    this.previousVersions ??= { ...this.versions };
    if (work.includes('update') && !this.packageInstalled) this.versions.app = LATEST_VERSIONS.app;
    if (work.includes('upgrade') && !this.packageInstalled) this.versions.firmware = LATEST_VERSIONS.firmware;
    if (work.includes('security_hardening')) this.passwordChangedAt = at.getTime();
    this.softwareChanged();
  }

  /** A package from a rollout, verified by the SDK, is installed (the old version kept for a rollback). */
  installPackage(pkg: { kind: string; version: string }): void {
    this.previousVersions ??= { ...this.versions };
    if (pkg.kind === 'application') this.versions.app = pkg.version;
    if (pkg.kind === 'firmware') this.versions.firmware = pkg.version;
    this.packageInstalled = true;
    this.softwareChanged();
  }

  /** A job confirmed: its changes stay. */
  keepWork(): void {
    this.previousVersions = undefined;
    this.packageInstalled = false;
  }

  /** A job rolled back: the software it replaced is back. */
  restoreVersions(): void {
    if (this.previousVersions) this.versions = this.previousVersions;
    this.previousVersions = undefined;
    this.packageInstalled = false;
    this.softwareChanged();
  }

  private softwareChanged(): void {
    const runs = (versions: ReadonlySet<string>) => versions.has(this.versions.app) || versions.has(this.versions.firmware);
    this.softwareReadFailure = runs(this.badVersions) ? FAULTY_BUILD.cardReadFailure : 0;
    this.softwareTransactionFailure = runs(this.failingVersions) ? FAULTY_BUILD.transactionFailure : 0;
    this.softwareCrashesPerHour = runs(this.crashingVersions) ? FAULTY_BUILD.crashesPerHour : 0;
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
      if (this.softwareTransactionFailure > 0 && this.rng.chance(this.softwareTransactionFailure)) {
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
        if (!this.rng.chance(Math.min(1, this.profile.failureRate[chosen] + this.softwareReadFailure))) return;
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
    const crashes = this.softwareCrashesPerHour > 0 ? this.rng.poisson((this.softwareCrashesPerHour * elapsedSeconds) / 3600) : 0;
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
      appVersion: this.versions.app,
      firmwareVersion: this.versions.firmware,
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

/** Draws a terminal's lasting traits; a few draw lasting faults. */
function drawProfile(rng: Random): TerminalProfile {
  const environment = rng.weighted<Environment>([['indoor', 60], ['outdoor', 10], ['dusty', 10], ['hot', 10], ['humid', 10]]);
  const type = rng.weighted<NetworkType>([['ethernet', 30], ['wifi', 45], ['cellular', 25]]);
  const faults: Fault[] = [];
  const weak = type !== 'ethernet' && rng.chance(type === 'wifi' ? 0.25 : 0.3);
  if (weak) faults.push('weak_network');
  const dusty = environment === 'dusty' ? 0.03 : 0;
  const failureRate: Record<CardInterface, number> = {
    chip: rng.between(0.005, 0.03) + dusty,
    swipe: rng.between(0.02, 0.05) + dusty,
    contactless: rng.between(0.005, 0.02),
  };
  if (rng.chance(0.08)) {
    faults.push('dirty_chip_slot');
    failureRate.chip = rng.between(0.35, 0.7);
  }
  if (rng.chance(0.04)) {
    faults.push('broken_contactless_antenna');
    failureRate.contactless = rng.between(0.9, 1);
  }
  if (rng.chance(0.03)) faults.push('battery_not_charging');
  if (rng.chance(0.04)) faults.push('log_spam');
  if (rng.chance(0.01)) faults.push('encryption_off');
  return {
    environment,
    network: drawNetwork(rng, type, weak),
    docked: type === 'ethernet' || rng.chance(type === 'wifi' ? 0.5 : 0.15),
    busyness: rng.between(0.5, 1.5),
    failureRate,
    paperRollReceipts: rng.int(250, 400),
    rotatesPasswords: rng.chance(0.7),
    appVersion: rng.weighted([['3.2.0', 70], ['3.1.4', 22], ['2.9.9', 8]]),
    firmwareVersion: rng.weighted([['fw-9.1.2', 75], ['fw-9.0.7', 20], ['fw-8.4.0', 5]]),
    faults,
  };
}

function drawNetwork(rng: Random, type: NetworkType, weak: boolean): TerminalProfile['network'] {
  switch (type) {
    case 'ethernet':
      return { type, baseSignalDbm: undefined, baseLatencyMs: rng.between(5, 20), dropChancePerBeat: 0.001 };
    case 'wifi':
      return weak
        ? { type, baseSignalDbm: rng.between(-90, -78), baseLatencyMs: rng.between(150, 900), dropChancePerBeat: 0.03 }
        : { type, baseSignalDbm: rng.between(-65, -45), baseLatencyMs: rng.between(15, 60), dropChancePerBeat: 0.003 };
    case 'cellular':
      return weak
        ? { type, baseSignalDbm: rng.between(-118, -105), baseLatencyMs: rng.between(300, 2500), dropChancePerBeat: 0.03 }
        : { type, baseSignalDbm: rng.between(-95, -75), baseLatencyMs: rng.between(60, 150), dropChancePerBeat: 0.004 };
  }
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round1 = (value: number) => Math.round(value * 10) / 10;
