// The terminal SDK against a real PosFleet server on 127.0.0.1: enrolment, heartbeats and their
// retries, revocation, commands, and what the cashier is told when payments are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelayMs, PosFleetError, PosFleetTerminal, transactionMessage, type FetchLike, type SavedState, type TerminalStatus } from '../src/sdk/index.ts';
import { enrolmentSite, freePort, heartbeatContent as content, operatorApi, startTestServer, waitFor, type TestServer } from './support/server.ts';

/**
 * A terminal clock that moves only when a test fires a timer set on it: the heartbeat loop's waits are
 * seen (how long, how many) and ended on demand instead of waited for.
 */
function drivenClock(start = Date.now()) {
  let now = start;
  let ids = 0;
  const timers = new Map<number, { ms: number; callback: () => void }>();
  return {
    now: () => new Date(now),
    setTimeout: (callback: () => void, ms: number) => (timers.set(++ids, { ms, callback }), ids),
    clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    /** The waits under way, in ms. */
    waits: () => [...timers.values()].map((t) => t.ms),
    /** Moves the clock to the first wait's end and ends it. */
    fireNext() {
      const [id, timer] = [...timers][0] ?? [];
      if (!id || !timer) throw new Error('nothing waits on the clock');
      timers.delete(id);
      now += timer.ms;
      timer.callback();
    },
  };
}

