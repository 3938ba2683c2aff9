// The fleet overview through HTTP: what needs attention now and how the days went, from incidents
// opened by heartbeats, a maintenance job and an overdue work order, within the caller's scope.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface Overview {
  timeZone: string;
  openIncidents: Record<string, number>;
  workOrders: { open: number; dueSoon: number; overdue: number };
  health: { score: number; terminals: number };
  days: { day: string; incidentsOpened: Record<string, number>; maintenanceJobs: number; workOrdersDone: number; healthScore: number }[];
}

describe.each(databases())('the fleet overview on $name', (kind) => {
  let t: TestApp;
  // Monday 10:00 in Shanghai.
  let now = new Date('2026-11-23T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {
      HEARTBEAT_INTERVAL_SECONDS: '600', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000', SQLITE_SYNCHRONOUS: 'NORMAL', DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-overview-')),
    }, () => now);
  });
  afterAll(() => t.close());

  const beat = async (credential: string, overrides: Record<string, unknown> = {}) => {
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { sentAt: now.toISOString(), ...overrides }));
    expect(res.statusCode, res.body).toBe(200);
  };
  const overview = async (query = 'days=3&timeZone=Asia/Shanghai', headers?: Record<string, string>) => {
    const res = await t.api('GET', `/api/v1/overview?${query}`, undefined, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Overview>();
  };
  const ok = async (method: 'POST', url: string, body: unknown) => {
    const res = await t.api(method, url, body);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  it('shows open incidents, work orders due and overdue, the health score, and each day\'s figures in the asked time zone', async () => {
    const estate = await buildEstate(t);
    // Paper is the shop's to fix (an incident only once it lasts); this model makes one at once, as these figures need.
    await t.api('PUT', `/api/v1/terminal-models/${estate.model.id}/diagnostic-thresholds`, { merchantFirst: { paperLowMinutes: 0, paperOutMinutes: 0 } });
    const terminals = [];
    for (let i = 0; i < 4; i++) {
      const terminal = await buildTerminal(t, estate);
      terminals.push({ ...terminal, credential: (await enrolTerminal(t, terminal.serialNumber)).credential });
    }
    const [a, b, c] = terminals;
    for (const x of terminals) await beat(x.credential);

    // Monday: a's printer runs out of paper and jams (two high incidents).
    await beat(a!.credential, { printer: { paper: 'out', jam: true, coverOpen: false } });
    // Tuesday: both fixed and resolved; b's paper runs low; c goes into maintenance.
    now = new Date('2026-11-24T02:00:00.000Z');
    const opened = (await t.api('GET', `/api/v1/incidents?terminalId=${a!.id}&status=open`)).json().items as { id: string }[];
    expect(opened).toHaveLength(2);
    for (const incident of opened) await ok('POST', `/api/v1/incidents/${incident.id}/resolve`, { note: 'paper refilled, jam cleared' });
    await beat(b!.credential, { printer: { paper: 'low', jam: false, coverOpen: false } });
    await ok('POST', '/api/v1/maintenance/jobs', { terminalIds: [c!.id], work: ['update'], reason: 'app update', overrideReason: 'quiet morning' });
    // Wednesday: a work order that was due yesterday is still open.
    now = new Date('2026-11-25T02:00:00.000Z');
    await ok('POST', '/api/v1/work-orders', { title: 'Replace the card reader', siteId: estate.site.id, terminalIds: [b!.id], dueAt: '2026-11-24T08:00:00.000Z' });

    const o = await overview();
    expect(o.timeZone).toBe('Asia/Shanghai');
    expect(o.openIncidents).toEqual({ low: 1, medium: 0, high: 0, critical: 0 });
    expect(o.workOrders).toEqual({ open: 1, dueSoon: 0, overdue: 1 });
    expect(o.health).toEqual({ score: 99, terminals: 4 }); // (100 + 95 + 100 + 100) / 4
    expect(o.days).toEqual([
      // Monday ends with a at 60: (60 + 100 + 100 + 100) / 4.
      { day: '2026-11-23', incidentsOpened: { low: 0, medium: 0, high: 2, critical: 0 }, maintenanceJobs: 0, workOrdersDone: 0, healthScore: 90 },
      { day: '2026-11-24', incidentsOpened: { low: 1, medium: 0, high: 0, critical: 0 }, maintenanceJobs: 1, workOrdersDone: 0, healthScore: 99 },
      { day: '2026-11-25', incidentsOpened: { low: 0, medium: 0, high: 0, critical: 0 }, maintenanceJobs: 0, workOrdersDone: 0, healthScore: 99 },
    ]);
    // The same instants, counted in UTC days: Monday's incidents fall on Monday 02:00 UTC too, and 14 days are the default.
    expect((await overview('')).days).toHaveLength(14);

    // A merchant user of another merchant sees none of it.
    const other = await buildEstate(t);
    const user = await t.services.access.createUser({ email: `overview-${kind.name}@test.example`, name: 'Other owner', role: 'merchant', password: 'correct horse 12 battery', merchantId: other.merchant.id });
    const as = { authorization: `Bearer ${(await t.services.access.createToken(user.id, { name: 'overview' })).token}` };
    const theirs = await overview(undefined, as);
    expect(theirs.openIncidents).toEqual({ low: 0, medium: 0, high: 0, critical: 0 });
    expect(theirs.days.map((d) => d.maintenanceJobs)).toEqual([0, 0, 0]);
    expect(theirs.health).toEqual({ score: 100, terminals: 0 });
  });

  it('refuses an unknown time zone or too many days, naming the field', async () => {
    const zone = await t.api('GET', '/api/v1/overview?timeZone=Mars/Olympus');
    expect(zone.statusCode).toBe(400);
    expect(zone.json().error).toMatchObject({ code: 'validation_error', field: 'timeZone' });
    const days = await t.api('GET', '/api/v1/overview?days=400');
    expect(days.statusCode).toBe(400);
    expect(days.json().error).toMatchObject({ field: 'days' });
  });
});
