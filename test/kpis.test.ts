// Maintenance KPIs through HTTP on a real server with a controlled clock: a small estate with known
// incidents, work orders and preventive tasks over a 10-day period, built through the API, gives the
// KPIs worked out by hand below — for the fleet, per merchant, model and technician, and in a merchant
// user's and a technician's scope. Bad periods and groupings are refused naming the field.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatReport } from './support/app.ts';
import { databases } from './support/databases.ts';
import { operatorApi, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

const PASSWORD = 'correct horse 12 battery';
const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-03-11T00:00:00.000Z';

interface Kpi { value: number | null; numerator: number; denominator: number }
interface Kpis {
  availability: Kpi; mtbfHours: Kpi; mttrRestoredHours: Kpi; mttrRepairHours: Kpi; pmCompliance: Kpi; plannedShare: Kpi;
  backlog: { count: number; overdue: number; estimatedHours: number }; firstTimeFix: Kpi; remoteFix: Kpi & { selfCleared: number };
}
interface Report { from: string; to: string; measuredUntil: string; groupBy: string; total: { key: string; kpis: Kpis }; groups: { key: string | null; label: string; kpis: Kpis }[] }

describe.each(databases())('maintenance KPIs on $name', (kind) => {
  let server: TestServer;
  let api: OperatorApi;
  let now = new Date('2026-02-28T00:00:00.000Z');
  const at = (iso: string) => { now = new Date(iso); };
  const ids = { m1: '', m2: '', s1: '', s2: '', modelA: '', modelB: '', t1: '', t2: '', t3: '', techA: '', techB: '', w1: '', w2: '', w3: '', w4: '' };
  const credentials: Record<string, string> = {};
  const seqs: Record<string, number> = {};
  const tokens = { merchant2: '', techA: '' };

  const as = (token: string) => async (path: string) => {
    const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() as Report & { error?: { code: string; field?: string } } };
  };
  const kpis = (query: string) => api('GET', `/api/v1/kpis?from=${FROM}&to=${TO}${query}`) as Promise<Report>;

  async function beat(terminal: string, overrides: Record<string, unknown> = {}) {
    seqs[terminal] = (seqs[terminal] ?? 0) + 1;
    const res = await fetch(`${server.url}/device/v1/heartbeat`, {
      method: 'POST', headers: { authorization: `Bearer ${credentials[terminal]}`, 'content-type': 'application/json' },
      body: JSON.stringify(heartbeatReport(seqs[terminal]!, { sentAt: now.toISOString(), ...overrides })),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  const jam = { printer: { paper: 'ok', jam: true, coverOpen: false } };
  const openIncident = async (terminal: string) => (await api('GET', `/api/v1/incidents?terminalId=${terminal}&status=unresolved`)).items[0] as { id: string; rule: string };
  const move = (id: string, body: Record<string, unknown>) => api('POST', `/api/v1/work-orders/${id}/status`, body);

  beforeAll(async () => {
    // Terminals never go offline by themselves over these 11 days: every outage here is one the test makes.
    server = await startTestServer({ prefix: 'posfleet-kpis', databaseFile: await kind.fresh(), clock: () => now, env: { HEARTBEAT_INTERVAL_SECONDS: '86400', OFFLINE_AFTER_MISSED_HEARTBEATS: '100' } });
    api = operatorApi(server);

    // ---- 28 Feb: two merchants, three terminals in service, two technicians, two preventive plans
    ids.modelA = (await api('POST', '/api/v1/terminal-models', { code: 'KPI-A', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] } })).id;
    ids.modelB = (await api('POST', '/api/v1/terminal-models', { code: 'KPI-B', vendor: 'Newland', model: 'N910', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] } })).id;
    ids.m1 = (await api('POST', '/api/v1/merchants', { name: 'Tea House', timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id;
    ids.m2 = (await api('POST', '/api/v1/merchants', { name: 'Noodle Bar', timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id;
    ids.s1 = (await api('POST', '/api/v1/sites', { merchantId: ids.m1, code: 'SH-TEA', name: 'Tea House Xuhui' })).id;
    ids.s2 = (await api('POST', '/api/v1/sites', { merchantId: ids.m2, code: 'BJ-NOODLE', name: 'Noodle Bar Chaoyang' })).id;
    for (const [key, serial, model, site] of [['t1', 'KPI-T1', ids.modelA, ids.s1], ['t2', 'KPI-T2', ids.modelA, ids.s1], ['t3', 'KPI-T3', ids.modelB, ids.s2]] as const) {
      ids[key] = (await api('POST', '/api/v1/terminals', { serialNumber: serial, modelId: model, siteId: site, status: 'active' })).id;
      const { code } = await api('POST', '/api/v1/enrolment-codes', { serialNumber: serial });
      const enrolled = await fetch(`${server.url}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber: serial, code }) });
      credentials[ids[key]] = ((await enrolled.json()) as { credential: string }).credential;
    }
    for (const key of ['techA', 'techB'] as const) {
      const user = await server.services.access.createUser({ email: `${key}@kpis.test`, name: key === 'techA' ? 'Wang Technician' : 'Zhao Technician', role: 'technician', password: PASSWORD });
      await api('POST', '/api/v1/technicians', { userId: user.id, skills: ['printer'], regions: [] });
      ids[key] = user.id;
    }
    const merchantUser = await server.services.access.createUser({ email: 'owner@kpis.test', name: 'Noodle owner', role: 'merchant', merchantId: ids.m2, password: PASSWORD });
    tokens.merchant2 = (await server.services.access.createToken(merchantUser.id, { name: 'kpis' })).token;
    tokens.techA = (await server.services.access.createToken(ids.techA, { name: 'kpis' })).token;

    const template = (code: string, intervalDays: number) => api('POST', '/api/v1/preventive/templates', {
      code, name: { 'zh-CN': '保养', en: 'Service' }, intervalDays,
      tasks: [{ code: 'clean', name: { 'zh-CN': '清洁', en: 'Clean' }, performer: 'technician', skill: 'printer', checklist: [{ code: 'head', text: { 'zh-CN': '清洁打印头', en: 'Clean the print head' }, required: true }] }],
    });
    const every10 = await template('kpi-10d', 10);
    const every5 = await template('kpi-5d', 5);
    // Made before any heartbeat (no usage factor) at sites without environment factors: due after exactly their base interval.
    const plan1 = await api('POST', '/api/v1/preventive/plans', { name: 'Tea every 10 days', templateIds: [every10.id], filter: { siteId: ids.s1 }, startAt: '2026-02-25T00:00:00.000Z' });
    const plan2 = await api('POST', '/api/v1/preventive/plans', { name: 'Noodles every 5 days', templateIds: [every5.id], filter: { siteId: ids.s2 }, startAt: '2026-02-28T00:00:00.000Z' });
    expect(plan1.due.map((d: { dueAt: string; effectiveDays: number }) => [d.dueAt, d.effectiveDays])).toEqual([['2026-03-07T00:00:00.000Z', 10], ['2026-03-07T00:00:00.000Z', 10]]);
    expect(plan2.due.map((d: { dueAt: string; effectiveDays: number }) => [d.dueAt, d.effectiveDays])).toEqual([['2026-03-05T00:00:00.000Z', 5]]);

    // ---- 1 Mar: every terminal reports, healthy
    at('2026-03-01T00:00:00.000Z');
    for (const t of [ids.t1, ids.t2, ids.t3]) await beat(t);

    // ---- 2 Mar: T1's printer jams; a troubleshooting guide is started remotely; cleared at 06:00 (6 h, fixed remotely)
    at('2026-03-02T00:00:00.000Z');
    await beat(ids.t1, jam);
    const i1 = await openIncident(ids.t1);
    expect(i1.rule).toBe('printer_jam');
    at('2026-03-02T01:00:00.000Z');
    await api('POST', '/api/v1/guide-runs', { incidentId: i1.id, locale: 'en' });
    at('2026-03-02T06:00:00.000Z');
    await beat(ids.t1);

    // ---- 4 Mar: T3 jams at 00:00; the merchant asks for a technician at 02:00; on site 04:00–10:00 (a 10 h repair, by a visit)
    at('2026-03-04T00:00:00.000Z');
    await beat(ids.t3, jam);
    at('2026-03-04T02:00:00.000Z');
    ids.w1 = (await api('POST', '/api/v1/work-orders', { source: 'merchant_request', title: 'Printer jams', siteId: ids.s2, terminalIds: [ids.t3] })).id;
    await api('POST', `/api/v1/work-orders/${ids.w1}/assign`, { technicianId: ids.techA });
    at('2026-03-04T04:00:00.000Z');
    await move(ids.w1, { to: 'in_progress' });
    at('2026-03-04T10:00:00.000Z');
    await move(ids.w1, { to: 'done', minutesSpent: 120 });
    await beat(ids.t3);

    // ---- 5 Mar: the 5-day task of T3 is ordered (due 5 Mar) and never done: late once its 0.5-day tolerance passed
    at('2026-03-05T00:00:00.000Z');
    const ordered3 = await api('POST', `/api/v1/preventive/plans/${plan2.id}/work-orders`, { until: '2026-03-05T00:00:00.000Z' });
    ids.w3 = ordered3.items[0].id;

    // ---- 6–7 Mar: the 10-day visit at the tea house (due 7 Mar), done 7 Mar 12:00 in 60 minutes: on time (±1 day)
    at('2026-03-06T00:00:00.000Z');
    const ordered2 = await api('POST', `/api/v1/preventive/plans/${plan1.id}/work-orders`, { until: '2026-03-07T00:00:00.000Z' });
    ids.w2 = ordered2.items[0].id;
    await api('POST', `/api/v1/work-orders/${ids.w2}/assign`, { technicianId: ids.techB });
    at('2026-03-07T09:00:00.000Z');
    await move(ids.w2, { to: 'in_progress' });
    await api('POST', `/api/v1/work-orders/${ids.w2}/checklist`, { results: ordered2.items[0].checklist.map((item: { id: string }) => ({ itemId: item.id, result: 'pass' })) });
    at('2026-03-07T12:00:00.000Z');
    await move(ids.w2, { to: 'done', minutesSpent: 60 });

    // ---- 8 Mar: a manual repair of T2 (made 00:00, done 05:00, 60 minutes) whose failed item opens a follow-up: not a first-time fix
    at('2026-03-08T00:00:00.000Z');
    const w4 = await api('POST', '/api/v1/work-orders', { title: 'Keypad sticky', siteId: ids.s1, terminalIds: [ids.t2], checklist: [{ text: { 'zh-CN': '检查键盘', en: 'Check the keypad' } }] });
    ids.w4 = w4.id;
    await api('POST', `/api/v1/work-orders/${ids.w4}/assign`, { technicianId: ids.techA });
    at('2026-03-08T01:00:00.000Z');
    await move(ids.w4, { to: 'in_progress' });
    await api('POST', `/api/v1/work-orders/${ids.w4}/checklist`, { results: [{ itemId: w4.checklist[0].id, result: 'fail', note: 'needs a new keypad', followUp: true }] });
    at('2026-03-08T05:00:00.000Z');
    await move(ids.w4, { to: 'done', minutesSpent: 60 });

    // ---- 9 Mar: T2 jams for an hour and clears by itself (no visit, no remote action)
    at('2026-03-09T00:00:00.000Z');
    await beat(ids.t2, jam);
    at('2026-03-09T01:00:00.000Z');
    await beat(ids.t2);

    at('2026-03-12T00:00:00.000Z');
  });
  afterAll(() => server?.close());

  it('gives the fleet its KPIs with the numerators and denominators worked out by hand', async () => {
    const report = await kpis('');
    expect(report).toMatchObject({ from: FROM, to: TO, measuredUntil: TO, groupBy: 'fleet', groups: [{ key: 'fleet' }] });
    expect(report.total.kpis).toEqual({
      // 3 terminals × 240 h; down 6 h (T1) + 10 h (T3) + 1 h (T2) = 17 h; 3 failures.
      availability: { value: 0.976389, numerator: 703, denominator: 720 },
      mtbfHours: { value: 234.333, numerator: 703, denominator: 3 },
      // Repairs: W1 from T3's jam at 00:00 to done at 10:00 (10 h); W4 from its making at 00:00 to 05:00 (5 h). No spare swapped in: restored = done.
      mttrRestoredHours: { value: 7.5, numerator: 15, denominator: 2 },
      mttrRepairHours: { value: 7.5, numerator: 15, denominator: 2 },
      // W2 on time, W3 late.
      pmCompliance: { value: 0.5, numerator: 1, denominator: 2 },
      // 60 preventive minutes of 120 + 60 + 60.
      plannedShare: { value: 0.25, numerator: 1, denominator: 4 },
      // Open at the end: W3 (preventive, overdue; ≈ 60 min, the preventive average) and W4's follow-up (no follow-up done yet: the 80-min average of all).
      backlog: { count: 2, overdue: 1, estimatedHours: 2.333 },
      // W1 yes; W4 has a follow-up.
      firstTimeFix: { value: 0.5, numerator: 1, denominator: 2 },
      // T1's jam fixed remotely (guide run), T3's by a visit, T2's cleared by itself.
      remoteFix: { value: 0.5, numerator: 1, denominator: 2, selfCleared: 1 },
    });
  });

  it('splits them per merchant, named', async () => {
    const report = await kpis('&groupBy=merchant');
    const tea = report.groups.find((g) => g.key === ids.m1)!;
    const noodles = report.groups.find((g) => g.key === ids.m2)!;
    expect(report.groups.map((g) => g.label)).toEqual(['Noodle Bar', 'Tea House']);
    expect(tea.kpis).toMatchObject({
      availability: { value: 0.985417, numerator: 473, denominator: 480 }, mtbfHours: { value: 236.5, denominator: 2 },
      mttrRepairHours: { value: 5, denominator: 1 }, pmCompliance: { value: 1, numerator: 1, denominator: 1 }, plannedShare: { value: 0.5 },
      backlog: { count: 1, overdue: 0, estimatedHours: 1.333 }, firstTimeFix: { value: 0, numerator: 0, denominator: 1 }, remoteFix: { value: 1, numerator: 1, denominator: 1, selfCleared: 1 },
    });
    expect(noodles.kpis).toMatchObject({
      availability: { value: 0.958333, numerator: 230, denominator: 240 }, mtbfHours: { value: 230, denominator: 1 },
      mttrRepairHours: { value: 10, denominator: 1 }, pmCompliance: { value: 0, numerator: 0, denominator: 1 }, plannedShare: { value: 0, numerator: 0, denominator: 2 },
      backlog: { count: 1, overdue: 1, estimatedHours: 1 }, firstTimeFix: { value: 1, denominator: 1 }, remoteFix: { value: 0, numerator: 0, denominator: 1, selfCleared: 0 },
    });
  });

  it('splits them per terminal model and per technician', async () => {
    const byModel = await kpis('&groupBy=model');
    expect(byModel.groups.map((g) => [g.label, g.kpis.availability.denominator, g.kpis.mtbfHours.denominator, g.kpis.backlog.count])).toEqual([
      ['Newland N910 (KPI-B)', 240, 1, 1], ['none', 0, 0, 1], ['PAX A920 (KPI-A)', 480, 2, 0],
    ]);
    // The follow-up names no terminal: it belongs to no model.
    expect(byModel.groups.find((g) => g.key === null)!.kpis.backlog).toEqual({ count: 1, overdue: 0, estimatedHours: 1.333 });
    const byTechnician = await kpis('&groupBy=technician');
    const rows = Object.fromEntries(byTechnician.groups.map((g) => [g.label, g.kpis]));
    expect(Object.keys(rows).sort()).toEqual(['Wang Technician', 'Zhao Technician', 'unassigned']);
    expect(rows['Wang Technician']).toMatchObject({ mttrRepairHours: { value: 7.5, denominator: 2 }, firstTimeFix: { value: 0.5 }, plannedShare: { value: 0 }, availability: { value: null } });
    expect(rows['Zhao Technician']).toMatchObject({ pmCompliance: { value: 1, denominator: 1 }, plannedShare: { value: 1 }, mttrRepairHours: { value: null } });
    expect(rows.unassigned).toMatchObject({ pmCompliance: { value: 0, denominator: 1 }, backlog: { count: 2, overdue: 1 } });
  });

  it("shows a merchant user only their own merchant's KPIs", async () => {
    const own = await as(tokens.merchant2)(`/api/v1/kpis?from=${FROM}&to=${TO}&groupBy=merchant`);
    expect(own.status).toBe(200);
    expect(own.body.groups.map((g) => g.key)).toEqual([ids.m2]);
    expect(own.body.total.kpis).toMatchObject({ availability: { numerator: 230, denominator: 240 }, mttrRepairHours: { value: 10 }, backlog: { count: 1 }, remoteFix: { denominator: 1 } });
    const bySite = await as(tokens.merchant2)(`/api/v1/kpis?from=${FROM}&to=${TO}&groupBy=site`);
    expect(bySite.body.groups.map((g) => g.key)).toEqual([ids.s2]);
    const refused = await as(tokens.merchant2)(`/api/v1/kpis?from=${FROM}&to=${TO}&groupBy=technician`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_error', field: 'groupBy' });
  });

  it("shows a technician the KPIs of their own work orders only", async () => {
    const own = await as(tokens.techA)(`/api/v1/kpis?from=${FROM}&to=${TO}`);
    expect(own.status).toBe(200);
    expect(own.body.total.kpis).toMatchObject({
      availability: { value: null, denominator: 0 }, mttrRepairHours: { value: 7.5, denominator: 2 }, firstTimeFix: { numerator: 1, denominator: 2 },
      pmCompliance: { denominator: 0 }, backlog: { count: 0 }, remoteFix: { denominator: 0, selfCleared: 0 },
    });
  });

  it('measures a period still running up to now, and defaults to the last 30 days', async () => {
    at('2026-03-09T12:00:00.000Z');
    try {
      const running = await kpis('');
      expect(running.measuredUntil).toBe('2026-03-09T12:00:00.000Z');
      // 8.5 days × 3 terminals = 612 h; T2's jam on 9 Mar is inside; the follow-up is still open, W3 overdue.
      expect(running.total.kpis.availability).toEqual({ value: 0.972222, numerator: 595, denominator: 612 });
      const defaulted = await api('GET', '/api/v1/kpis') as Report;
      expect([defaulted.from, defaulted.to]).toEqual(['2026-02-07T12:00:00.000Z', '2026-03-09T12:00:00.000Z']);
    } finally {
      at('2026-03-12T00:00:00.000Z');
    }
  });

  it('prints them with `posfleet kpis`, as a table or as CSV with every numerator and denominator', async () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['bin/posfleet.mjs', 'kpis', '--server', server.url, '--token', 'test-admin-token', '--from', FROM, '--to', TO, ...args]);
    const table = (await cli('--group-by', 'merchant')).stdout;
    expect(table).toContain(`maintenance KPIs from ${FROM} to ${TO}`);
    expect(table).toMatch(/Tea House.*98\.5 %/);
    expect(table).toMatch(/Noodle Bar.*95\.8 %/);
    const lines = (await cli('--group-by', 'merchant', '--csv')).stdout.trim().split('\n');
    expect(lines[0]!.split(',').slice(0, 5)).toEqual(['group', 'key', 'availability', 'availability.numerator', 'availability.denominator']);
    expect(lines.map((l) => l.split(',').slice(0, 5))).toEqual([
      lines[0]!.split(',').slice(0, 5), ['Noodle Bar', ids.m2, '0.958333', '230', '240'], ['Tea House', ids.m1, '0.985417', '473', '480'], ['total', 'fleet', '0.976389', '703', '720'],
    ]);
    const refused = await cli('--group-by', 'merchant', '--to', FROM).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('400');
  });

  it('refuses a bad period or grouping with a 400 naming the field', async () => {
    const admin = as('test-admin-token');
    for (const [query, field] of [
      [`from=yesterday&to=${TO}`, 'from'], [`from=2026-13-45T25:61:00Z&to=${TO}`, 'from'], [`from=${FROM}&to=275760-09-14T00:00:00.000Z`, 'to'], [`from=${TO}&to=${FROM}`, 'from'], [`from=${FROM}&to=${FROM}`, 'from'],
      [`from=2025-01-01T00:00:00.000Z&to=${TO}`, 'to'], [`from=${FROM}&to=${TO}&groupBy=planet`, 'groupBy'], [`from=${FROM}&to=${TO}&colour=red`, 'colour'],
    ] as const) {
      const res = await admin(`/api/v1/kpis?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'validation_error', field });
    }
  });
});
