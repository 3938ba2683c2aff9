// Fleet health score: terminals, sites and merchants score 0–100 from their open incidents (each
// severity takes its points off), explained by those incidents, within the caller's scope.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface Contribution { incidentId: string; rule: string; severity: string; terminalId: string | null; points: number; impact: number; title: { en: string } }

describe.each(databases())('health scores on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {
      HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3', SQLITE_SYNCHRONOUS: 'NORMAL', DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-health-')),
    }, () => now);
  });
  afterAll(() => t.close());

  const beat = async (credential: string, overrides: Record<string, unknown> = {}) => {
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { sentAt: now.toISOString(), ...overrides }));
    expect(res.statusCode, res.body).toBe(200);
  };
  const score = async (query: string, headers?: Record<string, string>) => {
    const res = await t.api('GET', `/api/v1/health-score?${query}`, undefined, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ subject: { kind: string; id: string | null }; score: number; terminals: number; contributions: Contribution[] }>();
  };

  it('scores terminals, their site and merchant from open incidents, explains each score, and recovers as incidents resolve', async () => {
    const estate = await buildEstate(t);
    // Paper is the shop's to fix (an incident only once it lasts); this model makes one at once, as these figures need.
    await t.api('PUT', `/api/v1/terminal-models/${estate.model.id}/diagnostic-thresholds`, { merchantFirst: { paperLowMinutes: 0, paperOutMinutes: 0 } });
    const terminals = [];
    for (let i = 0; i < 4; i++) {
      const terminal = await buildTerminal(t, estate);
      terminals.push({ ...terminal, credential: (await enrolTerminal(t, terminal.serialNumber)).credential });
    }
    const [a, b, c, d] = terminals;
    for (const x of terminals) await beat(x.credential);
    expect(await score(`terminalId=${a!.id}`)).toMatchObject({ subject: { kind: 'terminal', id: a!.id }, score: 100, terminals: 1, contributions: [] });

    // a: paper out (high, 20) and jam (high, 20); b: paper low (low, 5).
    await beat(a!.credential, { printer: { paper: 'out', jam: true, coverOpen: false } });
    await beat(b!.credential, { printer: { paper: 'low', jam: false, coverOpen: false } });
    const ofA = await score(`terminalId=${a!.id}`);
    expect(ofA.score).toBe(60);
    expect(ofA.contributions.map((x) => [x.rule, x.severity, x.points, x.impact]).sort()).toEqual([['printer_jam', 'high', 20, 20], ['printer_paper_out', 'high', 20, 20]]);
    expect(ofA.contributions[0]!.title.en).toMatch(/printer paper/);

    // The site averages over its 4 terminals: (60 + 95 + 100 + 100) / 4 = 88.75.
    const site = await score(`siteId=${estate.site.id}`);
    expect(site).toMatchObject({ subject: { kind: 'site', id: estate.site.id }, score: 89, terminals: 4 });
    expect(site.contributions.map((x) => x.impact).sort()).toEqual([1.3, 5, 5]);
    expect((await score(`merchantId=${estate.merchant.id}`)).score).toBe(89);

    const lowest = (await t.api('GET', `/api/v1/health-scores/terminals?siteId=${estate.site.id}`)).json().items;
    expect(lowest.map((x: { terminalId: string; score: number }) => [x.terminalId, x.score])).toEqual([[a!.id, 60], [b!.id, 95]]);
    expect(lowest[0].siteId).toBe(estate.site.id);

    // Most of the site goes silent: one critical site incident counts on every terminal of the site.
    now = new Date(now.getTime() + 200_000);
    await beat(d!.credential);
    await t.services.jobs.recurring('offline-sweep', 'offline-sweep', 15_000);
    await t.services.jobs.runDueJobs();
    const down = await score(`siteId=${estate.site.id}`);
    expect(down.contributions.map((x) => x.rule)).toContain('site_network_down');
    expect((await score(`terminalId=${c!.id}`)).score).toBe(60);

    // Back online and paper refilled: full marks again.
    now = new Date(now.getTime() + 15_000);
    for (const x of terminals) await beat(x.credential);
    await t.services.jobs.recurring('offline-sweep', 'offline-sweep', 15_000);
    await t.services.jobs.runDueJobs();
    expect((await score(`siteId=${estate.site.id}`)).score).toBe(100);
  });

  it('keeps merchant users to their own estate and refuses two subjects at once', async () => {
    const mine = await buildEstate(t);
    const theirs = await buildEstate(t);
    const user = await t.services.access.createUser({ email: `health-${kind.name}@diag.test`, name: 'Owner', role: 'merchant', password: 'correct horse 12 battery', merchantId: mine.merchant.id });
    const as = { authorization: `Bearer ${(await t.services.access.createToken(user.id, { name: 'health' })).token}` };
    expect((await t.api('GET', `/api/v1/health-score?merchantId=${theirs.merchant.id}`, undefined, as)).statusCode).toBe(404);
    expect((await score(`merchantId=${mine.merchant.id}`, as)).subject).toEqual({ kind: 'merchant', id: mine.merchant.id });
    const both = await t.api('GET', `/api/v1/health-score?siteId=${mine.site.id}&merchantId=${mine.merchant.id}`);
    expect(both.statusCode).toBe(400);
    expect(both.json().error).toMatchObject({ code: 'validation_error', field: 'merchantId' });
  });
});
