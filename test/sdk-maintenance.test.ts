// Maintenance mode through the terminal SDK against a real server: a job's every state, what the
// cashier is told meanwhile, refused payments counted on the job, an operator's word winning, a reboot
// mid-job, and a server killed mid-job (the terminal's lease brings it back; the restarted server
// settles the job from its database).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PosFleetTerminal, type FetchLike, type MaintenanceEvent, type MaintenanceHandlers, type SavedState, type TerminalClientOptions, type Timers,
} from '../src/sdk/index.ts';
import { heartbeatContent, modelAndMerchant, operatorApi, poll, startTestServer, waitFor, type OperatorApi, type TestServer } from './support/server.ts';

/** Bound for anything that should happen within a few heartbeats and ticks. */
const SOON_MS = 30_000;
const BEAT_SECONDS = 0.2;

interface JobView {
  id: string;
  state: string;
  startedAt: string;
  expectedMinutes: number;
  refusedTransactions: number;
  transitions: { to: string; actor: string; note: string | null }[];
}

/** Handlers that record their calls; `perform` waits until released, so a test can look at a terminal mid-job. */
function heldHandlers() {
  const calls: string[] = [];
  let entered = () => {};
  let release = () => {};
  const performing = new Promise<void>((resolve) => { entered = resolve; });
  const handlers: MaintenanceHandlers = {
    drain: async () => void calls.push('drain'),
    perform: (work) => {
      calls.push(`perform ${work.join('+')}`);
      entered();
      return new Promise<void>((resolve) => { release = resolve; });
    },
    restart: async () => void calls.push('restart'),
    selfTest: async () => (calls.push('selfTest'), [{ name: 'card reader', passed: true }, { name: 'printer', passed: true }]),
    rollback: async (reason) => void calls.push(`rollback: ${reason}`),
  };
  return { calls, handlers, performing, release: () => release() };
}

/**
 * A clock set apart from the real one, running with it, that also jumps when told; its timers fire when
 * it passes them, by running or by jumping (the SDK's heartbeat loop and lease both wait on it).
 */
function jumpingClock(skewMs: number) {
  let offset = skewMs;
  const timers = new Map<number, { at: number; callback: () => void; real: ReturnType<typeof setTimeout> }>();
  let ids = 0;
  const fire = (id: number) => {
    const timer = timers.get(id);
    if (!timer) return;
    clearTimeout(timer.real);
    timers.delete(id);
    timer.callback();
  };
  const clock: Timers & { now(): Date; jump(ms: number): void } = {
    now: () => new Date(Date.now() + offset),
    setTimeout(callback, ms) {
      const id = ++ids;
      timers.set(id, { at: clock.now().getTime() + ms, callback, real: setTimeout(() => fire(id), ms) });
      return id;
    },
    clearTimeout: (handle) => {
      clearTimeout(timers.get(handle as number)?.real);
      timers.delete(handle as number);
    },
    jump(ms) {
      offset += ms;
      const now = clock.now().getTime();
      for (const [id, timer] of [...timers]) if (timer.at <= now) fire(id);
    },
  };
  return clock;
}

/** HH:MM of an instant at a fixed offset from UTC (computed apart from the SDK's Intl formatting). */
const hhmm = (at: number, utcOffsetMinutes: number) => new Date(at + utcOffsetMinutes * 60_000).toISOString().slice(11, 16);
const expectedEnd = (job: JobView) => Date.parse(job.startedAt) + job.expectedMinutes * 60_000;
const path = (job: JobView) => job.transitions.map((t) => `${t.to}:${t.actor}`);

/** A terminal model and a merchant in Shanghai on a server: what its sites need. */
async function estateOn(on: TestServer) {
  const api = operatorApi(on);
  return { server: on, api, ...await modelAndMerchant(api, 'SDKM', 'SDK maintenance') };
}

