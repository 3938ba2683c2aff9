// The dashboard's preventive lists and merchants' requests through the API: plans newest first with
// what is overdue, due within a week and ordered; due tasks across plans in due order with who does
// them and why, paged, and scoped like the estate; wear meters from heartbeats (receipts, card
// insertions, battery cycles) shortening exactly the tasks they wear; merchant users filing requests
// for their own sites only, which operators then see and triage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { as } from './support/http.ts';
import { poll } from './support/server.ts';

const PASSWORD = 'correct horse 12 battery';
const DAY = 86_400_000;

interface DueItem {
  terminalId: string; siteId: string | null; templateCode: string; dueAt: string; serialNumber: string; siteName: string | null;
  templateName: { 'zh-CN': string; en: string }; performer: string; workOrderId: string | null; effectiveDays: number; baseDays: number;
  why: { factor: string; value: number; reason: string }[];
}
interface PlanSummary { id: string; name: string; tasks: number; overdue: number; dueWithin7Days: number; ordered: number; schedule: string; templateIds: string[] }

describe.each(databases())('preventive lists and merchant requests on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-06-01T00:00:00.000Z');
  let n = 0;
  const unique = (prefix: string) => `${prefix}-PL${++n}`;

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
  });
  afterAll(() => t.close());

  async function user(role: 'merchant' | 'technician' | 'support', merchantId?: string) {
    const u = await t.services.access.createUser({ email: `${unique(role)}@pl.test`, name: unique(role), role, password: PASSWORD, ...(merchantId && { merchantId }) });
    return { id: u.id, api: as(t, (await t.services.access.createToken(u.id, { name: 'pl' })).token) };
  }
  const templateId = async (code: string) => (await t.services.preventive.findTemplateByCode(code))!.id;
  async function plan(body: Record<string, unknown>): Promise<{ id: string; due: DueItem[] }> {
    const res = await t.api('POST', '/api/v1/preventive/plans', { name: unique('Plan'), ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  async function dueList(query: string, call = t.api): Promise<DueItem[]> {
    const items: DueItem[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await call('GET', `/api/v1/preventive/due?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ items: DueItem[]; nextCursor: string | null }>();
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) return items;
    }
    throw new Error('more than 50 pages');
  }

  describe('plans and due tasks', () => {
    let a: Awaited<ReturnType<typeof buildEstate>>;
    let b: Awaited<ReturnType<typeof buildEstate>>;
    const terminals: { id: string; serialNumber: string }[] = [];
    let old: { id: string; due: DueItem[] };
    let fresh: { id: string; due: DueItem[] };

    beforeAll(async () => {
      a = await buildEstate(t);
      b = await buildEstate(t);
      for (let i = 0; i < 3; i++) terminals.push(await buildTerminal(t, a));
      terminals.push(await buildTerminal(t, b));
      // Started 40 days ago: the daily and weekly tasks are overdue; a fresh plan's are due within the week.
      old = await plan({ templateIds: [await templateId('daily'), await templateId('weekly'), await templateId('quarterly')], filter: { merchantId: a.merchant.id }, startAt: new Date(now.getTime() - 40 * DAY).toISOString() });
      now = new Date(now.getTime() + 1000);
      fresh = await plan({ templateIds: [await templateId('weekly'), await templateId('yearly')], filter: {}, schedule: 'floating' });
    });

    it('lists plans newest first with their tasks counted as overdue, due within 7 days and ordered', async () => {
      const ordered = await t.api('POST', `/api/v1/preventive/plans/${old.id}/work-orders`, { until: new Date(now.getTime() + 60 * DAY).toISOString() });
      expect(ordered.statusCode, ordered.body).toBe(201);
      const res = await t.api('GET', '/api/v1/preventive/plans');
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: PlanSummary[] }>().items;
      expect(items.map((p) => p.id)).toEqual([fresh.id, old.id]);
      // Old plan: 3 terminals × (daily, weekly, quarterly); the quarterly visit was ordered, daily and weekly stay overdue.
      expect(items[1]).toMatchObject({ tasks: 9, overdue: 6, dueWithin7Days: 0, ordered: 3, templateIds: [await templateId('daily'), await templateId('weekly'), await templateId('quarterly')] });
      // Fresh plan over the whole fleet (4 terminals here): weekly due in 7 days (not within), yearly in a year.
      expect(items[0]).toMatchObject({ tasks: 8, overdue: 0, ordered: 0, schedule: 'floating' });
      now = new Date(now.getTime() + 2 * DAY);
      const later = (await t.api('GET', '/api/v1/preventive/plans')).json<{ items: PlanSummary[] }>().items;
      expect(later[0]).toMatchObject({ overdue: 0, dueWithin7Days: terminals.length });
      expect((await t.api('GET', `/api/v1/preventive/plans/${old.id}`)).statusCode).toBe(200);
    });

    it('lists due tasks by due date then id, with serial number, site, template name and performer, the same in pages as at once', async () => {
      const all = await dueList('limit=1000');
      expect(all.length).toBe(17);
      const keys = all.map((x) => x.dueAt);
      expect(keys).toEqual([...keys].sort());
      const paged = await dueList('limit=2');
      expect(paged).toEqual(all);
      const daily = all.find((x) => x.templateCode === 'daily')!;
      const serial = terminals.find((x) => x.id === daily.terminalId)!.serialNumber;
      expect(daily).toMatchObject({ serialNumber: serial, siteId: a.site.id, siteName: a.site.name, templateName: { 'zh-CN': '日常保养', en: 'Daily care' }, performer: 'merchant' });
      expect(all.find((x) => x.templateCode === 'weekly')!.performer).toBe('remote');
      expect(all.find((x) => x.templateCode === 'quarterly')).toMatchObject({ performer: 'technician', workOrderId: expect.any(String) });
      expect(new Set(all.map((x) => x.performer))).toEqual(new Set(['merchant', 'remote', 'technician']));
    });

    it('filters due tasks by plan, site, terminal and due before a time', async () => {
      expect((await dueList(`planId=${fresh.id}`)).length).toBe(8);
      expect((await dueList(`siteId=${b.site.id}`)).map((x) => x.terminalId)).toEqual([terminals[3]!.id, terminals[3]!.id]);
      expect(new Set((await dueList(`terminalId=${terminals[0]!.id}`)).map((x) => x.templateCode))).toEqual(new Set(['daily', 'weekly', 'quarterly', 'yearly']));
      const before = await dueList(`before=${encodeURIComponent(now.toISOString())}`);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((x) => x.dueAt < now.toISOString())).toBe(true);
    });

    it("shows merchant users their own terminals' due tasks and technicians those of their work orders only", async () => {
      // Merchant users hold no work-order permission; were one given it, the query keeps them to their own terminals.
      const merchantB = await user('merchant', b.merchant.id);
      expect((await merchantB.api('GET', '/api/v1/preventive/due')).statusCode).toBe(403);
      const ofB = await t.services.planLists.due({ limit: 1000 }, { kind: 'merchant', merchantId: b.merchant.id });
      expect(new Set(ofB.items.map((x) => x.terminalId))).toEqual(new Set([terminals[3]!.id]));
      const technician = await user('technician');
      await t.services.technicians.createTechnician({ userId: technician.id, skills: ['hardware'], regions: [] });
      expect(await dueList('limit=1000', technician.api)).toEqual([]);
      const order = await t.services.workOrders.createWorkOrder({ title: 'Fix', siteId: a.site.id, terminalIds: [terminals[1]!.id] }, { id: null, name: 'test', scope: { kind: 'fleet' } });
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: technician.id })).statusCode).toBe(200);
      expect(new Set((await dueList('limit=1000', technician.api)).map((x) => x.terminalId))).toEqual(new Set([terminals[1]!.id]));
    });

    it('refuses a cursor it did not hand out and a malformed time with a 400 naming the field', async () => {
      for (const [query, field] of [['cursor=bm90LWEtY3Vyc29y', 'cursor'], ['cursor=!!', 'cursor'], ['before=yesterday', 'before'], ['limit=0', 'limit']] as const) {
        const res = await t.api('GET', `/api/v1/preventive/due?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(res.json<{ error: { field?: string; message: string } }>().error.field ?? res.json<{ error: { message: string } }>().error.message, query).toContain(field);
      }
    });
  });

  it('shortens printer, card-reader and battery tasks of a heavily used terminal, and says by which meter', async () => {
    const estate = await buildEstate(t);
    const heavy = await buildTerminal(t, estate);
    const light = await buildTerminal(t, estate);
    for (const [terminal, receipts, taps, cycles] of [[heavy, 400, 300, 2], [light, 5, 3, 0]] as const) {
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      for (let seq = 1; seq <= 7; seq++) {
        const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq, {
          printer: { paper: 'ok', jam: false, coverOpen: false, receipts },
          cardReader: { chip: { attempts: taps, failures: 0 } },
          battery: { percent: 60, health: 90, charging: false, cycleCount: 100 + seq * cycles },
          transactions: { count: 100, amountMinor: 1000, currency: 'CNY' },
        }));
        expect(res.statusCode, res.body).toBe(200);
      }
    }
    const made = await plan({ templateIds: [await templateId('quarterly'), await templateId('weekly')], filter: { siteId: estate.site.id } });
    const of = (terminalId: string, code: string) => made.due.find((x) => x.terminalId === terminalId && x.templateCode === code)!;
    // 7 heartbeats over the 7-day window: 400 receipts/day, 300 taps/day, 12 cycles / 7 days ≈ 1.7/day.
    expect(of(heavy.id, 'quarterly').why.map((w) => w.factor)).toEqual(['meter:receipts', 'meter:cardInsertions', 'meter:batteryCycles']);
    expect(of(heavy.id, 'quarterly').why[0]!.reason).toBe('printer tasks: 400 receipts printed/day ≥ 300');
    expect(of(heavy.id, 'quarterly').effectiveDays).toBeCloseTo(91 * 0.8 * 0.8 * 0.75, 3);
    expect(of(light.id, 'quarterly')).toMatchObject({ effectiveDays: 91, why: [] });
    // The weekly remote check wears nothing these meters measure.
    expect(of(heavy.id, 'weekly')).toMatchObject({ effectiveDays: 7, why: [] });

    const custom = await plan({
      templateIds: [await templateId('quarterly')], filter: { siteId: estate.site.id },
      factors: {
        usage: { high: { transactionsPerDay: 1000, factor: 0.75 }, low: { transactionsPerDay: 1, factor: 1.25 } }, environment: {}, minimumShare: 0.1,
        meters: { batteryCycles: { perDay: 0.5, factor: 0.5, itemCodes: ['battery'] } },
      },
    });
    expect(custom.due.find((x) => x.terminalId === heavy.id)!.why.map((w) => [w.factor, w.value])).toEqual([['meter:receipts', 0.8], ['meter:cardInsertions', 0.8], ['meter:batteryCycles', 0.5]]);
    const refused = await t.api('POST', '/api/v1/preventive/plans', {
      name: 'bad', templateIds: [await templateId('quarterly')], filter: {},
      factors: { usage: { high: { transactionsPerDay: 1, factor: 1 }, low: { transactionsPerDay: 1, factor: 1 } }, environment: {}, minimumShare: 0.5, meters: { receipts: { perDay: 10, factor: 0, itemCodes: ['x'] } } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { field: string } }>().error.field).toBe('factors.meters.receipts.factor');
  });

  it('makes a battery past its cycle limit a replacement due now, not an incident; a battery that fails still opens one', async () => {
    const estate = await buildEstate(t);
    const worn = await buildTerminal(t, estate);
    const failing = await buildTerminal(t, estate);
    const made = await plan({ templateIds: [await templateId('quarterly'), await templateId('weekly')], filter: { siteId: estate.site.id } });
    const quarterly = made.due.find((x) => x.terminalId === worn.id && x.templateCode === 'quarterly')!;
    expect(Date.parse(quarterly.dueAt)).toBeGreaterThan(now.getTime() + 80 * DAY);
    // 900 charge cycles (the limit is 800), yet it holds its charge; the other battery no longer does (health 40 %).
    for (const [terminal, battery] of [
      [worn, { percent: 85, health: 90, charging: false, cycleCount: 900 }],
      [failing, { percent: 85, health: 40, charging: false, cycleCount: 300 }],
    ] as const) {
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      for (let seq = 1; seq <= 4; seq++) {
        const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq, { sentAt: now.toISOString(), battery }));
        expect(res.statusCode, res.body).toBe(200);
      }
    }
    const incidents = async (terminalId: string) =>
      (await t.api('GET', `/api/v1/incidents?terminalId=${terminalId}&status=unresolved&limit=100`)).json<{ items: { rule: string }[] }>().items.map((i) => i.rule);
    // The failing battery hurts service: an operator incident.
    expect(await poll(async () => ((await incidents(failing.id)).includes('battery_health_low') ? true : undefined), 20_000, 'the failing battery\'s incident')).toBe(true);
    // The worn one is planned work: its quarterly task (which replaces worn parts and the battery) is due now, saying why.
    const due = await poll(async () => {
      const item = (await dueList(`planId=${made.id}&terminalId=${worn.id}`)).find((x) => x.templateCode === 'quarterly');
      return item && Date.parse(item.dueAt) <= now.getTime() ? item : undefined;
    }, 20_000, 'the battery replacement due');
    expect(due.why.at(-1)).toMatchObject({ factor: 'part:battery', reason: 'battery past its cycle limit: 900 cycles, more than 800: replace it' });
    // Only the task that replaces the battery: the weekly check stays as it was.
    const weekly = (await dueList(`planId=${made.id}&terminalId=${worn.id}`)).find((x) => x.templateCode === 'weekly')!;
    expect(weekly).toMatchObject({ dueAt: made.due.find((x) => x.terminalId === worn.id && x.templateCode === 'weekly')!.dueAt, why: [] });
    expect(await incidents(worn.id)).toEqual([]);
  });

  it("works a task's interval out again with today's meters when a technician's visit completes it", async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const made = await plan({ templateIds: [await templateId('quarterly')], filter: { siteId: estate.site.id }, startAt: new Date(now.getTime() - 100 * DAY).toISOString() });
    expect(made.due[0]).toMatchObject({ effectiveDays: 91, why: [] });
    // Since the plan was made the terminal became busy: 500 receipts, 300 card reads, 2 battery cycles a day.
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    for (let seq = 1; seq <= 7; seq++) {
      await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq, {
        printer: { paper: 'ok', jam: false, coverOpen: false, receipts: 500 }, cardReader: { swipe: { attempts: 300, failures: 0 } },
        battery: { percent: 60, health: 90, charging: false, cycleCount: 200 + 2 * seq }, transactions: { count: 100, amountMinor: 1000, currency: 'CNY' },
      }));
    }
    const [order] = (await t.api('POST', `/api/v1/preventive/plans/${made.id}/work-orders`, {})).json<{ items: { id: string; checklist: { id: string }[] }[] }>().items;
    const tech = await user('technician');
    await t.services.technicians.createTechnician({ userId: tech.id, skills: ['hardware'], regions: [] });
    expect((await t.api('POST', `/api/v1/work-orders/${order!.id}/assign`, { technicianId: tech.id })).statusCode).toBe(200);
    expect((await tech.api('POST', `/api/v1/work-orders/${order!.id}/status`, { to: 'in_progress' })).statusCode).toBe(200);
    expect((await tech.api('POST', `/api/v1/work-orders/${order!.id}/checklist`, { results: order!.checklist.map((i) => ({ itemId: i.id, result: 'pass' })) })).statusCode).toBe(200);
    const done = await tech.api('POST', `/api/v1/work-orders/${order!.id}/status`, { to: 'done' });
    expect(done.statusCode, done.body).toBe(200);
    const [task] = await dueList(`planId=${made.id}`);
    const days = 91 * 0.8 * 0.8 * 0.75;
    expect(task).toMatchObject({ lastDueAt: made.due[0]!.dueAt, effectiveDays: Number(days.toFixed(3)) });
    expect(Date.parse(task!.dueAt)).toBe(Date.parse(made.due[0]!.dueAt) + Math.round(days * DAY));
    expect(task!.why.map((w) => w.factor)).toEqual(['meter:receipts', 'meter:cardInsertions', 'meter:batteryCycles']);
  });

  describe("merchants' requests", () => {
    let a: Awaited<ReturnType<typeof buildEstate>>;
    let b: Awaited<ReturnType<typeof buildEstate>>;
    let terminalA: { id: string };
    let terminalB: { id: string };
    let merchantA: Awaited<ReturnType<typeof user>>;
    const requests = async () => (await t.api('GET', '/api/v1/work-orders?source=merchant_request')).json<{ items: { id: string }[] }>().items;

    beforeAll(async () => {
      a = await buildEstate(t);
      b = await buildEstate(t);
      terminalA = await buildTerminal(t, a);
      terminalB = await buildTerminal(t, b);
      merchantA = await user('merchant', a.merchant.id);
    });

    it('lets a merchant user file a request for their own terminal, which operators see and triage', async () => {
      const res = await merchantA.api('POST', '/api/v1/work-orders/requests', { title: '打印机卡纸', siteId: a.site.id, terminalIds: [terminalA.id], note: 'jams every morning' });
      expect(res.statusCode, res.body).toBe(201);
      const request = res.json<{ id: string; source: string; status: string; terminalIds: string[]; note: string; createdBy: string }>();
      expect(request).toMatchObject({ source: 'merchant_request', status: 'open', terminalIds: [terminalA.id], note: 'jams every morning' });
      expect((await requests()).map((r) => r.id)).toContain(request.id);
      expect((await merchantA.api('GET', '/api/v1/work-orders/requests')).json<{ items: { id: string }[] }>().items.map((r) => r.id)).toEqual([request.id]);
      const merchantB = await user('merchant', b.merchant.id);
      expect((await merchantB.api('GET', '/api/v1/work-orders/requests')).json<{ items: unknown[] }>().items).toEqual([]);
      // Merchant users still reach no work order through the operators' routes.
      expect((await merchantA.api('GET', `/api/v1/work-orders/${request.id}`)).statusCode).toBe(403);

      const technician = await user('technician');
      await t.services.technicians.createTechnician({ userId: technician.id, skills: [], regions: [] });
      const assigned = await t.api('POST', `/api/v1/work-orders/${request.id}/assign`, { technicianId: technician.id });
      expect(assigned.json()).toMatchObject({ status: 'assigned', technicianId: technician.id });
      expect((await merchantA.api('GET', '/api/v1/work-orders/requests')).json<{ items: { status: string }[] }>().items[0]!.status).toBe('assigned');
    });

    it("refuses a request for another merchant's site or terminal as if it did not exist, creating nothing", async () => {
      const before = await requests();
      const foreignSite = await merchantA.api('POST', '/api/v1/work-orders/requests', { title: 'Take over', siteId: b.site.id });
      const missingSite = await merchantA.api('POST', '/api/v1/work-orders/requests', { title: 'Take over', siteId: 'no-such-site' });
      expect(foreignSite.statusCode).toBe(404);
      expect(foreignSite.body.replaceAll(b.site.id, '<id>')).toBe(missingSite.body.replaceAll('no-such-site', '<id>'));
      const foreignTerminal = await merchantA.api('POST', '/api/v1/work-orders/requests', { title: 'Take over', siteId: a.site.id, terminalIds: [terminalB.id] });
      expect(foreignTerminal.statusCode).toBe(404);
      const elsewhere = await t.api('POST', '/api/v1/work-orders/requests', { title: 'Wrong site', siteId: a.site.id, terminalIds: [terminalB.id] });
      expect(elsewhere.statusCode).toBe(400);
      expect(elsewhere.json<{ error: { field: string } }>().error.field).toBe('terminalIds.0');
      const technician = await user('technician');
      expect((await technician.api('POST', '/api/v1/work-orders/requests', { title: 'Not mine', siteId: a.site.id })).statusCode).toBe(403);
      expect(await requests()).toEqual(before);
    });
  });
});
