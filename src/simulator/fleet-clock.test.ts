// The simulated fleet's clock yields to a saturated process and never wakes a terminal early.
import { afterEach, describe, expect, it } from 'vitest';
import { drivenClock, fleetClock, type FleetClock } from './fleet-clock.ts';

const origin = new Date('2026-11-24T13:30:00.000Z');
let clock: FleetClock | undefined;
afterEach(() => clock?.stop());

/** Keeps the event loop busy (in 100 ms slices) until `until` holds, for at most `timeoutMs`. */
async function saturate(until: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!until()) {
    if (Date.now() > deadline) throw new Error('condition not reached while saturated');
    const slice = Date.now() + 100;
    while (Date.now() < slice); // the busy work of an overloaded process
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Waits, idle, until `until` holds, for at most `timeoutMs`. */
async function idle(until: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!until()) {
    if (Date.now() > deadline) throw new Error('condition not reached while idle');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the fleet clock', () => {
  it('runs at full speed while the process keeps up', async () => {
    clock = fleetClock(origin, 100, { sampleMs: 20 });
    await clock.sleep(30_000); // 0.3 s of real time at full speed
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(origin.getTime() + 30_000);
    expect(clock.pace()).toBe(100);
  });

  it('slows the world down while the event loop is saturated, and speeds it up again afterwards', async () => {
    clock = fleetClock(origin, 100, { sampleMs: 20 });
    await saturate(() => clock!.pace() < 50);
    const slowed = clock.pace();
    expect(slowed).toBeGreaterThanOrEqual(100 * 0.02);
    await idle(() => clock!.pace() === 100);
    expect(clock.pace()).toBe(100);
  });

  it('never fires a timer before its simulated time, though the pace changes meanwhile', async () => {
    clock = fleetClock(origin, 100, { sampleMs: 20 });
    const target = clock.now().getTime() + 60_000;
    let firedAt: number | undefined;
    clock.setTimeout(() => (firedAt = clock!.now().getTime()), 60_000);
    await saturate(() => clock!.pace() < 50 || firedAt !== undefined);
    await idle(() => firedAt !== undefined, 60_000);
    expect(firedAt).toBeGreaterThanOrEqual(target);
  });

  it('keeps its speed whatever the load when fixed, and a cleared timer never fires', async () => {
    clock = fleetClock(origin, 1, { fixed: true, sampleMs: 20 });
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 50);
    clock.clearTimeout(handle);
    await saturate(() => clock!.now().getTime() >= origin.getTime() + 300);
    await clock.sleep(100);
    expect(clock.pace()).toBe(1);
    expect(fired).toBe(false);
  });

  it('leaps ahead while the process is idle, firing the timers due on the way, and not while it is busy', async () => {
    clock = fleetClock(origin, 1, { fixed: true, leap: { maxMs: 60_000 } });
    // Ten simulated minutes at speed 1, idle: leaps of a minute make them pass in a moment.
    const fired: number[] = [];
    for (const minutes of [3, 7]) clock.setTimeout(() => fired.push(clock!.now().getTime()), minutes * 60_000);
    await clock.sleep(10 * 60_000);
    expect(fired).toHaveLength(2);
    expect(fired[0]).toBeGreaterThanOrEqual(origin.getTime() + 3 * 60_000);
    expect(fired[1]).toBeGreaterThanOrEqual(origin.getTime() + 7 * 60_000);
    // Busy: the world runs at its pace only, so no work falls behind.
    const before = clock.now().getTime();
    const end = Date.now() + 500;
    await saturate(() => Date.now() > end);
    expect(clock.now().getTime() - before).toBeLessThan(60_000);
  });

  it('does not leap while a request is in flight, and leaps again once it is answered', async () => {
    clock = fleetClock(origin, 1, { fixed: true, leap: { maxMs: 60_000 } });
    let answer: () => void = () => {};
    const request = clock.hold(new Promise<void>((resolve) => (answer = resolve)));
    const before = clock.now().getTime();
    await clock.sleep(200); // idle, but waiting for the answer: real time only
    expect(clock.now().getTime() - before).toBeLessThan(60_000);
    answer();
    await request;
    await clock.sleep(10 * 60_000);
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(before + 10 * 60_000);
  });
});

describe('the driven clock', () => {
  it('stands still until moved, then fires each timer due on the way at its own instant, in order', () => {
    const driven = drivenClock(origin);
    const fired: string[] = [];
    driven.setTimeout(() => fired.push(`b ${driven.now().toISOString()}`), 120_000);
    driven.setTimeout(() => {
      fired.push(`a ${driven.now().toISOString()}`);
      // Set while moving: due on the way too.
      driven.setTimeout(() => fired.push(`c ${driven.now().toISOString()}`), 30_000);
    }, 60_000);
    const dropped = driven.setTimeout(() => fired.push('cleared'), 10_000);
    driven.clearTimeout(dropped);
    expect(driven.now()).toEqual(origin);
    driven.advanceTo(new Date(origin.getTime() + 100_000));
    expect(fired).toEqual(['a 2026-11-24T13:31:00.000Z', 'c 2026-11-24T13:31:30.000Z']);
    expect(driven.now().toISOString()).toBe('2026-11-24T13:31:40.000Z');
    driven.advanceTo(origin); // never back
    expect(driven.now().toISOString()).toBe('2026-11-24T13:31:40.000Z');
    driven.advanceTo(origin.getTime() + 120_000);
    expect(fired.at(-1)).toBe('b 2026-11-24T13:32:00.000Z');
  });
});
