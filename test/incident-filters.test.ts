// The incidents list an operator works from: filtered by severity, rule, site, merchant and age, and
// sorted with the worst first and, among equals, the one waiting longest — on every database of the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface IncidentView { id: string; rule: string; severity: string; terminalId: string; firstSeenAt: string }
const RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

describe.each(databases())('incident filters on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  beforeAll(async () => { t = await startTestApp(await kind.fresh(), {}, () => now); });
  afterAll(() => t.close());

  it('lists the worst first, the oldest first among equals, and filters by severity, merchant and age', async () => {
    const estate = await buildEstate(t);
    const other = await buildEstate(t);
    const beat = async (e: typeof estate, overrides: Record<string, unknown>) => {
      const terminal = await buildTerminal(t, e);
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { sentAt: now.toISOString(), ...overrides }));
      expect(res.statusCode).toBe(200);
      return terminal.id;
    };
    const worn = { battery: { percent: 80, health: 95, charging: false, cycleCount: 5000 } };
    const jam = { printer: { paper: 'ok', jam: true, coverOpen: false } };
    const oldJam = await beat(estate, jam);
    now = new Date(now.getTime() + 3 * 3_600_000);
    const tampered = await beat(estate, { tamper: true });
    const wornOut = await beat(estate, worn);
    const newJam = await beat(estate, jam);
    await beat(other, { tamper: true });

    const list = async (query: string) => {
      const res = await t.api('GET', `/api/v1/incidents?merchantId=${estate.merchant.id}&status=unresolved&${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: IncidentView[]; nextCursor: string | null }>();
    };
    const sorted = (await list('sort=severity&limit=100')).items;
    const ranks = sorted.map((i) => RANK[i.severity]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const jams = sorted.filter((i) => i.rule === 'printer_jam').map((i) => i.terminalId);
    expect(jams).toEqual([oldJam, newJam]);
    expect(sorted[0]).toMatchObject({ rule: 'tamper', terminalId: tampered });
    // A battery past its cycle limit is a planned part replacement (preventive), not an incident.
    expect(sorted.some((i) => i.terminalId === wornOut)).toBe(false);

    // Paged two at a time, the same order.
    const paged: IncidentView[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`sort=severity&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged.map((i) => i.id)).toEqual(sorted.map((i) => i.id));

    expect((await list('severity=critical')).items.map((i) => i.terminalId)).toEqual([tampered]);
    expect((await list('rule=printer_jam&olderThanHours=2')).items.map((i) => i.terminalId)).toEqual([oldJam]);
    const bad = await t.api('GET', '/api/v1/incidents?severity=dire');
    expect([bad.statusCode, bad.json().error.field]).toEqual([400, 'severity']);
  });
});
