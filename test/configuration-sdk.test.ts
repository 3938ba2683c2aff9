// Configuration delivery through the terminal SDK against a real server on 127.0.0.1: a terminal
// fetches its configuration when the heartbeat answer names a new hash, applies it through the POS
// application's hook and reports what it applied; a live change arrives without maintenance; a
// terminal that applies something else reports the differing parameters; values that fail the
// schema are refused before the hook sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { PosFleetTerminal, type ConfigurationEvent } from '../src/sdk/index.ts';
import { prepareSimulatorEnrolment } from '../src/simulator/enrolment.ts';
import { runSimulator } from '../src/simulator/simulator.ts';
import { ADMIN_TOKEN, enrolmentSite, heartbeatContent as content, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

describe('configuration through the terminal SDK', () => {
  let server: TestServer;
  let code: string;
  let siteId: string;
  let serials = 0;
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-config-sdk' });
    ({ siteId, code } = await enrolmentSite(operatorApi(server), 'CFG', 10, 'Config'));
    await api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    await api('PATCH', `/api/v1/configuration/levels/site/${siteId}`, { values: { receiptFooter: '欢迎光临 Welcome' }, reason: 'opening' });
  });
  afterAll(() => server?.close());

  const terminal = (apply: (values: Record<string, unknown>, info: { changed: string[] }) => void | Record<string, unknown>) => {
    const events: ConfigurationEvent[] = [];
    const t = new PosFleetTerminal({
      server: server.url, serialNumber: `CFG-${++serials}`, retry: { baseDelayMs: 10, maxDelayMs: 100 },
      configuration: { apply }, onConfiguration: (event) => events.push(event),
    });
    /** One heartbeat, then whatever fetch and apply it started. */
    const beat = async () => {
      const answer = await t.heartbeat(content());
      await t.configurationSettled();
      return answer;
    };
    return { t, events, beat };
  };

  it('fetches and applies its configuration when the hash changes, reports it, and takes a live change without maintenance', async () => {
    const applied: { values: Record<string, unknown>; changed: string[] }[] = [];
    const { t, beat } = terminal((values, info) => void applied.push({ values, changed: info.changed }));
    const { terminalId } = await t.enrol(code);
    await beat();
    const answer = await beat();
    expect(answer.configuration?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.values).toMatchObject({ receiptFooter: '欢迎光临 Welcome', acquirer: 'unionpay' });
    await beat(); // reports the applied hash
    const view = await api('GET', `/api/v1/terminals/${terminalId}/configuration`);
    expect(view.appliedHash).toBe(view.hash);
    expect(view.differing).toEqual([]);

    await api('PATCH', `/api/v1/configuration/levels/site/${siteId}`, { values: { receiptFooter: '新年快乐 Happy new year' }, reason: 'new year' });
    const next = await beat();
    expect(next.mode).toBe('normal');
    expect(applied.at(-1)).toMatchObject({ changed: ['receiptFooter'], values: { receiptFooter: '新年快乐 Happy new year' } });
    expect(t.configuration?.receiptFooter).toBe('新年快乐 Happy new year');
    await beat();
    expect((await api('GET', `/api/v1/terminals/${terminalId}/configuration`)).appliedHash).toBe(next.configuration?.hash);
  });

  it('reports the parameters that differ when the application applies something else', async () => {
    // This terminal's printer firmware keeps its own footer: it applies everything but that.
    const { t, beat } = terminal((values) => ({ ...values, receiptFooter: 'FIRMWARE FOOTER' }));
    const { terminalId } = await t.enrol(code);
    await beat();
    await beat();
    await beat();
    const view = await api('GET', `/api/v1/terminals/${terminalId}/configuration`);
    expect(view.appliedHash).not.toBe(view.hash);
    expect(view.differing).toEqual(['receiptFooter']);
  });

  it('refuses a configuration whose values fail the schema, before the application sees it', async () => {
    const applied: unknown[] = [];
    const { t, events, beat } = terminal((values) => void applied.push(values));
    await t.enrol(code);
    await beat();
    await beat();
    expect(applied).toHaveLength(1);
    // A new version of the application allows shorter footers: the site's footer no longer fits.
    await api('POST', '/api/v1/configuration/schemas', {
      application: DEMO_APPLICATION, version: '3.3.0', parameters: { ...DEMO_PARAMETERS, receiptFooter: { ...DEMO_PARAMETERS.receiptFooter, maxLength: 8, default: 'Thanks' } },
    });
    // The next change gives a new hash: the terminal fetches values its schema no longer accepts.
    await api('PATCH', `/api/v1/configuration/levels/site/${siteId}`, { values: { tips: true }, reason: 'tips on' });
    await beat();
    expect(applied).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'refused', parameter: 'receiptFooter', reason: 'must NOT have more than 8 characters' });
    expect(t.configuration?.receiptFooter).toBe('新年快乐 Happy new year');
  });

  it('simulates a fleet that applies its configuration, and a terminal that drifts from it', async () => {
    const simulatorCode = await prepareSimulatorEnrolment(server.url, ADMIN_TOKEN, 2);
    const simulator = await runSimulator({ server: server.url, terminals: 2, intervalSeconds: 1, enrolmentCode: simulatorCode, seed: 3, driftingTerminals: ['SIM-000002'] });
    try {
      const terminals = (await api('GET', '/api/v1/terminals?q=SIM-&limit=10')).items as { id: string; serialNumber: string }[];
      const viewOf = (serial: string) => api('GET', `/api/v1/terminals/${terminals.find((t) => t.serialNumber === serial)!.id}/configuration`);
      const steady = await poll(async () => {
        const view = await viewOf('SIM-000001');
        return view.appliedHash === view.hash ? view : undefined;
      }, 20_000, 'the simulated terminal applying its configuration');
      expect(steady.differing).toEqual([]);
      const drifting = await poll(async () => {
        const view = await viewOf('SIM-000002');
        return view.differing.length ? view : undefined;
      }, 20_000, 'the drifting terminal reporting what differs');
      expect(drifting.differing).toEqual(['receiptFooter']);
      expect(drifting.appliedHash).not.toBe(drifting.hash);
    } finally {
      await simulator.stop();
    }
  }, 60_000);
});
