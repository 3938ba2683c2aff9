// Suspicious trading end to end: a simulated terminal (the simulator's virtual terminal, through the SDK,
// over real HTTP) that sells at 03:00 in a shop open 09–21 opens one suspicious-activity case, and more of
// the same adds evidence rather than cases; the case is exported as a signed bundle that verifies against
// its hash list, and a bundle with one changed file does not.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTar, toTar, verifyBundle } from '../src/case-export/bundle.ts';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { openingHoursOf, SITE_PROFILES } from '../src/simulator/site-profiles.ts';
import { VirtualTerminal } from '../src/simulator/virtual-terminal.ts';
import { databases } from './support/databases.ts';
import { ADMIN_TOKEN, operatorApi, poll, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['bin/posfleet.mjs', ...args]).then(
  (r) => ({ code: 0, out: r.stdout + r.stderr }),
  (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
);
// A 1×1 PNG, the inspection photo.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

// 03:00 on a Monday in Shanghai (UTC+8); the server's clock runs on from there.
const NIGHT = Date.parse('2026-12-06T19:00:00.000Z');

describe.each(databases())('suspicious trading on $name', (kind) => {
  let server: TestServer;
  let dataDir: string;
  let api: OperatorApi;
  const started = Date.now();
  const clock = () => new Date(NIGHT + (Date.now() - started));
  const terminals: PosFleetTerminal[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-trading-'));
    server = await startTestServer({ clock, env: { DATABASE_URL: await kind.fresh(), DATA_DIR: dataDir } });
    api = operatorApi(server);
  });
  afterAll(async () => {
    for (const t of terminals) t.stop();
    await server?.close();
  });

  /** A shop open 09–21 in Shanghai: in its own time zone, or (ownZone false) in its merchant's. */
  async function shopTerminal(serialNumber: string, ownZone = true) {
    const merchant = await api('POST', '/api/v1/merchants', { name: `Merchant ${serialNumber}`, timeZone: 'Asia/Shanghai' });
    const site = await api('POST', '/api/v1/sites', {
      merchantId: merchant.id, code: `S-${serialNumber}`, name: `Shop ${serialNumber}`, ...(ownZone && { timeZone: 'Asia/Shanghai' }), openingHours: openingHoursOf(SITE_PROFILES.shop),
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

  it('a terminal selling at 03:00 in a shop open 09–21 opens one case; more of it adds evidence, not cases', { timeout: 60_000 }, async () => {
    const { terminalId, beat, sdk } = await shopTerminal('NIGHT-1');
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
    // The POS application counts refunds and keyed entries through the SDK; the heartbeat reports them.
    sdk.countRefund(2);
    sdk.countManualEntry();
    const { seq } = await beat();
    const health = await api('GET', `/api/v1/terminals/${terminalId}/health`);
    expect(health.report.seq).toBe(seq);
    expect(health.report.transactions.refunds).toBeGreaterThanOrEqual(2);
    expect(health.report.transactions.manualEntries).toBeGreaterThanOrEqual(1);
    expect((await casesOf(terminalId)).map((c) => c.id)).toEqual([opened!.id]);
    const incidents = (await api('GET', `/api/v1/incidents?terminalId=${terminalId}`)).items as { rule: string }[];
    expect(incidents.map((i) => i.rule)).toEqual(['suspicious_activity']);
  });

  it('a merchant\'s own trading thresholds and hysteresis decide: two night heartbeats in a row open its case, not one', { timeout: 60_000 }, async () => {
    const { terminalId, beat, site } = await shopTerminal('NIGHT-3');
    // Bad input names the field; another merchant's terminals keep their model's thresholds.
    const refused = await fetch(`${server.url}/api/v1/merchants/${site.merchantId}/trading-thresholds`, {
      method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ openAfter: 0 }),
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('openAfter');
    const saved = await api('PUT', `/api/v1/merchants/${site.merchantId}/trading-thresholds`, { openAfter: 2, resolveAfter: 5 });
    expect(saved).toMatchObject({ merchantId: site.merchantId, overrides: { openAfter: 2, resolveAfter: 5 }, defaults: { openAfter: 1 }, updatedBy: expect.any(String) });
    expect(await api('GET', `/api/v1/merchants/${site.merchantId}/trading-thresholds`)).toMatchObject({ overrides: { openAfter: 2 } });

    await beat();
    // The watch learnt from the first night heartbeat (it was looked at), and opened nothing for it.
    await poll(async () => (server.services.heartbeatObserver.trading.baselineOf(terminalId)?.beats ?? 0) >= 1 || undefined, 20_000, 'the first heartbeat observed');
    expect(await casesOf(terminalId)).toEqual([]);
    await beat();
    const [opened] = await poll(async () => {
      const cases = await casesOf(terminalId);
      return cases.length ? cases : undefined;
    }, 20_000, 'the case after the second night heartbeat');
    expect(opened).toMatchObject({ reportedBy: 'PosFleet' });
  });

  // Two runs of the CLI (each starts Node with tsx) make this one slow on a busy machine.
  it('exports a case as a signed bundle that verifies against its hash list; a changed file does not; the export is audited', { timeout: 120_000 }, async () => {
    const { terminalId, beat } = await shopTerminal('NIGHT-2', false);
    await beat();
    const [c] = await poll(async () => {
      const cases = await casesOf(terminalId);
      return cases.length ? cases : undefined;
    }, 20_000, 'the case to export');
    const inspection = await api('POST', `/api/v1/terminals/${terminalId}/inspections`, { outcome: 'pass', serialMatches: true, sealIntact: true, tamperSigns: [], photo: { contentType: 'image/png', dataBase64: PNG } });
    expect(inspection.photo).toBeTruthy();

    // Support staff handle cases but do not hand them out.
    const support = await server.services.access.createUser({ email: 'support@trading.test', name: 'Support', role: 'support', password: 'correct horse 12 battery' });
    const { token } = await server.services.access.createToken(support.id, { name: 'support' });
    expect((await fetch(`${server.url}/api/v1/suspicious-cases/${c!.id}/export`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);

    const res = await fetch(`${server.url}/api/v1/suspicious-cases/${c!.id}/export`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-tar');
    const tar = Buffer.from(await res.arrayBuffer());
    const files = await fromTar(tar);
    expect(files.map((f) => f.name).sort()).toEqual([
      'SHA256SUMS', 'SHA256SUMS.sig', 'audit.json', 'bundle.json', 'case.json', 'heartbeats.json', 'inspections.json', `photos/inspection-${inspection.id}.png`, 'signing-key.pem',
    ]);
    const verdict = verifyBundle(files);
    expect(verdict).toMatchObject({ ok: true, files: 6, fingerprint: res.headers.get('x-signing-key') });
    const json = (name: string) => JSON.parse(files.find((f) => f.name === name)!.bytes.toString('utf8'));
    expect(json('case.json')).toMatchObject({ id: c!.id, terminalId, history: [expect.objectContaining({ actor: 'PosFleet' })] });
    expect(json('heartbeats.json').length).toBeGreaterThan(0);
    expect(json('audit.json').some((a: { action: string }) => a.action === 'POST /api/v1/terminals/:id/inspections')).toBe(true);
    expect(files.find((f) => f.name.startsWith('photos/'))!.bytes.toString('base64')).toBe(PNG);

    // The same bundle with one changed heartbeat does not verify, offline, with the CLI either.
    const tampered = files.map((f) => (f.name === 'heartbeats.json' ? { ...f, bytes: Buffer.from(f.bytes.toString('utf8').replace(/"count": \d+/, '"count": 0')) } : f));
    expect(verifyBundle(tampered)).toEqual({ ok: false, problems: [{ file: 'heartbeats.json', problem: 'changed' }] });
    const good = join(dataDir, 'good.tar');
    const bad = join(dataDir, 'bad.tar');
    writeFileSync(good, tar);
    writeFileSync(bad, await toTar(`case-${c!.id}`, tampered, new Date()));
    const ok = await cli('case', 'verify', good);
    expect(ok.out).toContain('bundle verified');
    expect(ok.code).toBe(0);
    const refused = await cli('case', 'verify', bad);
    expect(refused.out).toContain('heartbeats.json: changed');
    expect(refused.code).toBe(2);

    const audit = (await api('GET', `/api/v1/audit?objectId=${c!.id}`)).items as { action: string; actorName: string }[];
    expect(audit.map((a) => a.action)).toContain('GET /api/v1/suspicious-cases/:id/export');
  });
});
