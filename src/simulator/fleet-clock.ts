// The simulated world's clock: `speed` times faster than the real one, except when this process cannot
// keep up. A fleet played hundreds of times faster than life needs the machine to carry every heartbeat,
// step report and tick in its share of a real second; on a busy or slower machine it cannot, replies
// queue up, and in simulated time every terminal looks as if its link were failing (leases end, jobs
// fail, waves halt). So the clock watches how busy this process's event loop is and slows the world
// down while it is saturated, and speeds it up again (never past `speed`) when there is room: a slower
// machine plays the same fleet, more slowly. The terminals' heartbeat loops and maintenance steps wait
// on this clock (its timers), so a slower world also asks less of the machine per real second.
// With `leap`, the world does not wait for real time either while this process has nothing to do: when
// the event loop has been idle for a moment and no request is in flight (see hold), simulated time
// jumps ahead by `leap.maxMs`, firing the timers due on the way together. A fleet then takes as
// long as its work, not as long as its simulated hours at `speed`, on a fast machine and a busy one alike.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Timers } from '../sdk/timers.ts';
import { sleep } from '../sdk/timers.ts';

export interface FleetClock extends Timers {
  /** Simulated seconds per real second at full pace. */
  readonly speed: number;
  /** The simulated time now. */
  now(): Date;
  /** Waits `ms` simulated milliseconds (never less), or until the signal aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Simulated seconds per real second at this moment: `speed`, or less while the process is saturated. */
  pace(): number;
  /** Stops watching the event loop (the clock keeps its last pace). */
  stop(): void;
  /** Work under way elsewhere (a request to the server): the world does not leap until it is done. */
  hold<T>(work: Promise<T>): Promise<T>;
}

export interface FleetClockOptions {
  /** Slow down when the event loop was busy more than this share of the time (default 0.85)... */
  busyAbove?: number;
  /** ...and speed up again below this share (default 0.7). */
  idleBelow?: number;
  /** The slowest pace, as a share of `speed` (default 0.02). */
  minShare?: number;
  /** How often the event loop is looked at, in real milliseconds (default 250). */
  sampleMs?: number;
  /** Keeps `speed` whatever the load: the plain accelerated clock (e.g. at speed 1, for demos). */
  fixed?: boolean;
  /**
   * Jumps ahead while the process is idle: by `maxMs` simulated ms (small enough that a timer fired late
   * by it changes nothing that matters), once the event loop was idle for `idleMs` real ms (default 5).
   */
  leap?: { maxMs: number; idleMs?: number };
}

