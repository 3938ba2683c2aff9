import { describe, expect, it } from 'vitest';
import { pacer } from './pace.ts';

/** Awaits answered at once (as better-sqlite3's are) for `ms` of busy time; true if a timer due at the start ran meanwhile. */
async function busyLoop(ms: number, pace?: () => Promise<void>): Promise<boolean> {
  let ran = false;
  setTimeout(() => { ran = true; }, 0);
  const end = performance.now() + ms;
  let ranDuring = false;
  while (performance.now() < end) {
    await Promise.resolve();
    await pace?.();
    ranDuring ||= ran;
  }
  return ranDuring;
}

describe('pacer', () => {
  it('gives the event loop a turn in a long loop of awaits that resolve at once; without it nothing else runs', async () => {
    expect(await busyLoop(100)).toBe(false);
    expect(await busyLoop(100, pacer(10))).toBe(true);
  });
});
