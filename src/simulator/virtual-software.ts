// The software of a virtual terminal (./virtual-terminal.ts): the versions installed, what a maintenance
// job or a rollout package changes (the old kept until the job is confirmed, for its rollback), and the
// harm a bad build does once installed — the faulty builds the simulator plays to rehearse a rollout.
import type { WorkKind } from '../shared/job-states.ts';

/** What the newest software is (a job's update and upgrade install these). */
export const LATEST_VERSIONS = { app: '3.3.0', firmware: 'fw-9.2.0' } as const;

/** What a faulty build does once installed, against a good one. */
const FAULTY_BUILD = { cardReadFailure: 0.35, transactionFailure: 0.25, crashesPerHour: 1 };

export interface BadBuilds {
  /** Versions that make card reads fail far more often. */
  cardReadFailureVersions?: readonly string[] | undefined;
  /** Versions that make payments fail after the card was read. */
  transactionFailureVersions?: readonly string[] | undefined;
  /** Versions that crash the payment app now and then. */
  crashVersions?: readonly string[] | undefined;
}

export class VirtualSoftware {
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

  constructor(installed: { app: string; firmware: string }, bad: BadBuilds) {
    this.versions = installed;
    this.badVersions = new Set(bad.cardReadFailureVersions ?? []);
    this.failingVersions = new Set(bad.transactionFailureVersions ?? []);
    this.crashingVersions = new Set(bad.crashVersions ?? []);
  }

  /** The software now installed. */
  get installed(): Readonly<{ app: string; firmware: string }> {
    return this.versions;
  }

  // The harm the installed software does (0 for a good build).
  get readFailure(): number {
    return this.softwareReadFailure;
  }

  get transactionFailure(): number {
    return this.softwareTransactionFailure;
  }

  get crashesPerHour(): number {
    return this.softwareCrashesPerHour;
  }

  /** A job's update or upgrade installs the newest software (unless a package was installed in it; the old is kept for a rollback). */
  applyWork(work: readonly WorkKind[]): void {
    this.previousVersions ??= { ...this.versions };
    if (work.includes('update') && !this.packageInstalled) this.versions.app = LATEST_VERSIONS.app;
    if (work.includes('upgrade') && !this.packageInstalled) this.versions.firmware = LATEST_VERSIONS.firmware;
    this.changed();
  }

  /** A package from a rollout, verified by the SDK, is installed (the old version kept for a rollback). */
  installPackage(pkg: { kind: string; version: string }): void {
    this.previousVersions ??= { ...this.versions };
    if (pkg.kind === 'application') this.versions.app = pkg.version;
    if (pkg.kind === 'firmware') this.versions.firmware = pkg.version;
    this.packageInstalled = true;
    this.changed();
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
    this.changed();
  }

  private changed(): void {
    const runs = (versions: ReadonlySet<string>) => versions.has(this.versions.app) || versions.has(this.versions.firmware);
    this.softwareReadFailure = runs(this.badVersions) ? FAULTY_BUILD.cardReadFailure : 0;
    this.softwareTransactionFailure = runs(this.failingVersions) ? FAULTY_BUILD.transactionFailure : 0;
    this.softwareCrashesPerHour = runs(this.crashingVersions) ? FAULTY_BUILD.crashesPerHour : 0;
  }
}