describe('terminal SDK against a running server', () => {
  let server: TestServer;
  let code: string;
  let serials = 0;
  const serial = () => `SDK-${String(++serials).padStart(4, '0')}`;
  const terminal = (options: Partial<ConstructorParameters<typeof PosFleetTerminal>[0]> = {}) =>
    new PosFleetTerminal({ server: server.url, serialNumber: serial(), retry: { baseDelayMs: 10, maxDelayMs: 100 }, ...options });
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-sdk' });
    ({ code } = await enrolmentSite(operatorApi(server), 'SDK', 50));
  });
  afterAll(() => server?.close());

  it('enrols with a code, and its heartbeat becomes the latest health the operator sees', async () => {
    const saved: SavedState[] = [];
    const t = terminal({ store: (state) => void saved.push(state) });
    expect(t.status).toBe('not_enrolled');
    const before = Date.now();
    const { terminalId } = await t.enrol(code);
    expect(t.status).toBe('idle');

    const answer = await t.heartbeat(content({ printer: { paper: 'low', jam: false, coverOpen: false } }));
    expect(answer).toMatchObject({ duplicate: false, mode: 'normal', commands: [], heartbeatIntervalSeconds: 1 });
    // A fresh terminal has no counter yet: it starts from the clock, in ms.
    expect(answer.seq).toBeGreaterThanOrEqual(before);
    expect(saved.at(-1)).toEqual({ credential: expect.any(String), lastSeq: answer.seq, mode: 'normal', job: null, outbox: [], endedJobs: [] });
    // The idle screen tells the staff (the merchant's language); paper low is no operator incident.
    expect(t.notices.map((n) => [n.kind, n.text])).toEqual([['paper_low', '打印纸快用完了，请备好新纸卷']]);
    expect((await t.heartbeat(content())).seq).toBe(answer.seq + 1);
    expect(t.notices).toEqual([]);

    const health = await api('GET', `/api/v1/terminals/${terminalId}/health`);
    expect(health).toMatchObject({ seq: answer.seq + 1, online: true, report: { appVersion: '3.2.0', printer: { paper: 'ok' } } });
  });

  it('goes on from the saved counter after a restart, and moves forward when the counter was lost', async () => {
    let saved: SavedState | undefined;
    const first = terminal({ store: (state) => { saved = state; } });
    await first.enrol(code);
    const last = (await first.heartbeat(content())).seq;
    if (!saved) throw new Error('the SDK saved nothing');

    const restarted = terminal({ serialNumber: first.serialNumber, credential: saved.credential, lastSeq: saved.lastSeq });
    expect(await restarted.heartbeat(content())).toMatchObject({ seq: last + 1, duplicate: false });
    // Restarted a minute later with its storage wiped but its credential kept.
    const forgetful = terminal({ serialNumber: first.serialNumber, credential: saved.credential, now: () => new Date(Date.now() + 60_000) });
    const answer = await forgetful.heartbeat(content());
    expect(answer.seq).toBeGreaterThan(last + 1);
    expect(answer.duplicate).toBe(false);
  });

  it('re-sends a heartbeat whose answer was lost with the same seq, and the server stores it once', async () => {
    const sent: number[] = [];
    const losesFirstAnswer: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (url.endsWith('/heartbeat')) {
        sent.push(JSON.parse(String(init.body)).seq);
        if (sent.length === 1) {
          await response.text(); // the server has stored it by the time it answers
          throw new TypeError('socket hang up');
        }
      }
      return response;
    };
    const t = terminal({ fetch: losesFirstAnswer });
    const { terminalId } = await t.enrol(code);
    const answer = await t.heartbeat(content());
    expect(sent).toEqual([answer.seq, answer.seq]);
    expect(answer.duplicate).toBe(true);
    const history = await api('GET', `/api/v1/terminals/${terminalId}/heartbeats`);
    expect(history.items.map((h: { seq: number }) => h.seq)).toEqual([answer.seq]);
  });

  it('backs off while the server is unreachable, then delivers the same seq', async () => {
    const closedPort = await freePort();
    const tries: { seq: number; at: number }[] = [];
    const unreachableTwice: FetchLike = (url, init) => {
      if (!url.endsWith('/heartbeat')) return fetch(url, init);
      tries.push({ seq: JSON.parse(String(init.body)).seq, at: Date.now() });
      return fetch(tries.length <= 2 ? url.replace(server.url, `http://127.0.0.1:${closedPort}`) : url, init);
    };
    // With jitter pinned to its top, the waits are exactly 50 ms and 100 ms.
    const t = terminal({ fetch: unreachableTwice, retry: { baseDelayMs: 50, maxDelayMs: 1000 }, random: () => 0.999_999 });
    await t.enrol(code);
    const answer = await t.heartbeat(content());
    expect(answer.duplicate).toBe(false);
    expect(tries.map((x) => x.seq)).toEqual([answer.seq, answer.seq, answer.seq]);
    const [a, b, c] = tries.map((x) => x.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(45);
    expect(c - b).toBeGreaterThanOrEqual(95);
  });

  it('waits between tries on the terminal\'s own clock, so a simulated terminal backs off in simulated time', async () => {
    const closedPort = await freePort();
    let tries = 0;
    const unreachableOnce: FetchLike = (url, init) => {
      if (!url.endsWith('/heartbeat')) return fetch(url, init);
      tries++;
      return fetch(tries === 1 ? url.replace(server.url, `http://127.0.0.1:${closedPort}`) : url, init);
    };
    // A ten-minute back-off: on the real clock the heartbeat would wait that long.
    const clock = drivenClock();
    const t = terminal({ fetch: unreachableOnce, now: clock.now, timers: clock, retry: { baseDelayMs: 600_000, maxDelayMs: 600_000 }, random: () => 0.5 });
    await t.enrol(code);
    const beat = t.heartbeat(content());
    await waitFor(() => clock.waits().length === 1, 30_000, 'the back-off to wait on the terminal clock');
    expect(clock.waits()).toEqual([300_000]);
    expect(tries).toBe(1);
    clock.fireNext();
    expect(await beat).toMatchObject({ duplicate: false });
    expect(tries).toBe(2);
  });

  it('gives up after its tries when the server stays unreachable', async () => {
    const t = new PosFleetTerminal({ server: `http://127.0.0.1:${await freePort()}`, serialNumber: 'SDK-NOWHERE', credential: 'pft_x', retry: { attempts: 3, baseDelayMs: 5 } });
    await expect(t.heartbeat(content())).rejects.toMatchObject({ code: 'network_error', retryable: true, status: undefined });
  });

  it('never retries a refused heartbeat, and names the field the server refused', async () => {
    let calls = 0;
    const t = terminal({ fetch: (url, init) => { if (url.endsWith('/heartbeat')) calls++; return fetch(url, init); } });
    await t.enrol(code);
    const refused = await t.heartbeat(content({ battery: { percent: 130, health: 90, charging: false, cycleCount: 3 } })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PosFleetError);
    expect(refused).toMatchObject({ status: 400, code: 'validation_error', field: 'battery.percent', retryable: false });
    expect(calls).toBe(1);
  });

  it('beats at the server interval until stopped', async () => {
    const seqs: number[] = [];
    const clock = drivenClock();
    const t = terminal({ fetch: (url, init) => { if (url.endsWith('/heartbeat')) seqs.push(JSON.parse(String(init.body)).seq); return fetch(url, init); }, now: clock.now, timers: clock });
    await t.enrol(code);
    t.start(() => content());
    expect(t.status).toBe('running');
    // The first beat goes at once; then the loop waits the interval the server asks for (1 s), on the terminal's clock.
    await waitFor(() => seqs.length === 1 && clock.waits().length === 1, 30_000, 'the first beat answered');
    expect(clock.waits()).toEqual([1_000]);
    clock.fireNext();
    await waitFor(() => seqs.length === 2 && clock.waits().length === 1, 30_000, 'the second beat answered');
    expect(clock.waits()).toEqual([1_000]);
    await t.stop();
    expect(t.status).toBe('idle');
    expect(seqs[1]).toBe((seqs[0] ?? 0) + 1);
    // Stopped: nothing is left waiting to beat, so nothing more is sent.
    expect(clock.waits()).toEqual([]);
    expect(seqs).toHaveLength(2);
  });

  it('stops beating and reports revoked once the operator revokes its credential', async () => {
    const statuses: TerminalStatus[] = [];
    let calls = 0;
    const clock = drivenClock();
    const t = terminal({
      fetch: (url, init) => { if (url.endsWith('/heartbeat')) calls++; return fetch(url, init); },
      onStatusChange: (status) => statuses.push(status),
      now: clock.now, timers: clock,
    });
    const { terminalId } = await t.enrol(code);
    t.start(() => content(), { intervalSeconds: 0.1 });
    await waitFor(() => calls === 1 && clock.waits().length === 1, 30_000, 'the first beat answered');
    clock.fireNext();
    await waitFor(() => calls === 2 && clock.waits().length === 1, 30_000, 'the second beat answered');
    expect(await api('POST', `/api/v1/terminals/${terminalId}/credentials/revoke`)).toEqual({ revoked: 1 });

    clock.fireNext(); // the next beat is refused
    await waitFor(() => t.status === 'revoked', 30_000);
    // The loop ended by itself: it waits for no next beat, so it sends nothing more.
    expect(clock.waits()).toEqual([]);
    expect(calls).toBe(3);
    await expect(t.heartbeat(content())).rejects.toMatchObject({ code: 'revoked' });
    expect(calls).toBe(3);
    await t.stop();
    expect(statuses).toEqual(['idle', 'running', 'revoked']);
  });

  it('hands out commands and reports their result, which the server keeps once', async () => {
    const t = terminal();
    const { terminalId } = await t.enrol(code);
    const command = await api('POST', `/api/v1/terminals/${terminalId}/commands`, { type: 'self_test' });
    await t.heartbeat(content());
    expect(t.pendingCommands.map((c) => c.id)).toEqual([command.id]);
    expect(await t.reportCommandResult(command.id, 'succeeded', { printer: 'ok' })).toMatchObject({ status: 'succeeded' });
    expect(t.pendingCommands).toEqual([]);
    expect(await t.reportCommandResult(command.id, 'failed')).toMatchObject({ status: 'succeeded', result: { printer: 'ok' } });
  });

  it('may take payments in normal mode', async () => {
    const t = terminal();
    await t.enrol(code);
    await t.heartbeat(content());
    expect(t.mode).toBe('normal');
    expect(t.canTransact()).toEqual({ allowed: true });
  });

  it('refuses to beat before enrolment', async () => {
    await expect(terminal().heartbeat(content())).rejects.toMatchObject({ code: 'not_enrolled' });
  });
});

