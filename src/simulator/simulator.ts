// The fleet simulator: virtual terminals at sites that trade by time of day, each enrolled and beating
// through the real terminal SDK against a PosFleet server, carrying out maintenance jobs (customers
// turned away meanwhile), for demos, load and end-to-end tests. Same seed → same fleet.
import { PosFleetError, PosFleetTerminal, type FetchLike, type Locale } from '../sdk/index.ts';
import { memoryStorage } from '../sdk/updates.ts';
import { fleetClock, type FleetClock } from './fleet-clock.ts';
import { staffAnswers, type StaffCare } from './staff-care.ts';
import { deriveSeed, Random } from './random.ts';
import type { SiteKind } from './site-profiles.ts';
import { virtualMaintenance } from './virtual-maintenance.ts';
import { VirtualTerminal, type CommandOutcome } from './virtual-terminal.ts';

/** One site's terminals (see prepareSimulatorSites). */
export interface SimulatedSite {
  /** A code with at least `terminals` uses that enrols terminals at this site. */
  enrolmentCode: string;
  terminals: number;
  /** How the site trades through the day (default: a shop). */
  profile?: SiteKind;
  /** For its trading hours (default UTC+8). */
  utcOffsetMinutes?: number;
  /** For the times its terminals show (default Asia/Shanghai). */
  timeZone?: string;
  locale?: Locale;
}

export interface FaultyVersions {
  installFails?: readonly string[];
  cardReadFailures?: readonly string[];
  transactionFailures?: readonly string[];
  crashes?: readonly string[];
}

export interface SimulatorOptions {
  server: string;
  /** Real seconds between two heartbeats of a terminal, at full speed. */
  intervalSeconds: number;
  seed: number;
  /** Several sites... */
  sites?: SimulatedSite[];
  /** ...or one: this many terminals enrolled with one code (see prepareSimulatorEnrolment), trading as a shop. */
  terminals?: number;
  enrolmentCode?: string;
  serialPrefix?: string;
  log?: (line: string) => void;
  /** Enrolments in flight at once (default 50), so a big fleet does not open thousands of sockets. */
  enrolConcurrency?: number;
  /**
   * Simulated seconds per real second (default 1). At 600 a 10-minute update takes a second, each 1 s
   * heartbeat carries 10 minutes of customers, and the sites' day goes by in 144 s. Above 1, the world
   * slows down while this process cannot keep up (see fleetClock).
   */
  speed?: number;
  /** The simulated time when the simulator starts (default now): e.g. a site's lunchtime. */
  startAt?: Date;
  /** The world's clock, shared with a server in this process (then `speed` and `startAt` are its own). */
  clock?: FleetClock;
  /**
   * The terminals beat only when `beat()` is called, all at that instant, instead of each on its own
   * loop: for a fleet stepped through simulated time on a driven clock (see drivenClock). A heartbeat
   * the terminal's link drops is lost at once (not retried), as it would be after a longer outage.
   */
  manualBeats?: boolean;
  /**
   * Serial numbers of terminals whose application keeps its own receipt footer whatever PosFleet sends:
   * configuration drift (they report the differing parameter; the others apply what they are given).
   */
  driftingTerminals?: string[];
  /** Chance that a maintenance job's self-test finds a fault (default 0.03). */
  selfTestFailureChance?: number;
  /**
   * Faulty builds the simulator plays, by package version: the install fails, card reads fail far more
   * often, payments fail after the read, or the app crashes (every metric a rollout's halt judges).
   */
  faultyVersions?: FaultyVersions;
  /** The shops' staff answer their terminals' daily care (skipping a seeded few days); absent: nobody does. */
  staffCare?: StaffCare;
}

export interface RunningSimulator {
  /** Stops every heartbeat loop and job, and waits for the heartbeats in flight. */
  stop(): Promise<void>;
  terminals: VirtualTerminal[];
  /** The SDK client of each terminal, in the same order. */
  clients: PosFleetTerminal[];
  /** The simulated time now. */
  now(): Date;
  /**
   * With `manualBeats`: every terminal reports its state now and sends the heartbeat; resolves when all
   * are answered (or lost on a dropped link). How many were answered, and how many lost.
   */
  beat(): Promise<{ answered: number; lost: number }>;
}

interface SimulatedTerminal {
  virtual: VirtualTerminal;
  client: PosFleetTerminal;
  enrolmentCode: string;
  seed: number;
  staffCare: StaffCare | undefined;
  /** Commands already carried out whose result has not reached the server yet: not run twice. */
  outcomes: Map<string, CommandOutcome>;
}

/** Heartbeats in flight at once when the caller drives the beats (manualBeats). */
const BEATS_IN_FLIGHT = 200;

