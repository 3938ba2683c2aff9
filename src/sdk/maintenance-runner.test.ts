// A maintenance job on the terminal, against a stand-in for the server that follows the real job
// rules (job-states.ts): the steps in order, the lease on a manual clock, rollbacks, reboots.
import { describe, expect, it } from 'vitest';
import { canTransition, isStaleReport, verdict, type JobState, type SelfTestResult } from '../shared/job-states.ts';
import { PosFleetError } from './errors.ts';
import { MaintenanceRunner, type MaintenanceEvent, type MaintenanceHandlers, type PendingReport, type RunnerState, type SavedJob, type Timers } from './maintenance-runner.ts';

const JOB = 'job-1';
const SERVER_START = Date.parse('2026-11-25T02:00:00.000Z');

/** A clock that moves only when told, and timers that fire when it passes them. */
function manualClock(start: number) {
  let now = start;
  const timers = new Map<number, { at: number; callback: () => void }>();
  let ids = 0;
  const api: Timers & { now(): Date; advance(ms: number): void; pending(): number } = {
    now: () => new Date(now),
    setTimeout(callback, ms) {
      timers.set(++ids, { at: now + ms, callback });
      return ids;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => timers.size,
  };
  return api;
}

/** The server's side of one job, by the same rules as the real one. */
function serverJob(initial: JobState = 'draining') {
  const job = { state: initial, offline: false, received: [] as string[] };
  return Object.assign(job, {
    async report(report: PendingReport): Promise<{ id: string; state: JobState }> {
      if (job.offline) throw new PosFleetError('network_error', 'cannot reach the server');
      job.received.push(report.state);
      if (isStaleReport(job.state, report.state)) return { id: JOB, state: job.state };
      if (!canTransition(job.state, report.state, 'terminal')) throw new PosFleetError('conflict', `job is ${job.state}`, { status: 409 });
      job.state = report.state;
      if (report.state === 'verifying' && report.selfTests) job.state = verdict(report.selfTests);
      return { id: JOB, state: job.state };
    },
  });
}

/** Handlers that record their calls; `perform` can be held open. */
function recordingHandlers(selfTests: SelfTestResult[] = [{ name: 'printer', passed: true }]) {
  const calls: string[] = [];
  let release = () => {};
  const held = { perform: false };
  const handlers: MaintenanceHandlers = {
    drain: async () => void calls.push('drain'),
    perform: async (work) => {
      calls.push(`perform ${work.join('+')}`);
      if (held.perform) await new Promise<void>((resolve) => { release = resolve; });
    },
    restart: async () => void calls.push('restart'),
    selfTest: async () => (calls.push('selfTest'), selfTests),
    rollback: async (reason) => void calls.push(`rollback: ${reason}`),
  };
  return { calls, handlers, held, release: () => release() };
}

function setUp(options: { handlers?: MaintenanceHandlers; saved?: Partial<RunnerState>; clockSkewMs?: number; server?: ReturnType<typeof serverJob> } = {}) {
  // The terminal's clock runs 1 h 13 min slow: the lease must not care.
  const clock = manualClock(SERVER_START - (options.clockSkewMs ?? 73 * 60_000));
  const server = options.server ?? serverJob();
  const recorded = recordingHandlers();
  const saves: RunnerState[] = [];
  const events: MaintenanceEvent[] = [];
  const errors: unknown[] = [];
  const runner: MaintenanceRunner = new MaintenanceRunner({
    handlers: options.handlers ?? recorded.handlers,
    report: (report) => server.report(report),
    now: clock.now,
    timers: clock,
    save: async () => void saves.push(runner.snapshot()),
    changed: () => {},
    onError: (error) => errors.push(error),
    onEvent: (event) => events.push(event),
  }, options.saved);
  return { clock, server, runner, saves, events, errors, ...recorded };
}

/** The heartbeat answer while the job is out of service: 40 min lease, 20 min expected. */
const inMaintenance = (state = 'draining') => ({
  reason: 'security patch', serverTime: new Date(SERVER_START).toISOString(),
  maintenance: { jobId: JOB, state, work: ['update'], expectedEndAt: '2026-11-25T02:20:00.000Z', leaseUntil: '2026-11-25T02:40:00.000Z' },
});
const normal = { reason: null, serverTime: new Date(SERVER_START).toISOString(), maintenance: null };

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await settled();
  if (!condition()) throw new Error('condition not met');
}