describe('terminal SDK rules', () => {
  it('tells the cashier why payments are refused, in Chinese and in English', () => {
    expect(transactionMessage('normal', 'zh-CN')).toBeUndefined();
    expect(transactionMessage('maintenance', 'zh-CN')).toBe('功能维护中');
    expect(transactionMessage('maintenance', 'en')).toBe('Under maintenance');
    expect(transactionMessage('locked', 'zh-CN')).toBe('终端已锁定，请联系服务商');
    expect(transactionMessage('locked', 'en')).toBe('Terminal locked, contact your provider');
  });

  it('keeps a locked terminal locked after a restart, before it hears from the server', () => {
    const t = new PosFleetTerminal({ server: 'http://127.0.0.1:1', serialNumber: 'SDK-LOCKED', credential: 'pft_x', mode: 'locked', locale: 'en' });
    expect(t.canTransact()).toEqual({ allowed: false, message: 'Terminal locked, contact your provider' });
  });

  it('backs off exponentially with full jitter, capped, and never sooner than Retry-After', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 30_000 };
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, policy, 0.999_999))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffDelayMs(10, policy, 0.5)).toBe(15_000);
    expect(backoffDelayMs(3, policy, 0)).toBe(0);
    expect(backoffDelayMs(0, policy, 0.1, 5_000)).toBe(5_000);
  });
});