/** The accelerated clock of a simulated fleet, from `origin` (see the module comment). */
export function fleetClock(origin: Date, speed: number, options: FleetClockOptions = {}): FleetClock {
  if (!(speed > 0)) throw new Error(`speed must be above 0, got ${speed}`);
  const { busyAbove = 0.85, idleBelow = 0.7, minShare = 0.02, sampleMs = 250 } = options;
  // The pace changes only at samples; between them simulated time runs linearly from the last anchor.
  let anchorReal = performance.now();
  let anchorSimulated = origin.getTime();
  let share = 1;
  const simulatedNow = () => anchorSimulated + (performance.now() - anchorReal) * speed * share;
  /** Timers not yet fired: a faster pace brings each one's real moment forward. */
  const pending = new Set<Handle>();
  const setShare = (next: number) => {
    anchorSimulated = simulatedNow();
    anchorReal = performance.now();
    const faster = next > share;
    share = next;
    // A slower pace needs nothing: a timer that fires early re-arms itself (see arm).
    if (faster) for (const handle of pending) arm(handle);
  };

  let watcher: ReturnType<typeof setInterval> | undefined;
  if (!options.fixed) {
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let busy = 0;
    watcher = setInterval(() => {
      const current = performance.eventLoopUtilization();
      // Smoothed a little: one long synchronous task is not a trend.
      busy = 0.6 * busy + 0.4 * performance.eventLoopUtilization(current, last).utilization;
      last = current;
      if (busy > busyAbove) setShare(Math.max(minShare, share * 0.8));
      else if (busy < idleBelow && share < 1) setShare(Math.min(1, share * 1.1));
    }, sampleMs);
    watcher.unref();
  }

  /** A real timer for a simulated instant, re-armed when the pace slowed meanwhile, so it never fires early. */
  interface Handle { target: number; callback: () => void; timer?: ReturnType<typeof setTimeout> }
  function arm(handle: Handle): void {
    clearTimeout(handle.timer);
    handle.timer = setTimeout(() => {
      if (simulatedNow() < handle.target) return arm(handle);
      pending.delete(handle);
      handle.callback();
    }, Math.ceil(Math.max(0, (handle.target - simulatedNow()) / (speed * share))));
  }

  /** Requests in flight (see hold): a server thread may be writing while this one waits, idle. */
  let held = 0;
  let leaper: ReturnType<typeof setInterval> | undefined;
  if (options.leap) {
    const { maxMs, idleMs = 5 } = options.leap;
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let quietSince = performance.now();
    // Checked often on a real timer; the loop counts as idle when it waited for I/O nearly all the while.
    leaper = setInterval(() => {
      const current = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(current, last).utilization;
      last = current;
      if (busy > 0.2 || held > 0) {
        quietSince = performance.now();
        return;
      }
      if (performance.now() - quietSince < idleMs) return;
      // `maxMs` on: the timers due meanwhile fire together (a batch, not one wake-up per leap).
      anchorSimulated += maxMs;
      quietSince = performance.now();
      const now = simulatedNow();
      for (const handle of pending) if (handle.target <= now) arm(handle);
    }, Math.max(1, Math.floor(idleMs / 2)));
    leaper.unref();
  }

  const clock: FleetClock = {
    speed,
    now: () => new Date(simulatedNow()),
    setTimeout(callback, ms) {
      const handle: Handle = { target: simulatedNow() + ms, callback };
      pending.add(handle);
      arm(handle);
      return handle;
    },
    clearTimeout(handle) {
      if (!handle) return;
      clearTimeout((handle as Handle).timer);
      pending.delete(handle as Handle);
    },
    sleep: (ms, signal) => sleep(ms, signal, clock),
    pace: () => speed * share,
    hold: (work) => {
      held++;
      return work.finally(() => held--);
    },
    stop: () => {
      clearInterval(watcher);
      clearInterval(leaper);
    },
  };
  return clock;
}

/** A fleet clock that stands still until it is moved (see drivenClock). */
export interface DrivenClock extends FleetClock {
  /** Moves simulated time on to `at` (never back), firing each timer due on the way at its own instant. */
  advanceTo(at: Date | number): void;
}

/**
 * A clock that moves only when told to (`advanceTo`), for a fleet stepped through simulated time in
 * coarse jumps: nothing happens between two instants the caller chose, so no CPU is spent on them and
 * a busy machine plays the same instants, in the same order, as an idle one. Its speed is 1: a
 * simulator on it takes its intervals in simulated seconds.
 */
export function drivenClock(origin: Date): DrivenClock {
  let now = origin.getTime();
  interface Handle { target: number; order: number; callback: () => void }
  const pending = new Set<Handle>();
  let order = 0;
  const clock: DrivenClock = {
    speed: 1,
    now: () => new Date(now),
    setTimeout(callback, ms) {
      const handle: Handle = { target: now + Math.max(0, ms), order: order++, callback };
      pending.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      if (handle) pending.delete(handle as Handle);
    },
    sleep: (ms, signal) => sleep(ms, signal, clock),
    pace: () => 1,
    stop: () => {},
    // Nothing moves this clock behind the caller's back: a request in flight needs no holding.
    hold: (work) => work,
    advanceTo(at) {
      const target = typeof at === 'number' ? at : at.getTime();
      for (;;) {
        // The earliest due timer (the first set among equals); ones its callback sets are seen too.
        let next: Handle | undefined;
        for (const h of pending) if (h.target <= target && (!next || h.target < next.target || (h.target === next.target && h.order < next.order))) next = h;
        if (!next) break;
        pending.delete(next);
        now = Math.max(now, next.target);
        next.callback();
      }
      now = Math.max(now, target);
    },
  };
  return clock;
}
