// The fleet simulator end to end: 50 virtual terminals enrol through the SDK against a real server,
// come online with varied faults, and are listed offline once the simulator stops; a simulated
// terminal goes through a maintenance job while its site's customers are turned away.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeartbeatReport } from '../src/device/device.schemas.ts';
import { prepareSimulatorEnrolment, prepareSimulatorSites } from '../src/simulator/enrolment.ts';
import { runSimulator } from '../src/simulator/simulator.ts';
import { LATEST_VERSIONS } from '../src/simulator/virtual-terminal.ts';
import { ADMIN_TOKEN, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

const FLEET = 50;
// The server lets one address enrol 30 terminals a minute; the SDK waits out its Retry-After for the rest.
const ENROLMENT_RATE_WINDOW_MS = 60_000;

interface ListedTerminal {
  id: string;
  serialNumber: string;
  online: boolean;
}

describe('fleet simulator against a running server', () => {
  let server: TestServer;
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);
  const listed = async (online: boolean): Promise<ListedTerminal[]> =>
    (await api('GET', `/api/v1/terminals?online=${online}&limit=1000&q=SIM-`)).items;

  // A server per test: each starts with an empty estate and fresh per-address rate limits.
  beforeEach(async () => {
    server = await startTestServer({ prefix: 'posfleet-sim' });
  });
  afterEach(() => server?.close());

  it('brings 50 terminals online with varied faults, and they go offline after it stops', async () => {
    const code = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, FLEET);
    const lines: string[] = [];
    const simulator = await runSimulator({ server: server.url, terminals: FLEET, intervalSeconds: 1, enrolmentCode: code, seed: 7, log: (line) => lines.push(line) });
    // Each terminal is seen online, whether or not all 50 are at one instant: a simulated link outage,
    // or a busy machine answering a beat after the 2 s that make a terminal offline here, takes one
    // out for a moment now and then.
    const seen = new Map<string, ListedTerminal>();
    let online: ListedTerminal[] = [];
    try {
      expect(simulator.terminals.map((t) => t.serialNumber).slice(0, 2)).toEqual(['SIM-000001', 'SIM-000002']);
      online = await poll(async () => {
        for (const item of await listed(true)) seen.set(item.serialNumber, item);
        return seen.size === FLEET ? [...seen.values()] : undefined;
      }, 30_000, `${FLEET} terminals seen online`);
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
    await poll(async () => ((await listed(true)).length === 0 ? true : undefined), 30_000);
    expect((await listed(false)).map((t) => t.serialNumber).sort()).toEqual(online.map((t) => t.serialNumber).sort());
  }, ENROLMENT_RATE_WINDOW_MS + 60_000);

  it('takes a simulated terminal through maintenance while its shop turns customers away, and it trades again after', async () => {
    const [shop, cafe] = await prepareSimulatorSites(server.url, ADMIN_TOKEN, [{ profile: 'shop', terminals: 3 }, { profile: 'cafe', terminals: 2 }]);
    expect((await api('GET', `/api/v1/sites/${cafe!.siteId}`)).openingHours.mon).toEqual([{ open: '07:00', close: '10:00' }, { open: '12:00', close: '14:00' }]);
    const lines: string[] = [];
    // 600× faster from noon in Shanghai: the shop trades, an upgrade (15–30 min) takes 2–3 s.
    const simulator = await runSimulator({
      server: server.url, sites: [shop!, cafe!], intervalSeconds: 1, seed: 11, speed: 600, startAt: new Date('2026-11-25T04:00:00.000Z'),
      selfTestFailureChance: 0, log: (line) => lines.push(line),
    });
    try {
      await poll(async () => ((await listed(true)).length === 5 ? true : undefined), 30_000, 'five terminals online');
      const [terminal] = (await api('GET', '/api/v1/terminals?q=SIM-000001')).items as ListedTerminal[];
      const [virtual, client] = [simulator.terminals[0]!, simulator.clients[0]!];
      const [created] = (await api('POST', '/api/v1/maintenance/jobs', { terminalIds: [terminal!.id], work: ['upgrade'], reason: '固件升级 9.2' })).items;
      expect(created.state).toBe('draining'); // two more shop terminals stay in service

      await poll(() => (client.mode === 'maintenance' ? true : undefined), 30_000, 'maintenance mode');
      const started = await api('GET', `/api/v1/maintenance/jobs/${created.id}`);
      const end = new Date(Date.parse(started.startedAt) + started.expectedMinutes * 60_000 + 8 * 3_600_000).toISOString().slice(11, 16);
      expect(client.canTransact()).toEqual({ allowed: false, message: `功能维护中，预计 ${end} 恢复` });

      const done = await poll(async () => {
        const job = await api('GET', `/api/v1/maintenance/jobs/${created.id}`);
        return ['completed', 'failed', 'rolled_back'].includes(job.state) ? job : undefined;
      }, 20_000, 'the job ended');
      expect(done.transitions.map((t: { to: string }) => t.to)).toEqual(['scheduled', 'draining', 'in_maintenance', 'restarting', 'verifying', 'completed']);
      expect(done.selfTests.map((t: { name: string }) => t.name)).toEqual(['card reader', 'PIN pad', 'printer', 'network', 'secure element']);
      expect(client.canTransact()).toEqual({ allowed: true });

      // Customers turned away during the job (and the one attempt above) are counted on it.
      expect(virtual.totals.refused).toBeGreaterThan(0);
      await poll(async () => ((await api('GET', `/api/v1/maintenance/jobs/${created.id}`)).refusedTransactions === virtual.totals.refused + 1 ? true : undefined),
        10_000, `${virtual.totals.refused + 1} refusals on the job`);
      // Back in service with the new firmware, taking payments again.
      await poll(async () => {
        const history = (await api('GET', `/api/v1/terminals/${terminal!.id}/heartbeats?from=${encodeURIComponent(done.endedAt)}`)).items as { report: HeartbeatReport }[];
        return history.some((h) => h.report.firmwareVersion === LATEST_VERSIONS.firmware && h.report.transactions.count > 0) ? true : undefined;
      }, 30_000, 'payments with the new firmware');
    } finally {
      await simulator.stop();
    }
    expect(lines.filter((line) => !line.includes('enrolled'))).toEqual([]);
  }, 60_000);

  it('finds the simulator model and site it made before instead of making them again', async () => {
    const first = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 1);
    const second = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 1);
    expect(second).not.toBe(first);
    expect((await api('GET', '/api/v1/terminal-models?q=SIM-A1')).items).toHaveLength(1);
    expect((await api('GET', '/api/v1/sites?q=SIM-SITE')).items).toHaveLength(1);
  });

  it('runs from the command line with site profiles, a speed and faulty builds, as an operator rehearses a rollout', async () => {
    const cli = spawn(process.execPath, [
      'bin/posfleet.mjs', 'simulate', '--server', server.url, '--token', ADMIN_TOKEN, '--sites', 'supermarket:2,cafe:1',
      '--interval', '1', '--speed', '60', '--start-at', '2026-11-25T12:00:00+08:00', '--fail-card-reads', '3.6.0', '--crash', '3.6.1',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    cli.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    try {
      await poll(() => (output.includes('Ctrl-C stops them') ? true : undefined), 60_000, `the simulator to start: ${output}`);
      expect(output).toContain('3 simulated terminals are sending heartbeats every 1s at 60× speed; faulty builds: cardReadFailures 3.6.0; crashes 3.6.1');
      for (const [code, terminals] of [['SIM-SUPERMARKET-1', 2], ['SIM-CAFE-1', 1]] as const) {
        const [site] = (await api('GET', `/api/v1/sites?q=${code}`)).items as { id: string; openingHours: Record<string, unknown> }[];
        expect(site, code).toBeDefined();
        await poll(async () => ((await api('GET', `/api/v1/terminals?siteId=${site!.id}&online=true`)).items.length === terminals ? true : undefined), 30_000, `${code} online`);
      }
    } finally {
      cli.kill('SIGINT');
      await exited;
    }
  }, 120_000);

  it('refuses a bad flag of the command line, naming it', async () => {
    const cli = spawn(process.execPath, ['bin/posfleet.mjs', 'simulate', '--server', server.url, '--token', ADMIN_TOKEN, '--sites', 'bakery:2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    cli.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    expect(await new Promise<number | null>((resolve) => cli.once('exit', resolve))).toBe(1);
    expect(output).toMatch(/^--sites: "bakery:2" is not profile:terminals; profiles are cafe, shop, restaurant, supermarket, convenience/);
    expect((await api('GET', '/api/v1/sites?q=SIM-')).items).toEqual([]);
  }, 60_000);

  it('refuses to start when the code has too few uses, naming how many could not enrol', async () => {
    const code = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 2);
    await expect(runSimulator({ server: server.url, terminals: 3, intervalSeconds: 1, enrolmentCode: code, seed: 1, serialPrefix: 'FEW' }))
      .rejects.toThrow(/^1 of 3 simulated terminals could not enrol; FEW-00000\d: the enrolment code has already been used/);
  });
});
