// Waiting in the SDK: on the terminal's timers (a simulation gives its own clock's), the process's by default.

/** Schedules the lease deadline and the SDK's waits. Give it with the client's `now` to test leases without waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const GLOBAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Waits (on `timers`' clock), or less if the signal aborts first. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal, timers: Timers = GLOBAL_TIMERS): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
