// What a virtual terminal does in each step of a maintenance job, taking as long as a real one would
// on the simulated world's clock: finish the payment in progress, install, restart, self-test,
// or roll back. A seeded few self-tests fail, so some jobs fail and are rolled back.
import type { MaintenanceHandlers, SelfTestResult, WorkKind } from '../sdk/index.ts';
import { Random } from './random.ts';
import type { VirtualTerminal } from './virtual-terminal.ts';

/** How long each kind of work takes on a real terminal, in minutes: [shortest, longest]. */
export const WORK_MINUTES: Record<WorkKind, readonly [number, number]> = {
  update: [4, 10], upgrade: [15, 30], repair: [20, 45], data_sync: [8, 25], security_hardening: [5, 15], key_injection: [3, 10],
};
/** Seconds: a card payment in progress, a restart, the self-tests, a rollback (reinstall + restart). */
const PAYMENT_SECONDS = [5, 40] as const;
const RESTART_SECONDS = [40, 120] as const;
const SELF_TEST_SECONDS = [15, 45] as const;
const ROLLBACK_SECONDS = [60, 180] as const;

const SELF_TESTS = ['card reader', 'PIN pad', 'printer', 'network', 'secure element'] as const;
const FINDINGS: Record<(typeof SELF_TESTS)[number], string> = {
  'card reader': 'no response from the chip reader after the update',
  'PIN pad': 'PIN pad key check failed',
  printer: 'printer head not detected',
  network: 'cannot reach the payment host',
  'secure element': 'key injection check failed',
};

export interface VirtualMaintenanceOptions {
  /** Seeds the durations and the self-test draws (apart from the terminal's own stream). */
  seed: number;
  /** Chance that a job's self-test finds a fault (default 0.03). */
  selfTestFailureChance?: number;
  /** The simulated world's clock: is a customer paying right now? */
  now: () => Date;
  /** Waits simulated milliseconds on the same clock (see fleetClock), ending early if aborted. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The terminal SDK's maintenance handlers for one virtual terminal (call terminal.keepWork() when a job completes). */
export function virtualMaintenance(terminal: VirtualTerminal, options: VirtualMaintenanceOptions): MaintenanceHandlers {
  const rng = new Random(options.seed);
  const takes = (seconds: number, signal?: AbortSignal) => options.sleep(seconds * 1000, signal);
  const failureChance = options.selfTestFailureChance ?? 0.03;
  return {
    async drain({ signal }) {
      // A payment is in progress about as often as payments take up the terminal's time.
      const busyShare = Math.min(0.9, (terminal.paymentsPerHour(options.now()) * 20) / 3600);
      await takes(rng.chance(busyShare) ? rng.between(...PAYMENT_SECONDS) : rng.between(0, 2), signal);
    },
    async perform(work, { signal }) {
      for (const kind of work) {
        const [shortest, longest] = WORK_MINUTES[kind] ?? [5, 15];
        await takes(rng.between(shortest, longest) * 60, signal);
        if (signal.aborted) return;
      }
      terminal.applyWork(work, options.now());
    },
    async restart({ signal }) {
      await takes(rng.between(...RESTART_SECONDS), signal);
      if (!signal.aborted) terminal.reboot();
    },
    async selfTest({ signal }) {
      await takes(rng.between(...SELF_TEST_SECONDS), signal);
      return selfTestResults(rng, failureChance);
    },
    async rollback() {
      await takes(rng.between(...ROLLBACK_SECONDS));
      terminal.restoreVersions();
      terminal.reboot();
    },
  };
}

/** Every self-test passes, except (with the given chance) one of them. */
export function selfTestResults(rng: Random, failureChance: number): SelfTestResult[] {
  const failing = rng.chance(failureChance) ? SELF_TESTS[rng.int(0, SELF_TESTS.length - 1)] : undefined;
  return SELF_TESTS.map((name) => (name === failing ? { name, passed: false, detail: FINDINGS[name] } : { name, passed: true }));
}