export async function runSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  assertOptions(options);
  const log = options.log ?? (() => {});
  const clock = options.clock ?? fleetClock(options.startAt ?? new Date(), options.speed ?? 1, { fixed: (options.speed ?? 1) === 1 });
  const world = () => clock.now();
  const sites: SimulatedSite[] = options.sites ?? [{ enrolmentCode: options.enrolmentCode ?? '', terminals: options.terminals ?? 0 }];
  const fleet = sites.flatMap((site, s) => {
    const before = sites.slice(0, s).reduce((sum, x) => sum + x.terminals, 0);
    return Array.from({ length: site.terminals }, (_, i) => simulatedTerminal(options, site, before + i, clock, log));
  });

  const failures: { serialNumber: string; error: unknown }[] = [];
  await forEachLimited(fleet, options.enrolConcurrency ?? 50, async ({ client, enrolmentCode }) => {
    await client.enrol(enrolmentCode).catch((error: unknown) => failures.push({ serialNumber: client.serialNumber, error }));
  });
  const [first] = failures;
  if (first) {
    throw new Error(`${failures.length} of ${fleet.length} simulated terminals could not enrol; ${first.serialNumber}: ${describe(first.error)}`);
  }
  log(`${fleet.length} simulated terminals enrolled at ${options.server}`);

  // Spread the first heartbeats over one interval, as a fleet switched on over a morning would be. The
  // loops run on the world's clock: in simulated seconds.
  const schedule = new Random(deriveSeed(options.seed, -1));
  const intervalSeconds = options.intervalSeconds * clock.speed;
  if (!options.manualBeats) {
    for (const terminal of fleet) {
      terminal.client.start(() => collectReport(terminal, world, log), { firstDelayMs: schedule.float() * intervalSeconds * 1000, intervalSeconds });
    }
  }
  return {
    terminals: fleet.map((t) => t.virtual),
    clients: fleet.map((t) => t.client),
    now: world,
    async beat() {
      if (!options.manualBeats) throw new Error('beat() needs manualBeats: the terminals beat on their own loops');
      const counts = { answered: 0, lost: 0 };
      // Bounded, as a big fleet's enrolment is; a few hundred in flight keep the server's batches large.
      await forEachLimited(fleet, BEATS_IN_FLIGHT, async (terminal) => {
        try {
          await terminal.client.heartbeat(await collectReport(terminal, world, log));
          counts.answered++;
        } catch (error) {
          counts.lost++;
          if (!(error instanceof PosFleetError && error.code === 'network_error')) log(`${terminal.client.serialNumber}: ${describe(error)}`);
        }
      });
      return counts;
    },
    async stop() {
      await Promise.all(fleet.map((t) => t.client.close()));
      if (!options.clock) clock.stop();
    },
  };
}

function simulatedTerminal(options: SimulatorOptions, site: SimulatedSite, index: number, clock: FleetClock, log: (line: string) => void): SimulatedTerminal {
  const serialNumber = `${options.serialPrefix ?? 'SIM'}-${String(index + 1).padStart(6, '0')}`;
  const world = () => clock.now();
  const seed = deriveSeed(options.seed, index);
  const virtual = new VirtualTerminal({
    serialNumber, seed, intervalSeconds: options.intervalSeconds * clock.speed, site: site.profile ?? 'shop', utcOffsetMinutes: site.utcOffsetMinutes ?? 480,
    cardReadFailureVersions: options.faultyVersions?.cardReadFailures ?? [],
    transactionFailureVersions: options.faultyVersions?.transactionFailures ?? [],
    crashVersions: options.faultyVersions?.crashes ?? [],
  });
  const installFails = new Set(options.faultyVersions?.installFails ?? []);
  const intervalMs = options.intervalSeconds * 1000;
  const client = new PosFleetTerminal({
    server: options.server,
    serialNumber,
    // Each simulated terminal is its own hardware: its fingerprint binds at enrolment.
    hardware: { serial: serialNumber, pinPadSerial: `PP-${serialNumber}`, secureProcessorId: `SP-${serialNumber}` },
    locale: site.locale ?? 'zh-CN',
    timeZone: site.timeZone ?? 'Asia/Shanghai',
    fetch: throughVirtualLink(virtual, world, clock),
    // The terminal lives on the world's clock: its heartbeat loop, its job steps and its lease.
    now: world,
    timers: clock,
    maintenance: virtualMaintenance(virtual, { seed: deriveSeed(seed, 1), now: world, sleep: clock.sleep, selfTestFailureChance: options.selfTestFailureChance }),
    // Downloads are kept in memory (and dropped once installed); the install is the virtual terminal's.
    updates: {
      storage: memoryStorage(),
      install: async (pkg) => {
        if (installFails.has(pkg.version)) throw new Error(`installer exited with status 1 installing ${pkg.name} ${pkg.version} (simulated faulty build)`);
        virtual.installPackage(pkg);
      },
    },
    // Terminal configuration: applied as given, except by a drifting terminal, which keeps its own footer.
    configuration: {
      apply: (values) => (options.driftingTerminals?.includes(serialNumber) ? { ...values, receiptFooter: `${serialNumber} own footer` } : undefined),
    },
    // Remote assistance: the virtual terminal's own log and screen; a message is shown until staff acknowledge it.
    assistance: { logs: () => virtual.logLines(), screenshot: () => virtual.screenshot(), chunkSize: 64 * 1024 },
    onMessage: (message) => log(`${serialNumber}: screen message shown: ${message.text}`),
    onMaintenance: (event) => {
      if (event.type === 'completed') virtual.keepWork();
      if (event.type === 'ended') log(`${serialNumber}: maintenance job ${event.jobId} ended: ${event.reason}${event.rolledBack ? ' (rolled back)' : ''}`);
    },
    // Give up on a heartbeat after about two intervals, so a long outage leaves a gap in seq as well as in
    // time (outages fail at once); a busy machine's slow answer is not a lost one. The waits between tries
    // are on the world's clock (simulated ms); a request's timeout is real time. Beats driven by the caller
    // are not retried: a beat lost on a dropped link stays lost, as the driven tests count on.
    retry: options.manualBeats
      ? { attempts: 1, timeoutMs: 600_000 }
      : { attempts: 4, baseDelayMs: (intervalMs * clock.speed) / 4, maxDelayMs: intervalMs * clock.speed * 2, timeoutMs: Math.max(30_000, intervalMs * 2) },
    onError: (error) => {
      // Dropped heartbeats on flaky links are the point of the simulation, not news.
      if (!(error instanceof PosFleetError && error.code === 'network_error')) log(`${serialNumber}: ${describe(error)}`);
    },
    onStatusChange: (status) => {
      if (status === 'revoked') log(`${serialNumber}: credential revoked; this terminal stops beating`);
    },
  });
  return { virtual, client, enrolmentCode: site.enrolmentCode, outcomes: new Map(), seed, staffCare: options.staffCare };
}

