// A virtual terminal's maintenance steps: real-world durations on the simulated clock, the work's effect
// on what it reports, and a small seeded share of failing self-tests.
import { describe, expect, it } from 'vitest';
import type { JobContext } from '../sdk/index.ts';
import { Random } from './random.ts';
import { selfTestResults, virtualMaintenance, WORK_MINUTES } from './virtual-maintenance.ts';
import { LATEST_VERSIONS, VirtualTerminal } from './virtual-terminal.ts';

const lunch = new Date('2026-11-25T04:30:00.000Z'); // 12:30 in Shanghai
const context = (): JobContext => ({ jobId: 'job-1', work: ['update'], signal: new AbortController().signal });

function recorded(seed = 1) {
  const waits: number[] = [];
  const terminal = new VirtualTerminal({ serialNumber: 'SIM-000001', seed: 3, intervalSeconds: 60 });
  const handlers = virtualMaintenance(terminal, { seed, now: () => lunch, sleep: async (ms) => void waits.push(ms) });
  return { terminal, handlers, waits };
}

describe('virtual maintenance', () => {
  it('takes as long in simulated time as real work takes', async () => {
    const { handlers, waits } = recorded();
    await handlers.perform(['update', 'upgrade'], context());
    const [update, upgrade] = waits as [number, number];
    expect(update).toBeGreaterThanOrEqual(WORK_MINUTES.update[0] * 60_000);
    expect(update).toBeLessThanOrEqual(WORK_MINUTES.update[1] * 60_000);
    expect(upgrade).toBeGreaterThanOrEqual(15 * 60_000);
    expect(upgrade).toBeLessThanOrEqual(30 * 60_000);
    await handlers.restart(context());
    expect(waits[2]).toBeGreaterThanOrEqual(40_000);
    expect(waits[2]).toBeLessThanOrEqual(120_000);
  });

  it('installs the work, and a rollback puts the old software back', async () => {
    const { terminal, handlers } = recorded();
    const before = { ...terminal.installed };
    await handlers.perform(['update'], context());
    expect(terminal.installed.app).toBe(LATEST_VERSIONS.app);
    await handlers.rollback('lease ended', { jobId: 'job-1', work: ['update'] });
    expect(terminal.installed).toEqual(before);
  });

  it('stops a step early when the job is called off', async () => {
    const terminal = new VirtualTerminal({ serialNumber: 'SIM-000002', seed: 4, intervalSeconds: 60 });
    // A clock on which the step's minutes never pass: only calling the job off can end the wait.
    const waits: number[] = [];
    const untilCalledOff = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
      waits.push(ms);
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    const handlers = virtualMaintenance(terminal, { seed: 1, now: () => lunch, sleep: untilCalledOff });
    const controller = new AbortController();
    const performing = handlers.perform(['repair'], { jobId: 'job-1', work: ['repair'], signal: controller.signal });
    controller.abort();
    await performing;
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(60_000); // the repair would have taken minutes
    expect(terminal.installed.app).not.toBe(LATEST_VERSIONS.app);
  });

  it('fails a self-test now and then, the same ones for the same seed', () => {
    const draw = (seed: number, chance: number) => {
      const rng = new Random(seed);
      return Array.from({ length: 1000 }, () => selfTestResults(rng, chance));
    };
    const runs = draw(11, 0.03);
    const failed = runs.filter((results) => results.some((r) => !r.passed));
    expect(failed.length).toBeGreaterThan(10);
    expect(failed.length).toBeLessThan(60);
    expect(failed[0]?.filter((r) => !r.passed)).toEqual([{ name: expect.any(String), passed: false, detail: expect.any(String) }]);
    expect(runs[0]?.map((r) => r.name)).toEqual(['card reader', 'PIN pad', 'printer', 'network', 'secure element']);
    expect(draw(11, 0.03)).toEqual(runs);
    expect(draw(11, 0).every((results) => results.every((r) => r.passed))).toBe(true);
  });
});
