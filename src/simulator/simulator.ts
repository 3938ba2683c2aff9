// The fleet simulator: N virtual terminals, each enrolled and beating through the real terminal SDK
// against a PosFleet server, for demos, load and end-to-end tests. Same seed → same fleet.
import { PosFleetError, PosFleetTerminal, type FetchLike } from '../sdk/terminal-client.ts';
import { deriveSeed, Random } from './random.ts';
import { VirtualTerminal, type CommandOutcome } from './virtual-terminal.ts';

export interface SimulatorOptions {
  server: string;
  terminals: number;
  intervalSeconds: number;
  /** One code with at least `terminals` uses (see prepareSimulatorEnrolment). */
  enrolmentCode: string;
  seed: number;
  serialPrefix?: string;
  log?: (line: string) => void;
  /** Enrolments in flight at once (default 50), so a big fleet does not open thousands of sockets. */
  enrolConcurrency?: number;
}

export interface RunningSimulator {
  /** Stops every heartbeat loop and waits for the heartbeats in flight. */
  stop(): Promise<void>;
  terminals: VirtualTerminal[];
}

interface SimulatedTerminal {
  virtual: VirtualTerminal;
  client: PosFleetTerminal;
  /** Commands already carried out whose result has not reached the server yet: not run twice. */
  outcomes: Map<string, CommandOutcome>;
}

export async function runSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  assertOptions(options);
  const log = options.log ?? (() => {});
  const fleet = Array.from({ length: options.terminals }, (_, i) => simulatedTerminal(options, i, log));

  const failures: { serialNumber: string; error: unknown }[] = [];
  await forEachLimited(fleet, options.enrolConcurrency ?? 50, async ({ client }) => {
    await client.enrol(options.enrolmentCode).catch((error: unknown) => failures.push({ serialNumber: client.serialNumber, error }));
  });
  const [first] = failures;
  if (first) {
    throw new Error(`${failures.length} of ${fleet.length} simulated terminals could not enrol; ${first.serialNumber}: ${describe(first.error)}`);
  }
  log(`${fleet.length} simulated terminals enrolled at ${options.server}`);

  // Spread the first heartbeats over one interval, as a fleet switched on over a morning would be.
  const schedule = new Random(deriveSeed(options.seed, -1));
  for (const terminal of fleet) {
    terminal.client.start(() => collectReport(terminal, log), {
      firstDelayMs: schedule.float() * options.intervalSeconds * 1000,
      intervalSeconds: options.intervalSeconds,
    });
  }
  return {
    terminals: fleet.map((t) => t.virtual),
    async stop() {
      await Promise.all(fleet.map((t) => t.client.stop()));
    },
  };
}

function simulatedTerminal(options: SimulatorOptions, index: number, log: (line: string) => void): SimulatedTerminal {
  const serialNumber = `${options.serialPrefix ?? 'SIM'}-${String(index + 1).padStart(6, '0')}`;
  const virtual = new VirtualTerminal({ serialNumber, seed: deriveSeed(options.seed, index), intervalSeconds: options.intervalSeconds });
  const intervalMs = options.intervalSeconds * 1000;
  const client = new PosFleetTerminal({
    server: options.server,
    serialNumber,
    fetch: throughVirtualLink(virtual),
    // Give up on a heartbeat after about two intervals, so a long outage leaves a gap in seq as well as in time.
    retry: { attempts: 4, baseDelayMs: intervalMs / 4, maxDelayMs: intervalMs * 2, timeoutMs: Math.max(5_000, intervalMs * 2) },
    onError: (error) => {
      // Dropped heartbeats on flaky links are the point of the simulation, not news.
      if (!(error instanceof PosFleetError && error.code === 'network_error')) log(`${serialNumber}: ${describe(error)}`);
    },
    onStatusChange: (status) => {
      if (status === 'revoked') log(`${serialNumber}: credential revoked; this terminal stops beating`);
    },
  });
  return { virtual, client, outcomes: new Map() };
}

/** Requests fail, as a real socket would, while the virtual terminal's network is down. */
function throughVirtualLink(virtual: VirtualTerminal): FetchLike {
  return (url, init) =>
    virtual.linkUp(new Date()) ? fetch(url, init) : Promise.reject(new TypeError('fetch failed: simulated network outage'));
}

/** Before each heartbeat: carry out the commands of the last answer, then report the terminal's state. */
async function collectReport(terminal: SimulatedTerminal, log: (line: string) => void) {
  const { client, virtual, outcomes } = terminal;
  for (const command of client.pendingCommands) {
    let outcome = outcomes.get(command.id);
    if (!outcome) {
      outcome = virtual.runCommand(command.type, new Date());
      outcomes.set(command.id, outcome);
    }
    try {
      await client.reportCommandResult(command.id, outcome.status, outcome.output);
      outcomes.delete(command.id);
    } catch (error) {
      log(`${client.serialNumber}: could not report command ${command.id} (${describe(error)}); will retry`);
    }
  }
  return virtual.step(new Date());
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
  if (!Number.isInteger(options.terminals) || options.terminals < 1) throw new Error(`terminals must be a positive whole number, got ${options.terminals}`);
  if (!(options.intervalSeconds > 0)) throw new Error(`intervalSeconds must be above 0, got ${options.intervalSeconds}`);
  if (!Number.isFinite(options.seed)) throw new Error(`seed must be a number, got ${options.seed}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