/**
 * Requests fail, as a real socket would, while the virtual terminal's network is down. One under way
 * holds the world's clock: it does not leap ahead while the server is still answering.
 */
function throughVirtualLink(virtual: VirtualTerminal, world: () => Date, clock: FleetClock): FetchLike {
  return (url, init) =>
    virtual.linkUp(world()) ? clock.hold(fetch(url, init)) : Promise.reject(new TypeError('fetch failed: simulated network outage'));
}

/** Before each heartbeat: carry out the commands of the last answer, then report the terminal's state. */
async function collectReport(terminal: SimulatedTerminal, world: () => Date, log: (line: string) => void) {
  const { client, virtual, outcomes } = terminal;
  // The shop's staff acknowledge a message on the screen by the next heartbeat.
  for (const message of client.screenMessages) {
    await client.acknowledgeMessage(message.id, 'cashier-01').catch((error: unknown) => log(`${client.serialNumber}: could not acknowledge message ${message.id} (${describe(error)}); will retry`));
  }
  for (const command of client.pendingCommands) {
    let outcome = outcomes.get(command.id);
    if (!outcome) {
      outcome = virtual.runCommand(command.type, world());
      outcomes.set(command.id, outcome);
    }
    try {
      await client.reportCommandResult(command.id, outcome.status, outcome.output);
      outcomes.delete(command.id);
    } catch (error) {
      log(`${client.serialNumber}: could not report command ${command.id} (${describe(error)}); will retry`);
    }
  }
  // Each customer asks the SDK: refused ones (maintenance, locked) are counted there and reported.
  const report = virtual.step(world(), () => client.canTransact().allowed);
  // The staff answer the care tasks due (sent with this heartbeat).
  if (terminal.staffCare) {
    for (const answer of staffAnswers(client.careTasks, report.printer?.paper, terminal.seed, terminal.staffCare)) {
      client.confirmCare(answer.taskId, answer.outcome, answer.reason);
    }
  }
  return report;
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function assertOptions(options: SimulatorOptions): void {
  if (options.sites) {
    if (options.sites.length === 0) throw new Error('sites must name at least one site');
    for (const site of options.sites) {
      if (!Number.isInteger(site.terminals) || site.terminals < 1) throw new Error(`each site's terminals must be a positive whole number, got ${site.terminals}`);
    }
  } else {
    if (!Number.isInteger(options.terminals) || (options.terminals ?? 0) < 1) throw new Error(`terminals must be a positive whole number, got ${options.terminals}`);
    if (!options.enrolmentCode) throw new Error('give enrolmentCode (with terminals), or sites');
  }
  if (options.speed !== undefined && !(options.speed > 0)) throw new Error(`speed must be above 0, got ${options.speed}`);
  if (!(options.intervalSeconds > 0)) throw new Error(`intervalSeconds must be above 0, got ${options.intervalSeconds}`);
  if (!Number.isFinite(options.seed)) throw new Error(`seed must be a number, got ${options.seed}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