describe('maintenance through the terminal SDK', () => {
  let server: TestServer;
  let api: OperatorApi;
  let estate: Awaited<ReturnType<typeof estateOn>>;
  let sites = 0;
  const closing: PosFleetTerminal[] = [];

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-sdk-maintenance' });
    estate = await estateOn(server);
    api = estate.api;
  });
  afterAll(async () => {
    await Promise.all(closing.map((t) => t.close()));
    await server?.close();
  });

  /** A site whose terminals enrol through the SDK, with one more terminal that stays in service. */
  async function site(on = estate) {
    const code = `SDKM-${++sites}`;
    const siteId = (await on.api('POST', '/api/v1/sites', { merchantId: on.merchantId, code, name: `Site ${code}` })).id;
    const enrolment = (await on.api('POST', '/api/v1/enrolment-codes', { modelId: on.modelId, siteId, uses: 10 })).code as string;
    let serials = 0;
    const terminal = async (options: Partial<TerminalClientOptions> = {}) => {
      const t = new PosFleetTerminal({ server: on.server.url, serialNumber: `${code}-${++serials}`, retry: { baseDelayMs: 10, maxDelayMs: 100, attempts: 3 }, ...options });
      closing.push(t);
      const { terminalId } = await t.enrol(enrolment);
      return { t, id: terminalId };
    };
    // The continuity rule lets a terminal go only while another of its site works: this one beats.
    const counter = await terminal();
    counter.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    await waitFor(() => counter.t.status === 'running', SOON_MS);
    await counter.t.heartbeat(heartbeatContent());
    return { siteId, terminal, counter };
  }

  const job = (id: string): Promise<JobView> => api('GET', `/api/v1/maintenance/jobs/${id}`);
  const jobIn = (id: string, state: string) => poll(async () => {
    const view = await job(id);
    return view.state === state ? view : undefined;
  }, SOON_MS, `job ${id} ${state}`);
  const putIntoMaintenance = async (terminalIds: string[], extra: Record<string, unknown> = {}): Promise<JobView[]> =>
    (await api('POST', '/api/v1/maintenance/jobs', { terminalIds, work: ['update'], reason: '安全补丁 3.2.1', expectedMinutes: 20, maxMinutes: 40, ...extra })).items;

  it('takes a Chinese and an English terminal through every state, refusing payments with the expected end meanwhile', async () => {
    const { terminal } = await site();
    const zhHandlers = heldHandlers();
    const enHandlers = heldHandlers();
    const events: MaintenanceEvent[] = [];
    const zh = await terminal({ locale: 'zh-CN', timeZone: 'Asia/Shanghai', maintenance: zhHandlers.handlers, onMaintenance: (e) => events.push(e) });
    const en = await terminal({ locale: 'en', timeZone: 'UTC', maintenance: enHandlers.handlers });
    for (const x of [zh, en]) {
      await x.t.heartbeat(heartbeatContent());
      expect(x.t.canTransact()).toEqual({ allowed: true });
      x.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    }

    const jobs = await putIntoMaintenance([zh.id, en.id]);
    expect(jobs.map((j) => j.state)).toEqual(['draining', 'draining']);
    const [zhJob, enJob] = await Promise.all(jobs.map((j) => job(j.id))) as [JobView, JobView];
    await Promise.all([zhHandlers.performing, enHandlers.performing]);

    // Shanghai is UTC+8 all year.
    expect(zh.t.canTransact()).toEqual({ allowed: false, message: `功能维护中，预计 ${hhmm(expectedEnd(zhJob), 480)} 恢复` });
    expect(en.t.canTransact()).toEqual({ allowed: false, message: `Under maintenance, back at ${hhmm(expectedEnd(enJob), 0)}` });
    expect(zh.t.mode).toBe('maintenance');
    zh.t.canTransact();
    zh.t.canTransact();
    // The refusals go out with the next heartbeats and count against each terminal's job.
    await poll(async () => ((await job(zhJob.id)).refusedTransactions === 3 ? true : undefined), SOON_MS, '3 refusals on the zh job');
    await poll(async () => ((await job(enJob.id)).refusedTransactions === 1 ? true : undefined), SOON_MS, '1 refusal on the en job');
    expect((await job(zhJob.id)).state).toBe('in_maintenance');

    zhHandlers.release();
    enHandlers.release();
    const [zhDone, enDone] = await Promise.all([jobIn(zhJob.id, 'completed'), jobIn(enJob.id, 'completed')]);
    for (const done of [zhDone, enDone]) {
      expect(path(done)).toEqual(['scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'restarting:terminal', 'verifying:terminal', 'completed:server']);
    }
    expect(zhDone.refusedTransactions).toBe(3);
    expect(zhHandlers.calls).toEqual(['drain', 'perform update', 'restart', 'selfTest']);
    expect(events.map((e) => (e.type === 'step' ? e.state : e.type))).toEqual(['started', 'in_maintenance', 'restarting', 'verifying', 'completed']);

    // Back in service: payments are taken, and refused ones are no longer counted.
    await waitFor(() => zh.t.canTransact().allowed && en.t.canTransact().allowed, SOON_MS, 'both trading again');
    expect(zh.t.notice).toBeUndefined();
    expect((await zh.t.heartbeat(heartbeatContent())).mode).toBe('normal');
    expect((await job(zhJob.id)).refusedTransactions).toBe(3);
  });

  it('stops, rolls back and trades again when an operator aborts the job', async () => {
    const { terminal } = await site();
    const handlers = heldHandlers();
    // What the terminal sends: step reports by state, and heartbeats answered.
    const steps: string[] = [];
    let beats = 0;
    const x = await terminal({
      maintenance: handlers.handlers, locale: 'zh-CN', timeZone: 'Asia/Shanghai',
      fetch: async (url, init) => {
        if (url.endsWith('/steps')) steps.push(JSON.parse(String(init.body)).state);
        const response = await fetch(url, init);
        if (url.endsWith('/heartbeat')) beats++;
        return response;
      },
    });
    await x.t.heartbeat(heartbeatContent());
    x.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    const [created] = await putIntoMaintenance([x.id]);
    await handlers.performing;
    await api('POST', `/api/v1/maintenance/jobs/${created!.id}/abort`, { note: 'wrong terminal' });

    await waitFor(() => x.t.canTransact().allowed, SOON_MS, 'trading after the abort');
    expect(handlers.calls.at(-1)).toBe('rollback: the server ended the job (aborted)');
    const stepsBefore = [...steps];
    handlers.release(); // the step that was under way finishing late reports nothing...
    // ...neither at once nor with the next contacts, which send whatever reports are waiting.
    const beatsAtRelease = beats;
    await waitFor(() => beats >= beatsAtRelease + 2, SOON_MS, 'two heartbeats after the late step');
    expect(steps).toEqual(stepsBefore);
    expect(path(await job(created!.id))).toEqual(['scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'aborted:operator']);
    expect(handlers.calls).not.toContain('restart');
  });

  it('carries on with the self-test after restart() reboots the terminal', async () => {
    const { terminal } = await site();
    let saved: SavedState | undefined;
    let rebooting = () => {};
    const rebooted = new Promise<void>((resolve) => { rebooting = resolve; });
    const first = await terminal({
      store: (state) => { saved = state; },
      maintenance: { restart: () => { rebooting(); return new Promise(() => {}); } }, // the process ends here
    });
    await first.t.heartbeat(heartbeatContent());
    first.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    const [created] = await putIntoMaintenance([first.id], { work: ['upgrade'] });
    await rebooted;
    await first.t.close();
    expect(saved?.job).toMatchObject({ jobId: created!.id, phase: 'restarting' });

    const calls: string[] = [];
    const second = new PosFleetTerminal({
      server: server.url, serialNumber: first.t.serialNumber, ...saved!,
      maintenance: {
        drain: async () => void calls.push('drain'), perform: async () => void calls.push('perform'), restart: async () => void calls.push('restart'),
        selfTest: async () => (calls.push('selfTest'), [{ name: 'firmware', passed: true, detail: 'fw-9.2.0' }]),
      },
    });
    closing.push(second);
    expect(second.canTransact().allowed).toBe(false); // still in maintenance before it hears from the server
    second.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    const done = await jobIn(created!.id, 'completed');
    expect(calls).toEqual(['selfTest']);
    expect(path(done)).toEqual(['scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'restarting:terminal', 'verifying:terminal', 'completed:server']);
    await waitFor(() => second.canTransact().allowed, SOON_MS, 'trading after the reboot');
  });

  it('rolls back a job whose self-test fails, and tells a locked terminal to call its provider', async () => {
    const { terminal } = await site();
    const rollbacks: string[] = [];
    const x = await terminal({
      locale: 'en',
      maintenance: { selfTest: async () => [{ name: 'card reader', passed: false, detail: 'no chip contact' }], rollback: async (reason) => void rollbacks.push(reason) },
    });
    await x.t.heartbeat(heartbeatContent());
    x.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    const [created] = await putIntoMaintenance([x.id], { work: ['repair'] });
    const rolledBack = await jobIn(created!.id, 'rolled_back');
    expect(path(rolledBack)).toEqual([
      'scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'restarting:terminal', 'verifying:terminal', 'failed:server', 'rolled_back:terminal',
    ]);
    expect(rollbacks).toEqual(['self-tests failed: card reader']);
    await waitFor(() => x.t.mode === 'normal', SOON_MS, 'normal after the rollback');

    await api('POST', `/api/v1/terminals/${x.id}/lock`, { reason: 'tamper alert' });
    await waitFor(() => x.t.mode === 'locked', SOON_MS, 'locked');
    expect(x.t.canTransact()).toEqual({ allowed: false, message: 'Terminal locked, contact your provider' });
    await api('POST', `/api/v1/terminals/${x.id}/unlock`, { reason: 'inspected: seal intact' });
    await waitFor(() => x.t.canTransact().allowed, SOON_MS, 'unlocked');
  });

  it('leaves maintenance by itself when the server dies mid-job, and the restarted server settles the job', async () => {
    // A server of its own, to kill.
    const doomed = await startTestServer({ prefix: 'posfleet-sdk-killed' });
    const doomedEstate = await estateOn(doomed);
    const doomedApi = doomedEstate.api;
    const { terminal } = await site(doomedEstate);

    const link = { up: true };
    const throughLink: FetchLike = (url, init) => (link.up ? fetch(url, init) : Promise.reject(new TypeError('fetch failed: link down')));
    const clock = jumpingClock(-61 * 60_000); // the terminal's clock is an hour slow: the lease must not care
    const handlers = heldHandlers(); // perform never finishes by itself
    const errors: unknown[] = [];
    const x = await terminal({ fetch: throughLink, now: clock.now, timers: clock, maintenance: handlers.handlers, timeZone: 'Asia/Shanghai', onError: (e) => errors.push(e) });
    await x.t.heartbeat(heartbeatContent());
    x.t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
    const [created] = (await doomedApi('POST', '/api/v1/maintenance/jobs', { terminalIds: [x.id], work: ['upgrade'], reason: 'firmware 9.2', expectedMinutes: 1, maxMinutes: 1 })).items;
    await handlers.performing;
    await poll(async () => ((await doomedApi('GET', `/api/v1/maintenance/jobs/${created.id}`)).state === 'in_maintenance' ? true : undefined), SOON_MS, 'in_maintenance');

    link.up = false;
    await doomed.close();
    expect(x.t.canTransact()).toMatchObject({ allowed: false, message: expect.stringMatching(/^功能维护中，预计 \d\d:\d\d 恢复$/) });
    clock.jump(55_000); // the lease (1 min) has not ended yet
    expect(x.t.mode).toBe('maintenance');
    clock.jump(6_000);
    await waitFor(() => x.t.canTransact().allowed, SOON_MS, 'trading after the lease');
    expect(handlers.calls.at(-1)).toBe('rollback: lease ended before the job was confirmed');
    expect(x.t.maintenanceJob).toBeUndefined();

    // Back three minutes later, on the same database and port: the tick fails the job whose lease passed...
    const restarted = await startTestServer({ databaseFile: doomed.databaseFile, port: doomed.port, clock: () => new Date(Date.now() + 3 * 60_000) });
    try {
      const restartedApi = operatorApi(restarted);
      const failed = await poll(async () => {
        const view: JobView = await restartedApi('GET', `/api/v1/maintenance/jobs/${created.id}`);
        return view.state === 'failed' ? view : undefined;
      }, SOON_MS, 'failed by lease');
      expect(failed.transitions.at(-1)).toMatchObject({ to: 'failed', actor: 'server', note: expect.stringContaining('lease ended') });
      // ...and the terminal, reachable again, reports its rollback at its next contact.
      link.up = true;
      const settled = await poll(async () => {
        const view: JobView = await restartedApi('GET', `/api/v1/maintenance/jobs/${created.id}`);
        return view.state === 'rolled_back' ? view : undefined;
      }, SOON_MS, 'rolled back');
      expect(path(settled)).toEqual(['scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'failed:server', 'rolled_back:terminal']);
      expect(settled.transitions.at(-1)?.note).toBe('lease ended; rolled back and trading again');
      expect((await x.t.heartbeat(heartbeatContent())).mode).toBe('normal');
      expect(x.t.canTransact()).toEqual({ allowed: true });
      expect(errors.length).toBeGreaterThan(0); // the outage was noticed, not thrown
    } finally {
      await x.t.close();
      await restarted.close();
    }
  }, 120_000); // two servers of its own start (each migrating a database): slow on a busy machine
});
