// When a job runs next: pure arithmetic on times, no I/O.

/** The first slot of a recurring schedule strictly after `now`; missed slots are skipped, not replayed. */
export function nextSlot(previousDue: Date, intervalMs: number, now: Date): Date {
  const elapsed = now.getTime() - previousDue.getTime();
  const steps = Math.max(1, Math.floor(elapsed / intervalMs) + 1);
  return new Date(previousDue.getTime() + steps * intervalMs);
}

/** Exponential back-off after a failed attempt: 5 s, 10 s, 20 s, ... capped at 10 minutes. */
export function nextRunAfterFailure(now: Date, attempt: number): Date {
  return new Date(now.getTime() + Math.min(600_000, 5_000 * 2 ** Math.max(0, attempt - 1)));
}