describe('maintenance job on the terminal', () => {
  it('drains, works, restarts and self-tests, reporting each step, and ends when the server confirms', async () => {
    const t = setUp();
    t.runner.onAnswer(inMaintenance(), t.clock.now());
    expect(t.runner.job).toMatchObject({ jobId: JOB, work: ['update'], phase: 'draining' });
    await until(() => t.runner.job === undefined);
    expect(t.calls).toEqual(['drain', 'perform update', 'restart', 'selfTest']);
    expect(t.server.received).toEqual(['in_maintenance', 'restarting', 'verifying']);
    expect(t.server.state).toBe('completed');
    expect(t.events.map((e) => e.type === 'step' ? e.state : e.type)).toEqual(['started', 'in_maintenance', 'restarting', 'verifying', 'completed']);
    expect(t.runner.snapshot()).toEqual({ job: null, outbox: [], endedJobs: [JOB] });
    expect(t.clock.pending()).toBe(0);
  });

  it('rolls back when the lease ends on its own clock, and reports it when the server is back', async () => {
    const t = setUp();
    t.held.perform = true;
    t.runner.onAnswer(inMaintenance(), t.clock.now());
    await until(() => t.calls.includes('perform update'));
    t.server.offline = true;
    // 40 min left when the answer came: nothing at 39 min 59 s, a rollback at 40 min.
    t.clock.advance(40 * 60_000 - 1_000);
    await settled();
    expect(t.runner.job).toBeDefined();
    t.clock.advance(1_000);
    await until(() => t.runner.job === undefined);
    expect(t.calls.at(-1)).toBe('rollback: lease ended before the job was confirmed');
    expect(t.runner.snapshot().outbox.map((r) => r.state)).toEqual(['failed', 'rolled_back']);

    t.release(); // the stuck step finishing late changes nothing
    await settled();
    expect(t.calls).not.toContain('restart');

    t.server.offline = false;
    t.runner.onAnswer(inMaintenance('in_maintenance'), t.clock.now()); // the server has not noticed yet
    await until(() => t.server.state === 'rolled_back');
    expect(t.runner.job).toBeUndefined();
    expect(t.events.at(-1)).toEqual({ type: 'ended', jobId: JOB, reason: 'lease ended before the job was confirmed', rolledBack: true });
  });

  it('follows an operator extending the lease', async () => {
    const t = setUp();
    t.held.perform = true;
    t.runner.onAnswer(inMaintenance(), t.clock.now());
    await until(() => t.calls.includes('perform update'));
    t.clock.advance(30 * 60_000);
    const extended = inMaintenance('in_maintenance');
    extended.serverTime = new Date(SERVER_START + 30 * 60_000).toISOString();
    extended.maintenance.leaseUntil = '2026-11-25T02:55:00.000Z'; // +15 min
    t.runner.onAnswer(extended, t.clock.now());
    t.clock.advance(20 * 60_000); // past the first lease, within the second
    await settled();
    expect(t.runner.job).toBeDefined();
    t.clock.advance(5 * 60_000);
    await until(() => t.runner.job === undefined);
    expect(t.calls.at(-1)).toBe('rollback: lease ended before the job was confirmed');
  });

  it('stops when the server no longer has the job in maintenance, and rolls back only if it did not complete', async () => {
    const finished = setUp({ server: serverJob('completed') });
    finished.held.perform = true;
    finished.runner.onAnswer(inMaintenance(), finished.clock.now());
    await until(() => finished.calls.includes('perform update'));
    finished.runner.onAnswer(normal, finished.clock.now()); // an operator finished it
    await until(() => finished.runner.job === undefined);
    expect(finished.calls.some((c) => c.startsWith('rollback'))).toBe(false);
    expect(finished.events.at(-1)).toEqual({ type: 'completed', jobId: JOB });

    const aborted = setUp({ server: serverJob('aborted') });
    aborted.held.perform = true;
    aborted.runner.onAnswer(inMaintenance(), aborted.clock.now());
    await until(() => aborted.calls.includes('perform update'));
    aborted.runner.onAnswer(normal, aborted.clock.now());
    await until(() => aborted.runner.job === undefined);
    expect(aborted.calls.at(-1)).toBe('rollback: the server ended the job (aborted)');
  });

  it('fails and rolls back when a step throws, or when a self-test fails', async () => {
    const broken = recordingHandlers();
    broken.handlers.perform = async () => { throw new Error('package signature invalid'); };
    const t = setUp({ handlers: broken.handlers });
    t.runner.onAnswer(inMaintenance(), t.clock.now());
    await until(() => t.server.state === 'rolled_back');
    expect(broken.calls.at(-1)).toBe('rollback: perform failed: package signature invalid');
    expect(t.server.received).toEqual(['in_maintenance', 'failed', 'rolled_back']);

    const failing = recordingHandlers([{ name: 'printer', passed: true }, { name: 'card reader', passed: false, detail: 'no chip contact' }]);
    const u = setUp({ handlers: failing.handlers });
    u.runner.onAnswer(inMaintenance(), u.clock.now());
    await until(() => u.server.state === 'rolled_back');
    expect(failing.calls.at(-1)).toBe('rollback: self-tests failed: card reader');
    expect(u.server.received).toEqual(['in_maintenance', 'restarting', 'verifying', 'rolled_back']);
  });

  it('goes on with the self-test after a reboot during restart, and rolls back a job found past its lease', async () => {
    const job: SavedJob = { jobId: JOB, work: ['upgrade'], reason: 'fw', expectedEndAt: '2026-11-25T02:20:00.000Z', leaseDeadline: new Date(SERVER_START).toISOString(), phase: 'restarting' };
    const rebooted = setUp({ saved: { job, outbox: [{ jobId: JOB, state: 'restarting' }] }, server: serverJob('in_maintenance'), clockSkewMs: 60_000 });
    rebooted.runner.resume();
    await until(() => rebooted.runner.job === undefined);
    expect(rebooted.calls).toEqual(['selfTest']);
    expect(rebooted.server.received).toEqual(['restarting', 'verifying']);
    expect(rebooted.server.state).toBe('completed');

    const late = setUp({ saved: { job: { ...job, phase: 'in_maintenance' } }, server: serverJob('in_maintenance'), clockSkewMs: -60_000 });
    late.clock.advance(0); // the lease timer is due at once
    await until(() => late.runner.job === undefined);
    expect(late.calls).toEqual(['rollback: lease ended before the job was confirmed']);
    late.runner.resume();
    await until(() => late.server.state === 'rolled_back');
  });

  it('finishes a rollback that a reboot interrupted', async () => {
    const job: SavedJob = {
      jobId: JOB, work: ['update'], reason: null, expectedEndAt: '2026-11-25T02:20:00.000Z', leaseDeadline: '2026-11-25T03:00:00.000Z', phase: 'in_maintenance',
      ending: { reason: 'perform failed: disk full', rollback: true, completed: false, after: [{ jobId: JOB, state: 'rolled_back', note: 'rolled back' }] },
    };
    const t = setUp({ saved: { job, outbox: [{ jobId: JOB, state: 'failed', note: 'perform failed: disk full' }] }, server: serverJob('in_maintenance') });
    t.runner.onAnswer(inMaintenance('in_maintenance'), t.clock.now()); // an answer about a job being ended is not obeyed
    t.runner.resume();
    await until(() => t.server.state === 'rolled_back');
    expect(t.calls).toEqual(['rollback: perform failed: disk full']);
  });

  it('keeps reports in order while the server is unreachable', async () => {
    const t = setUp();
    t.server.offline = true;
    t.runner.onAnswer(inMaintenance(), t.clock.now());
    await until(() => t.runner.snapshot().outbox.length === 3);
    expect(t.runner.snapshot().outbox.map((r) => r.state)).toEqual(['in_maintenance', 'restarting', 'verifying']);
    expect(t.errors.length).toBeGreaterThan(0);
    expect(t.runner.job).toBeDefined(); // not confirmed: still in maintenance
    t.server.offline = false;
    await t.runner.flush();
    await until(() => t.runner.job === undefined);
    expect(t.server.received).toEqual(['in_maintenance', 'restarting', 'verifying']);
    expect(t.saves.at(-1)?.outbox).toEqual([]);
  });
});
