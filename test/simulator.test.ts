// The fleet simulator end to end: 50 virtual terminals enrol through the SDK against a real server,
// come online with varied faults, and are listed offline once the simulator stops.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { HeartbeatReport } from '../src/device/device.schemas.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { prepareSimulatorEnrolment } from '../src/simulator/enrolment.ts';
import { runSimulator } from '../src/simulator/simulator.ts';

const ADMIN_TOKEN = 'test-admin-token';
const FLEET = 50;
// The server lets one address enrol 30 terminals a minute; the SDK waits out its Retry-After for the rest.
const ENROLMENT_RATE_WINDOW_MS = 60_000;

interface ListedTerminal {
  id: string;
  serialNumber: string;
  online: boolean;
}

describe('fleet simulator against a running server', () => {
  let server: RunningServer;
  const api = (method: string, path: string, body?: unknown) => operatorCall(server.url, method, path, body);
  const listed = async (online: boolean): Promise<ListedTerminal[]> =>
    (await api('GET', `/api/v1/terminals?online=${online}&limit=1000&q=SIM-`)).items;

  // A server per test: each starts with an empty estate and fresh per-address rate limits.
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server?.close());

  it('brings 50 terminals online with varied faults, and they go offline after it stops', async () => {
    const code = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, FLEET);
    const lines: string[] = [];
    const simulator = await runSimulator({ server: server.url, terminals: FLEET, intervalSeconds: 1, enrolmentCode: code, seed: 7, log: (line) => lines.push(line) });
    let online: ListedTerminal[] = [];
    try {
      expect(simulator.terminals.map((t) => t.serialNumber).slice(0, 2)).toEqual(['SIM-000001', 'SIM-000002']);
      online = await poll(async () => {
        const items = await listed(true);
        return items.length === FLEET ? items : undefined;
      }, 15_000);
    } finally {
      await simulator.stop();
    }

    const reports = await Promise.all(online.map(async (t) => (await api('GET', `/api/v1/terminals/${t.id}/health`)).report as HeartbeatReport));
    const paperFaults = reports.filter((r) => r.printer?.paper !== 'ok');
    expect(paperFaults.length).toBeGreaterThan(0);
    expect(paperFaults.length).toBeLessThan(FLEET);
    expect(new Set(reports.map((r) => r.network.type)).size).toBeGreaterThan(1);
    expect(new Set(reports.map((r) => r.battery?.cycleCount)).size).toBeGreaterThan(FLEET / 2);
    // Dropped heartbeats are expected; anything else the simulator logged is a fault.
    expect(lines.filter((line) => !line.includes('enrolled'))).toEqual([]);

    // Offline after 2 missed heartbeats of 1 s, once nothing beats any more.
    await poll(async () => ((await listed(true)).length === 0 ? true : undefined), 15_000);
    expect((await listed(false)).map((t) => t.serialNumber).sort()).toEqual(online.map((t) => t.serialNumber).sort());
  }, ENROLMENT_RATE_WINDOW_MS + 60_000);

  it('finds the simulator model and site it made before instead of making them again', async () => {
    const first = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 1);
    const second = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 1);
    expect(second).not.toBe(first);
    expect((await api('GET', '/api/v1/terminal-models?q=SIM-A1')).items).toHaveLength(1);
    expect((await api('GET', '/api/v1/sites?q=SIM-SITE')).items).toHaveLength(1);
  });

  it('refuses to start when the code has too few uses, naming how many could not enrol', async () => {
    const code = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 2);
    await expect(runSimulator({ server: server.url, terminals: 3, intervalSeconds: 1, enrolmentCode: code, seed: 1, serialPrefix: 'FEW' }))
      .rejects.toThrow(/^1 of 3 simulated terminals could not enrol; FEW-00000\d: the enrolment code has already been used/);
  });
});

// ---- helpers

async function startTestServer(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'posfleet-sim-'));
  return startServer(loadConfig({
    ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dir, 'test.db'), POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN,
    HEARTBEAT_INTERVAL_SECONDS: '1', OFFLINE_AFTER_MISSED_HEARTBEATS: '2', OFFLINE_SWEEP_SECONDS: '1', POSFLEET_JOB_POLL_MS: '100',
  }), { logger: false });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked by expect()
async function operatorCall(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Asks until `probe` gives a value, for at most `timeoutMs`. */
async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
