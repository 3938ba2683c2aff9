// Terminal security against a real server on 127.0.0.1, driven by the terminal SDK, on SQLite and
// PostgreSQL: a terminal carried 5 km from its site opens one case, is locked and gets an inspection
// work order (a mobile one does not); a copied credential on other hardware is refused and opens a
// critical case; a terminal enrolled before fingerprints binds its first one; a terminal missing its
// acquirer's TPK opens an incident; key material is refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { PosFleetTerminal, type HeartbeatContent } from '../src/sdk/index.ts';
import { databases } from './support/databases.ts';
import { heartbeatContent, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

const SHOP = { lat: 31.2304, lon: 121.4737 };
/** 5 km east of the shop. */
const FIVE_KM_AWAY = { lat: SHOP.lat, lon: SHOP.lon + 5000 / (111_320 * Math.cos((SHOP.lat * Math.PI) / 180)) };
const MINUTE = 60_000;

describe.each(databases())('terminal security ($name)', (kind) => {
  let server: TestServer;
  let now = Date.parse('2026-12-07T02:00:00.000Z');
  const clock = () => new Date(now);
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);
  let siteId: string;
  let modelId: string;
  let serials = 0;

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-security', clock, env: kind.name === 'postgres' ? { DATABASE_URL: await kind.fresh() } : {} });
    modelId = (await api('POST', '/api/v1/terminal-models', {
      code: 'SEC-MODEL', vendor: 'PAX', model: 'A920',
      components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    })).id;
    const merchant = await api('POST', '/api/v1/merchants', { name: 'Security merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    siteId = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'SEC-SITE', name: 'Nanjing Road shop', latitude: SHOP.lat, longitude: SHOP.lon })).id;
    await api('PUT', `/api/v1/sites/${siteId}/geofence`, { radiusM: 500 });
    await api('PATCH', '/api/v1/security/settings', { relocationGraceMinutes: 10, lockOnRelocation: true });
  }, 60_000);
  afterAll(() => server?.close());

  /** A terminal enrolled through the SDK, with its own hardware (or none: an SDK from before fingerprints). */
  async function terminal(options: { tags?: string[]; hardware?: boolean } = {}) {
    const serialNumber = `SEC-${kind.name}-${++serials}`;
    await api('POST', '/api/v1/terminals', { serialNumber, modelId, siteId, tags: options.tags ?? [] });
    const { code } = await api('POST', '/api/v1/enrolment-codes', { serialNumber });
    const hardware = options.hardware === false ? undefined : { serial: serialNumber, pinPadSerial: `PP-${serialNumber}`, secureProcessorId: `SP-${serialNumber}` };
    const saved: { credential?: string | undefined } = {};
    const t = new PosFleetTerminal({ server: server.url, serialNumber, now: clock, retry: { attempts: 1 }, store: (s) => void Object.assign(saved, s), ...(hardware && { hardware }) });
    const { terminalId } = await t.enrol(code);
    /** One heartbeat, then whatever the security flush does with it (it runs within a second by itself). */
    const beat = async (overrides: Partial<HeartbeatContent> = {}) => {
      const answer = await t.heartbeat(heartbeatContent(overrides));
      await server.services.securityWatch.flush();
      return answer;
    };
    return { t, terminalId, serialNumber, hardware, beat, credential: () => saved.credential! };
  }

  const casesOf = async (terminalId: string) => (await api('GET', `/api/v1/suspicious-cases?terminalId=${terminalId}`)).items as { id: string; incidentId: string; what: string }[];

  it('a terminal carried 5 km from its site opens one case, is locked and gets an inspection work order; a mobile one does not', async () => {
    const fixed = await terminal();
    const mobile = await terminal({ tags: ['mobile'] });
    for (const x of [fixed, mobile]) expect((await x.beat({ location: { gps: { ...SHOP, accuracyM: 20 }, bssid: 'AA:BB:CC:00:00:01' } })).mode).toBe('normal');

    now += MINUTE;
    const away = { location: { gps: { ...FIVE_KM_AWAY, accuracyM: 30 }, bssid: 'AA:BB:CC:00:00:99' } };
    for (const x of [fixed, mobile]) await x.beat(away);
    expect(await casesOf(fixed.terminalId)).toEqual([]); // still within the grace period

    now += 11 * MINUTE;
    for (const x of [fixed, mobile]) await x.beat(away);
    now += MINUTE;
    expect((await fixed.beat(away)).mode).toBe('locked');
    expect((await mobile.beat(away)).mode).toBe('normal');

    const cases = await casesOf(fixed.terminalId);
    expect(cases).toHaveLength(1);
    expect(cases[0]!.what).toContain('5 km from its site');
    expect((await api('GET', `/api/v1/incidents/${cases[0]!.incidentId}`)).rule).toBe('terminal_relocated');
    const orders = (await api('GET', `/api/v1/work-orders?terminalId=${fixed.terminalId}`)).items as { title: string }[];
    expect(orders).toHaveLength(1);
    expect(orders[0]!.title).toContain('9.5.1.2');
    const view = await api('GET', `/api/v1/terminals/${fixed.terminalId}/security`);
    expect(view.location).toMatchObject({ distanceM: expect.any(Number), bssid: 'aa:bb:cc:00:00:99' });
    expect(Math.round(view.location.distanceM / 1000)).toBe(5);
    expect(view.fingerprint).toEqual({ status: 'bound', ...fixed.hardware });

    expect(await casesOf(mobile.terminalId)).toEqual([]);
    expect((await api('GET', `/api/v1/work-orders?terminalId=${mobile.terminalId}`)).items).toEqual([]);
  });

  it('a terminal that goes silent outside its fence, or stops sending its position after a move, opens one case by the sweep', async () => {
    const silent = await terminal();
    const quiet = await terminal();
    for (const x of [silent, quiet]) await x.beat({ location: { gps: { ...SHOP, accuracyM: 20 } } });
    now += MINUTE;
    for (const x of [silent, quiet]) await x.beat({ location: { gps: { ...FIVE_KM_AWAY, accuracyM: 30 } } });
    now += 11 * MINUTE;
    // One stops beating; the other beats on without a position (GPS switched off after the move).
    await quiet.beat({ location: {} });
    expect(await casesOf(quiet.terminalId)).toHaveLength(1);
    // The silent one hears nothing: the security tick's sweep (a job, maybe already run by the clock) judges it.
    await server.services.securityWatch.sweepRelocations();
    const cases = await casesOf(silent.terminalId);
    expect(cases).toHaveLength(1);
    expect(cases[0]!.what).toContain('5 km from its site');
    expect((await api('GET', `/api/v1/work-orders?terminalId=${silent.terminalId}`)).items).toHaveLength(1);
    // Sweeping again, or the terminal beating again from afar, opens nothing more; it is locked.
    expect(await server.services.securityWatch.sweepRelocations()).toBe(0);
    now += MINUTE;
    expect((await silent.beat({ location: { gps: { ...FIVE_KM_AWAY, accuracyM: 30 } } })).mode).toBe('locked');
    expect(await server.services.securityWatch.sweepRelocations()).toBe(0);
    expect(await casesOf(silent.terminalId)).toHaveLength(1);
    expect(await casesOf(quiet.terminalId)).toHaveLength(1);
  });

  it('refuses a heartbeat with the right credential from other hardware, and opens a critical case', async () => {
    const real = await terminal();
    await real.beat();
    // A skimmer with a copy of the credential (the SDK's saved state), on its own hardware.
    const credential = real.credential();
    const skimmer = new PosFleetTerminal({
      server: server.url, serialNumber: real.serialNumber, credential, now: clock, retry: { attempts: 1 },
      hardware: { ...real.hardware!, pinPadSerial: 'PP-SKIMMER' },
    });
    const refused = await skimmer.heartbeat(heartbeatContent()).then(() => undefined, (error: unknown) => error as { status: number; field?: string; message: string });
    expect(refused).toMatchObject({ status: 403 });
    const raw = await fetch(`${server.url}/device/v1/heartbeat`, {
      method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...heartbeatContent(), seq: 99, sentAt: clock().toISOString(), hardware: { ...real.hardware!, pinPadSerial: 'PP-SKIMMER' } }),
    });
    expect(raw.status).toBe(403);
    expect(((await raw.json()) as { error: unknown }).error).toMatchObject({ key: 'security.hardware_mismatch', field: 'hardware' });
    // Leaving the fingerprint out does not help.
    const bare = await fetch(`${server.url}/device/v1/heartbeat`, {
      method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...heartbeatContent(), seq: 100, sentAt: clock().toISOString() }),
    });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { error: unknown }).error).toMatchObject({ key: 'security.hardware_missing' });

    // The case is opened beside the refusal (the heartbeat is answered at once): wait for it.
    const cases = await poll(async () => {
      const found = await casesOf(real.terminalId);
      return found.length ? found : undefined;
    }, 30_000, 'the substitution case');
    expect(cases).toHaveLength(1);
    const incident = await api('GET', `/api/v1/incidents/${cases[0]!.incidentId}`);
    expect(incident).toMatchObject({ rule: 'terminal_substituted', severity: 'critical' });
    expect(cases[0]!.what).toContain('PP-SKIMMER');
    // The real terminal goes on.
    expect((await real.beat()).duplicate).toBe(false);
  });

  it('binds the first fingerprint of a terminal enrolled before fingerprints', async () => {
    const old = await terminal({ hardware: false });
    await old.beat();
    expect((await api('GET', `/api/v1/terminals/${old.terminalId}/security`)).fingerprint).toEqual({ status: 'unbound' });
    const hardware = { serial: old.serialNumber, pinPadSerial: 'PP-OLD', secureProcessorId: 'SP-OLD' };
    await old.beat({ hardware });
    expect((await api('GET', `/api/v1/terminals/${old.terminalId}/security`)).fingerprint).toEqual({ status: 'bound', ...hardware });
    await expect(old.t.heartbeat(heartbeatContent({ hardware: { ...hardware, secureProcessorId: 'SP-OTHER' } }))).rejects.toMatchObject({ status: 403 });
  });

  it('a terminal missing its acquirer\'s TPK opens an incident with its deadline; expiring keys show in the inventory', async () => {
    await api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    await api('PUT', '/api/v1/security/key-policies', { acquirer: 'unionpay', keyType: 'TPK' });
    await api('PUT', '/api/v1/security/key-policies', { acquirer: 'unionpay', keyType: 'DUKPT', bdkId: 'FFFF9876' });
    const x = await terminal();
    const expiresAt = new Date(now + 30 * 86_400_000).toISOString();
    await x.beat({ keys: [
      { slot: 0, type: 'TMK', kcv: 'A1B2C3', loadedAt: '2026-01-05T00:00:00.000Z' },
      { slot: 3, type: 'DUKPT', bdkId: 'FFFF9876', ksnPrefix: 'FFFF9876540001', expiresAt },
    ] });
    const incidents = (await api('GET', `/api/v1/incidents?terminalId=${x.terminalId}&status=unresolved`)).items as { rule: string; detail: { deadline: string; keys: { keyType: string }[] } }[];
    const missing = incidents.find((i) => i.rule === 'key_missing');
    expect(missing?.detail.keys.map((k) => k.keyType)).toEqual(['TPK']);
    expect(missing?.detail.deadline).toBe(clock().toISOString());
    expect(incidents.find((i) => i.rule === 'key_expiring')?.detail.deadline).toBe(expiresAt);

    const inventory = await server.services.security.keyInventory({ kind: 'fleet' });
    const mine = inventory.items.find((i) => i.terminalId === x.terminalId)!;
    expect(mine).toMatchObject({ acquirer: 'unionpay', reported: true });
    expect(mine.slots.map((s) => s.type)).toEqual(['TMK', 'DUKPT']);
    expect(mine.problems.map((p) => [p.rule, p.keyType, p.deadline])).toEqual([['key_expiring', 'DUKPT', expiresAt], ['key_missing', 'TPK', clock().toISOString()]]);
    // The PCI DSS report's key inventory names both, the expiring key with its expiry.
    const report = await api('GET', '/api/v1/compliance/report?format=json') as { requirements: { id: string; findings: { terminal: { terminalId: string } | null; detail: { problem: string; keyType: string; deadline: string } }[] }[] };
    const keys = report.requirements.find((r) => r.id === 'key-inventory')!.findings.filter((f) => f.terminal?.terminalId === x.terminalId);
    expect(keys.map((f) => [f.detail.problem, f.detail.keyType, f.detail.deadline])).toEqual([['expiring', 'DUKPT', expiresAt], ['missing', 'TPK', clock().toISOString()]]);

    // Once the TPK is injected and reported, the incident resolves.
    await x.beat({ keys: [{ slot: 0, type: 'TMK', kcv: 'A1B2C3' }, { slot: 1, type: 'TPK', kcv: '0F1E2D' }, { slot: 3, type: 'DUKPT', bdkId: 'FFFF9876', ksnPrefix: 'FFFF9876540001', expiresAt }] });
    const after = (await api('GET', `/api/v1/incidents?terminalId=${x.terminalId}&rule=key_missing`)).items as { status: string }[];
    expect(after.map((i) => i.status)).toEqual(['resolved']);
  });

  it('a key_injection maintenance job records its result from the slots the terminal reports', async () => {
    const x = await terminal();
    await x.beat({ keys: [{ slot: 0, type: 'TMK', kcv: 'A1B2C3' }] });
    const [job] = (await api('POST', '/api/v1/maintenance/jobs', { terminalIds: [x.terminalId], work: ['key_injection'], reason: 'TPK injection by the acquirer HSM', overrideReason: 'test: a single terminal' })).items as { id: string }[];
    // The HSM injected the TPK: the terminal reports its new slots, and the job is finished.
    await x.beat({ keys: [{ slot: 0, type: 'TMK', kcv: 'A1B2C3' }, { slot: 1, type: 'TPK', kcv: '0F1E2D' }, { slot: 3, type: 'DUKPT', bdkId: 'FFFF9876', ksnPrefix: 'FFFF9876540002' }] });
    await api('POST', `/api/v1/maintenance/jobs/${job!.id}/finish`, { note: 'keys injected' });
    // Recorded when the job's end is told (an event after the answer): wait for it.
    const view = await poll(async () => {
      const seen = await api('GET', `/api/v1/terminals/${x.terminalId}/security`);
      return seen.keyInjections.length ? seen : undefined;
    }, 30_000, 'the key injection recorded');
    expect(view.keyInjections).toHaveLength(1);
    expect(view.keyInjections[0]).toMatchObject({ jobId: job!.id, outcome: 'succeeded', problems: [] });
    expect(view.keyInjections[0].slots.map((k: { type: string }) => k.type)).toEqual(['TMK', 'TPK', 'DUKPT']);
  });

  it('refuses key material in a heartbeat, naming the field', async () => {
    const x = await terminal();
    const error = await x.t.heartbeat(heartbeatContent({ keys: [{ slot: 1, type: 'TPK', kcv: '0123456789ABCDEF0123456789ABCDEF' }] })).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: 400, field: 'keys.0.kcv' });
  });
});
