// The heartbeat's own bookkeeping: the loop that beats at a fixed rate until stopped, the sequence
// numbers, and the payment counts a heartbeat carries beyond the application's report. What a heartbeat
// sends and what its answer changes: PosFleetTerminal.heartbeat and sendHeartbeat (./terminal-client.ts).
import type { HeartbeatReport } from '../protocol/index.ts';
import { sleep, type Timers } from './timers.ts';

/**
 * The next sequence number. With no saved counter the first one is the current time in ms (or the
 * server's last seq + 1 if that is higher). A counter that began at the clock and grew by one per
 * heartbeat (far less than once a ms) stays behind the clock, so a terminal that lost its counter
 * still moves forward, and its new heartbeats are not taken for retries of old ones.
 */
export function nextSeq(lastSeq: number | null, serverLastSeq: number, now: Date): number {
  return lastSeq === null ? Math.max(serverLastSeq + 1, now.getTime()) : lastSeq + 1;
}

type Transactions = HeartbeatReport['transactions'];
interface Counts { refused: number; refunds: number; manualEntries: number }

/** Payments refused, refunds and manually keyed card numbers counted since the last heartbeat that carried them. */
export class TransactionCounts {
  private counts: Counts = { refused: 0, refunds: 0, manualEntries: 0 };

  add(kind: keyof Counts, n = 1): void {
    this.counts[kind] += n;
  }

  /** Hands the counts to a heartbeat (added to what its report says) and starts counting afresh. */
  take(transactions: Transactions): { transactions: Transactions; taken: Counts } {
    const taken = this.counts;
    this.counts = { refused: 0, refunds: 0, manualEntries: 0 };
    const { refused, refunds, manualEntries } = taken;
    return {
      taken,
      transactions: {
        ...transactions,
        ...(refused && { refused: (transactions.refused ?? 0) + refused }),
        ...(refunds && { refunds: (transactions.refunds ?? 0) + refunds }),
        ...(manualEntries && { manualEntries: (transactions.manualEntries ?? 0) + manualEntries }),
      },
    };
  }

  /**
   * A heartbeat not delivered as far as we know: the next one carries its counts (twice only if the
   * server stored this one and every answer to it was lost).
   */
  giveBack(taken: Counts): void {
    for (const kind of ['refused', 'refunds', 'manualEntries'] as const) this.counts[kind] += taken[kind];
  }
}

export interface LoopRun {
  /** One heartbeat with a fresh report; a failure goes to onError and the loop goes on. */
  beat(signal: AbortSignal): Promise<void>;
  /** The interval between the starts of two heartbeats, asked again after each. */
  intervalSeconds(): number;
  /** Asked before each heartbeat: false ends the loop (the terminal is no longer running). */
  keepGoing(): boolean;
  /** Wait this long before the first heartbeat. */
  firstDelayMs: number;
  /** Called once the loop has ended, whatever ended it. */
  ended(): void;
}

/** Beats until stopped, at a fixed rate: a slow heartbeat does not push every later one back. */
export class HeartbeatLoop {
  private loop: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(private readonly now: () => Date, private readonly timers: Timers, private readonly onError: (error: unknown) => void) {}

  get running(): boolean {
    return this.loop !== undefined;
  }

  start(run: LoopRun): void {
    if (this.loop) return;
    const controller = new AbortController();
    const done = this.run(run, controller.signal).finally(() => {
      this.loop = undefined;
      run.ended();
    });
    this.loop = { controller, done };
  }

  /** Ends the loop and waits for a heartbeat in flight to be answered. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.controller.abort();
    await loop.done;
  }

  /** Ends the loop without waiting (from inside a call, e.g. on a 401). */
  abort(): void {
    this.loop?.controller.abort();
  }

  private async run(run: LoopRun, signal: AbortSignal): Promise<void> {
    await sleep(run.firstDelayMs, signal, this.timers);
    while (!signal.aborted && run.keepGoing()) {
      const began = this.now().getTime();
      try {
        await run.beat(signal);
      } catch (error) {
        // Errors caused by stop() itself (an abandoned back-off) are nobody's concern.
        if (!signal.aborted) this.onError(error);
      }
      const intervalMs = run.intervalSeconds() * 1000;
      await sleep(Math.max(0, began + intervalMs - this.now().getTime()), signal, this.timers);
    }
  }
}
