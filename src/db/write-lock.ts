// Two threads of one process write the same SQLite file (the event loop, and the heartbeat writer thread):
// they take turns through this lock in shared memory before SQLite's own write lock. A thread waiting
// here wakes the moment the other releases; waiting in SQLite's busy handler instead sleeps 1–100 ms
// between tries, which cut heartbeat throughput by three quarters when it was tried. SQLite's lock stays
// the guard: a writer this lock does not see (another process, a raw statement) still waits in busy_timeout.

/** Longer than this, and the waiter goes on without the lock (SQLite's busy_timeout then decides). */
const WAIT_MS = 5_000;

export const MAIN_THREAD = 1;
export const HEARTBEAT_THREAD = 2;

export class ThreadWriteLock {
  private readonly cell: Int32Array;
  private depth = 0;

  /** `buffer`: 4 bytes shared by the threads (a SharedArrayBuffer); `owner`: this thread's number (not 0). */
  constructor(readonly buffer: SharedArrayBuffer, private readonly owner: number) {
    this.cell = new Int32Array(buffer, 0, 1);
  }

  static create(owner: number): ThreadWriteLock {
    return new ThreadWriteLock(new SharedArrayBuffer(4), owner);
  }

  /** Blocks this thread until the other one released (at most WAIT_MS). Re-entrant. */
  acquire(): void {
    if (this.depth > 0) {
      this.depth++;
      return;
    }
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const holder = Atomics.compareExchange(this.cell, 0, 0, this.owner);
      if (holder === 0 || holder === this.owner) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.cell, 0, holder, left);
    }
    this.depth = 1;
  }

  release(): void {
    if (this.depth === 0 || --this.depth > 0) return;
    if (Atomics.compareExchange(this.cell, 0, this.owner, 0) === this.owner) Atomics.notify(this.cell, 0);
  }

  /** The thread numbered `owner` ended (it may have died holding the lock): frees it. */
  releaseFor(owner: number): void {
    if (Atomics.compareExchange(this.cell, 0, owner, 0) === owner) Atomics.notify(this.cell, 0);
  }
}
