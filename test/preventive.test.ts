// Preventive maintenance and work orders through the API: the seed's calendar as templates, plans whose
// due dates follow the site's environment (and say why), due tasks ordered as one work order per site
// visit, the lifecycle with its history, checklists and follow-ups, technicians who reach only their own
// work orders and terminals, checklist photos, failed inspections opening work orders, escalation, and spare parts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { as } from './support/http.ts';

const PASSWORD = 'correct horse 12 battery';
const DAY = 86_400_000;

interface WorkOrder {
  id: string; status: string; siteId: string; terminalIds: string[]; technicianId: string | null; parentId: string | null; source: string;
  inspectionId: string | null; minutesSpent: number; followUps: string[];
  signature: { name: string; signedAt: string } | null;
  checklist: { id: string; terminalId: string | null; required: boolean; result: string | null; text: { 'zh-CN': string; en: string }; photos: { id: string; url: string }[] }[];
  history: { from: string | null; to: string; by: string; at: string }[];
  parts: { partId: string; quantity: number }[];
}

describe.each(databases())('preventive maintenance and work orders on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-03-01T00:00:00.000Z');
  let n = 0;
  const unique = (prefix: string) => `${prefix}-PM${++n}`;

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-pm-')) }, () => now);
  });
  afterAll(() => t.close());

  async function technician(skills: string[] = ['hardware'], regions: string[] = []) {
    const user = await t.services.access.createUser({ email: `${unique('tech')}@pm.test`, name: unique('Technician'), role: 'technician', password: PASSWORD });
    const res = await t.api('POST', '/api/v1/technicians', { userId: user.id, skills, regions });
    expect(res.statusCode, res.body).toBe(201);
    const { token } = await t.services.access.createToken(user.id, { name: 'pm' });
    return { id: user.id, name: user.name, api: as(t, token) };
  }

  async function site(merchantId: string, environment: ('indoor' | 'outdoor' | 'dusty' | 'hot' | 'humid')[], code = unique('SH')) {
    return t.services.estate.createSite({ merchantId, code, name: unique('Site'), environment });
  }

  async function workOrder(siteId: string, terminalIds: string[], extra: Record<string, unknown> = {}): Promise<WorkOrder> {
    const res = await t.api('POST', '/api/v1/work-orders', {
      title: unique('Fix'), siteId, terminalIds, checklist: [{ text: { 'zh-CN': '检查打印机', en: 'Check the printer' } }, { text: { 'zh-CN': '清洁', en: 'Clean' }, required: false }], ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const templateId = async (code: string) => (await t.api('GET', '/api/v1/preventive/templates')).json<{ items: { id: string; code: string }[] }>().items.find((x) => x.code === code)!.id;

  it("ships the seed's calendar as templates in zh-CN and en, each task with its checklist and performer", async () => {
    const res = await t.api('GET', '/api/v1/preventive/templates');
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { code: string; intervalDays: number; builtin: boolean; name: { 'zh-CN': string; en: string }; tasks: { performer: string; checklist: { text: { 'zh-CN': string; en: string } }[] }[] }[] }>().items;
    const builtin = items.filter((x) => x.builtin);
    expect(builtin.map((x) => [x.code, x.intervalDays])).toEqual([['daily', 1], ['weekly', 7], ['monthly', 30], ['quarterly', 91], ['yearly', 365]]);
    for (const template of builtin) {
      expect(template.name['zh-CN']).toMatch(/\S/);
      expect(template.name.en).toMatch(/\S/);
      for (const task of template.tasks) {
        expect(task.checklist.length).toBeGreaterThan(0);
        for (const item of task.checklist) expect([item.text['zh-CN'], item.text.en].every((s) => s.trim().length > 0)).toBe(true);
      }
    }
    expect(new Set(builtin.flatMap((x) => x.tasks.map((task) => task.performer)))).toEqual(new Set(['merchant_staff', 'technician', 'remote']));
    expect(JSON.stringify(builtin.find((x) => x.code === 'daily'))).toContain('卡纸');
  });

  it('lets operators add and edit templates, refusing intervals ≤ 0 and taken codes', async () => {
    const body = {
      code: unique('outdoor-kiosk'), name: { 'zh-CN': '户外终端检查', en: 'Outdoor kiosk check' }, intervalDays: 14,
      tasks: [{ code: 'seal', name: { 'zh-CN': '防水检查', en: 'Weatherproofing' }, performer: 'technician', skill: 'hardware', checklist: [{ code: 'gasket', text: { 'zh-CN': '检查密封圈', en: 'Check the gasket' }, required: true }] }],
    };
    const created = await t.api('POST', '/api/v1/preventive/templates', body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: body.code, intervalDays: 14, builtin: false });
    expect((await t.api('POST', '/api/v1/preventive/templates', body)).statusCode).toBe(409);
    expect((await t.api('POST', '/api/v1/preventive/templates', { ...body, code: unique('zero'), intervalDays: 0 })).json().error).toMatchObject({ code: 'validation_error', field: 'intervalDays' });
    const patched = await t.api('PATCH', `/api/v1/preventive/templates/${created.json().id}`, { intervalDays: 10 });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().intervalDays).toBe(10);
    expect((await t.api('PATCH', '/api/v1/preventive/templates/no-such-template', { intervalDays: 10 })).statusCode).toBe(404);
  });

  describe('a plan over an indoor and an outdoor, dusty site', () => {
    let estate: Awaited<ReturnType<typeof buildEstate>>;
    let indoor: { id: string };
    let outdoor: { id: string };
    let planId: string;
    const terminals: Record<string, string[]> = {};

    beforeAll(async () => {
      now = new Date('2026-03-01T00:00:00.000Z');
      estate = await buildEstate(t);
      indoor = await site(estate.merchant.id, ['indoor']);
      outdoor = await site(estate.merchant.id, ['outdoor', 'dusty']);
      for (const s of [indoor, outdoor]) {
        terminals[s.id] = [];
        for (let i = 0; i < 2; i++) terminals[s.id]!.push((await t.services.estate.createTerminal({ serialNumber: unique('SN'), modelId: estate.model.id, siteId: s.id })).id);
      }
      const res = await t.api('POST', '/api/v1/preventive/plans', { name: 'Monthly care', templateIds: [await templateId('monthly')], filter: { merchantId: estate.merchant.id } });
      expect(res.statusCode, res.body).toBe(201);
      planId = res.json().id;
    });

    it('shortens the due dates of the outdoor, dusty site and says why', async () => {
      const plan = (await t.api('GET', `/api/v1/preventive/plans/${planId}`)).json<{ due: { terminalId: string; siteId: string; dueAt: string; effectiveDays: number; why: { factor: string; value: number }[] }[] }>();
      expect(plan.due).toHaveLength(4);
      for (const due of plan.due.filter((d) => d.siteId === indoor.id)) {
        expect(due.dueAt).toBe('2026-03-31T00:00:00.000Z');
        expect(due.why).toEqual([]);
      }
      for (const due of plan.due.filter((d) => d.siteId === outdoor.id)) {
        expect(due.effectiveDays).toBeCloseTo(30 * 0.8 * 0.7, 3); // 16.8 days
        expect(due.dueAt).toBe(new Date(now.getTime() + Math.round(16.8 * DAY)).toISOString());
        expect(due.why).toEqual([
          expect.objectContaining({ factor: 'environment:dusty', value: 0.7 }),
          expect.objectContaining({ factor: 'environment:outdoor', value: 0.8 }),
        ]);
      }
    });

    it('refuses an unknown template or a filter that matches nothing, creating no plan', async () => {
      const unknown = await t.api('POST', '/api/v1/preventive/plans', { name: 'x', templateIds: ['no-such-template'], filter: { siteId: indoor.id } });
      expect(unknown.json().error).toMatchObject({ code: 'validation_error', field: 'templateIds.0' });
      const nothing = await t.api('POST', '/api/v1/preventive/plans', { name: 'x', templateIds: [await templateId('monthly')], filter: { siteId: indoor.id, tag: 'no-such-tag' } });
      expect(nothing.statusCode).toBe(400);
    });

    it('orders the due tasks as one work order per site visit, once', async () => {
      now = new Date('2026-03-20T00:00:00.000Z'); // the outdoor site is due (17 March), the indoor one not yet
      const first = await t.api('POST', `/api/v1/preventive/plans/${planId}/work-orders`, {});
      expect(first.statusCode, first.body).toBe(201);
      const orders = first.json<{ items: WorkOrder[] }>().items;
      expect(orders.map((o) => o.siteId)).toEqual([outdoor.id]);
      expect([...orders[0]!.terminalIds].sort()).toEqual([...terminals[outdoor.id]!].sort());
      // The monthly template's technician task (thorough cleaning: 2 items) for each of the 2 terminals.
      expect(orders[0]!.checklist).toHaveLength(4);
      expect(orders[0]!.source).toBe('preventive');

      now = new Date('2026-04-01T00:00:00.000Z');
      const second = (await t.api('POST', `/api/v1/preventive/plans/${planId}/work-orders`, {})).json<{ items: WorkOrder[] }>().items;
      expect(second.map((o) => o.siteId)).toEqual([indoor.id]); // the outdoor tasks are already ordered
    });

    it('says why it ordered nothing more: tasks already ordered, not due yet, and sites no technician covers', async () => {
      const again = await t.api('POST', `/api/v1/preventive/plans/${planId}/work-orders`, {});
      expect(again.statusCode, again.body).toBe(201);
      const answer = again.json<{ items: unknown[]; tasksOrdered: number; skipped: { reason: string; tasks: number }[]; noTechnicianInRegion: unknown[] }>();
      expect(answer.items).toEqual([]);
      expect(answer.tasksOrdered).toBe(0);
      expect(answer.skipped.map((s) => s.reason)).toContain('already_ordered');
      expect(answer.skipped.find((s) => s.reason === 'already_ordered')!.tasks).toBeGreaterThanOrEqual(4);
      const sooner = (await t.api('POST', `/api/v1/preventive/plans/${planId}/work-orders`, { until: '2026-03-01T00:00:00.000Z' })).json<typeof answer>();
      expect(sooner.skipped.map((s) => s.reason)).toContain('not_due_yet');
    });

    it('moves a done task to its next due date from the last one (fixed schedule)', async () => {
      const order = (await t.api('GET', `/api/v1/work-orders?siteId=${outdoor.id}`)).json<{ items: { id: string }[] }>().items[0]!;
      const tech = await technician();
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: tech.id })).statusCode).toBe(200);
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'in_progress' })).statusCode).toBe(200);
      const full = (await tech.api('GET', `/api/v1/work-orders/${order.id}`)).json<WorkOrder>();
      const answered = await tech.api('POST', `/api/v1/work-orders/${order.id}/checklist`, { results: full.checklist.map((i) => ({ itemId: i.id, result: 'pass' })) });
      expect(answered.statusCode, answered.body).toBe(200);
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'done' })).statusCode).toBe(200);
      const plan = (await t.api('GET', `/api/v1/preventive/plans/${planId}`)).json<{ due: { siteId: string; dueAt: string; lastDueAt: string | null; lastDoneAt: string | null; workOrderId: string | null }[] }>();
      for (const due of plan.due.filter((d) => d.siteId === outdoor.id)) {
        const lastDue = new Date('2026-03-01T00:00:00.000Z').getTime() + Math.round(16.8 * DAY);
        expect(due).toMatchObject({ lastDueAt: new Date(lastDue).toISOString(), lastDoneAt: now.toISOString(), workOrderId: null });
        expect(due.dueAt).toBe(new Date(lastDue + Math.round(16.8 * DAY)).toISOString());
      }
    });
  });

  describe('a work order', () => {
    let estate: Awaited<ReturnType<typeof buildEstate>>;
    let terminalId: string;

    beforeAll(async () => {
      now = new Date('2026-05-01T00:00:00.000Z');
      estate = await buildEstate(t);
      terminalId = (await buildTerminal(t, estate)).id;
    });

    it('goes through its lifecycle with every change kept with who and when, and refuses impossible moves', async () => {
      const order = await workOrder(estate.site.id, [terminalId], { source: 'merchant_request' });
      expect(order).toMatchObject({ status: 'open', source: 'merchant_request', technicianId: null });
      const tech = await technician();
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'done' })).statusCode).toBe(409);
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: tech.id })).json().status).toBe('assigned');
      now = new Date(now.getTime() + 3_600_000);
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'in_progress' })).statusCode).toBe(200);
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'on_hold', note: 'waiting for a part' })).statusCode).toBe(200);
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'in_progress' })).statusCode).toBe(200);

      // Done needs every required checklist item answered: refused, nothing changes.
      const early = await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'done' });
      expect(early.statusCode).toBe(409);
      expect(early.json().error).toMatchObject({ code: 'conflict', field: 'checklist' });
      expect((await t.api('GET', `/api/v1/work-orders/${order.id}`)).json().status).toBe('in_progress');

      const required = order.checklist.find((i) => i.required)!;
      expect((await tech.api('POST', `/api/v1/work-orders/${order.id}/checklist`, { results: [{ itemId: required.id, result: 'pass', note: 'ok' }] })).statusCode).toBe(200);
      const done = await tech.api('POST', `/api/v1/work-orders/${order.id}/status`, {
        to: 'done', minutesSpent: 45, signature: { name: '王店长', image: 'data:image/png;base64,iVBORw0KGgo=' },
      });
      expect(done.statusCode, done.body).toBe(200);
      const final = done.json<WorkOrder>();
      expect(final).toMatchObject({ status: 'done', minutesSpent: 45, signature: { name: '王店长', signedAt: now.toISOString() } });
      expect(final.history.map((h) => [h.from, h.to, h.by])).toEqual([
        [null, 'open', 'admin'], ['open', 'assigned', 'admin'], ['assigned', 'in_progress', tech.name], ['in_progress', 'on_hold', tech.name],
        ['on_hold', 'in_progress', tech.name], ['in_progress', 'done', tech.name],
      ]);
      expect(final.history.at(-1)!.at).toBe(now.toISOString());
      const reopen = await t.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'open' });
      expect(reopen.statusCode).toBe(409);
      expect((await t.api('GET', `/api/v1/work-orders/${order.id}`)).json().status).toBe('done');
    });

    it('refuses unknown terminals, sites and technicians with a clear 400 and stores nothing', async () => {
      const before = (await t.api('GET', '/api/v1/work-orders?limit=1000')).json().items.length;
      const bad = await t.api('POST', '/api/v1/work-orders', { title: 'x', siteId: estate.site.id, terminalIds: [terminalId, 'no-such-terminal'] });
      expect(bad.json().error).toMatchObject({ code: 'validation_error', field: 'terminalIds.1' });
      expect((await t.api('POST', '/api/v1/work-orders', { title: 'x', siteId: 'no-such-site' })).json().error).toMatchObject({ code: 'validation_error', field: 'siteId' });
      expect((await t.api('GET', '/api/v1/work-orders?limit=1000')).json().items).toHaveLength(before);
      const order = await workOrder(estate.site.id, [terminalId]);
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: 'no-such-technician' })).json().error).toMatchObject({ field: 'technicianId' });
      expect((await t.api('GET', `/api/v1/work-orders/${order.id}`)).json()).toMatchObject({ status: 'open', technicianId: null });
    });

    it('opens a follow-up work order for a failed checklist item', async () => {
      const order = await workOrder(estate.site.id, [terminalId]);
      const item = order.checklist[0]!;
      const res = await t.api('POST', `/api/v1/work-orders/${order.id}/checklist`, { results: [{ itemId: item.id, result: 'fail', note: 'print head worn', followUp: true }] });
      expect(res.statusCode, res.body).toBe(200);
      const updated = res.json<WorkOrder>();
      expect(updated.checklist[0]).toMatchObject({ result: 'fail' });
      expect(updated.followUps).toHaveLength(1);
      const followUp = (await t.api('GET', `/api/v1/work-orders/${updated.followUps[0]}`)).json<WorkOrder>();
      expect(followUp).toMatchObject({ source: 'follow_up', parentId: order.id, siteId: estate.site.id, status: 'open' });
      expect(followUp.checklist[0]!.text.en).toBe('Fix: Check the printer');
      // Only a failed item opens one; an unknown item is refused.
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/checklist`, { results: [{ itemId: item.id, result: 'pass', followUp: true }] })).statusCode).toBe(400);
      expect((await t.api('POST', `/api/v1/work-orders/${order.id}/checklist`, { results: [{ itemId: 'no-such-item', result: 'pass' }] })).statusCode).toBe(400);
    });

    it('lets a technician see only their own work orders and terminals, and not close anyone else\'s', async () => {
      const other = await buildTerminal(t, estate);
      const mine = await workOrder(estate.site.id, [terminalId]);
      const theirs = await workOrder(estate.site.id, [other.id]);
      const me = await technician();
      const colleague = await technician();
      await t.api('POST', `/api/v1/work-orders/${mine.id}/assign`, { technicianId: me.id });
      await t.api('POST', `/api/v1/work-orders/${theirs.id}/assign`, { technicianId: colleague.id });

      expect((await me.api('GET', '/api/v1/work-orders')).json().items.map((o: { id: string }) => o.id)).toEqual([mine.id]);
      // A terminal's page lists the work orders naming it; a technician still only their own.
      expect((await t.api('GET', `/api/v1/work-orders?terminalId=${other.id}`)).json().items.map((o: { id: string }) => o.id)).toEqual([theirs.id]);
      expect((await me.api('GET', `/api/v1/work-orders?terminalId=${other.id}`)).json().items).toEqual([]);
      expect((await me.api('GET', `/api/v1/work-orders/${theirs.id}`)).statusCode).toBe(404);
      expect((await me.api('GET', `/api/v1/terminals/${other.id}`)).statusCode).toBe(404);
      expect((await me.api('GET', `/api/v1/terminals/${terminalId}`)).statusCode).toBe(200);
      expect((await me.api('GET', '/api/v1/terminals')).json().items.map((x: { id: string }) => x.id)).toEqual([terminalId]);
      for (const [url, body] of [
        [`/api/v1/work-orders/${theirs.id}/status`, { to: 'in_progress' }],
        [`/api/v1/work-orders/${theirs.id}/checklist`, { results: [{ itemId: theirs.checklist[0]!.id, result: 'pass' }] }],
      ] as const) expect((await me.api('POST', url, body)).statusCode, url).toBe(404);
      expect((await t.api('GET', `/api/v1/work-orders/${theirs.id}`)).json()).toMatchObject({ status: 'assigned', checklist: [expect.objectContaining({ result: null }), expect.anything()] });
      // Their own: they work on it, but cancelling stays with operators.
      expect((await me.api('POST', `/api/v1/work-orders/${mine.id}/status`, { to: 'cancelled' })).statusCode).toBe(403);
      expect((await me.api('POST', '/api/v1/work-orders', { title: 'x', siteId: estate.site.id })).statusCode).toBe(403);
    });

    it('keeps photos taken at checklist items, only on the technician\'s own open work orders', async () => {
      const order = await workOrder(estate.site.id, [terminalId]);
      const me = await technician();
      const colleague = await technician();
      await t.api('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: me.id });
      const item = order.checklist[0]!;
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);
      const url = `/api/v1/work-orders/${order.id}/checklist/${item.id}/photos`;
      const added = await me.api('POST', url, { photo: { contentType: 'image/png', dataBase64: png.toString('base64') } });
      expect(added.statusCode, added.body).toBe(201);
      const photo = added.json<{ id: string; url: string; sha256: string; takenBy: string }>();
      expect(photo).toMatchObject({ sha256: createHash('sha256').update(png).digest('hex'), takenBy: me.name });
      const read = await me.api('GET', photo.url);
      expect(read.headers['content-type']).toBe('image/png');
      expect(read.rawPayload.equals(png)).toBe(true);
      expect((await me.api('GET', `/api/v1/work-orders/${order.id}`)).json<WorkOrder>().checklist[0]).toMatchObject({ photos: [{ id: photo.id, url: photo.url }] });

      // Someone else's work order does not exist for them; a PNG labelled JPEG or a non-image is refused by field.
      expect((await colleague.api('POST', url, { photo: { contentType: 'image/png', dataBase64: png.toString('base64') } })).statusCode).toBe(404);
      expect((await colleague.api('GET', photo.url)).statusCode).toBe(404);
      expect((await me.api('POST', url, { photo: { contentType: 'image/jpeg', dataBase64: png.toString('base64') } })).json().error).toMatchObject({ field: 'photo.contentType' });
      expect((await me.api('POST', url, { photo: { contentType: 'image/png', dataBase64: Buffer.from('not an image').toString('base64') } })).json().error)
        .toMatchObject({ field: 'photo.dataBase64' });
      expect((await me.api('POST', `/api/v1/work-orders/${order.id}/checklist/no-such-item/photos`, { photo: { contentType: 'image/png', dataBase64: png.toString('base64') } })).statusCode).toBe(404);
      await t.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'cancelled' });
      expect((await me.api('POST', url, { photo: { contentType: 'image/png', dataBase64: png.toString('base64') } })).statusCode).toBe(409);
      expect((await t.api('GET', `/api/v1/work-orders/${order.id}`)).json<WorkOrder>().checklist[0]!.photos).toHaveLength(1);
    });

    it('suggests technicians by region, skill and load', async () => {
      const regional = await site(estate.merchant.id, ['indoor'], unique('GZ'));
      const order = await workOrder(regional.id, [], { requiredSkill: 'printer' });
      const near = await technician(['printer'], ['GZ']);
      const far = await technician(['printer'], ['BJ']);
      const items = (await t.api('GET', `/api/v1/work-orders/${order.id}/suggestions`)).json<{ items: { technicianId: string }[] }>().items.map((s) => s.technicianId);
      expect(items.indexOf(near.id)).toBeLessThan(items.indexOf(far.id));
      expect(items[0]).toBe(near.id);
    });
  });

  it('opens a work order when a device inspection fails', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const res = await t.api('POST', `/api/v1/terminals/${terminal.id}/inspections`, { outcome: 'fail', serialMatches: true, sealIntact: false, tamperSigns: ['broken seal'], notes: 'seal torn' });
    expect(res.statusCode, res.body).toBe(201);
    const list = (await t.api('GET', `/api/v1/work-orders?siteId=${estate.site.id}`)).json<{ items: { id: string }[] }>().items;
    expect(list).toHaveLength(1);
    const order = (await t.api('GET', `/api/v1/work-orders/${list[0]!.id}`)).json<WorkOrder>();
    expect(order).toMatchObject({ source: 'inspection', inspectionId: res.json().id, terminalIds: [terminal.id], status: 'open' });
    // A passed inspection opens none.
    await t.api('POST', `/api/v1/terminals/${terminal.id}/inspections`, { outcome: 'pass', serialMatches: true, sealIntact: true, tamperSigns: [] });
    expect((await t.api('GET', `/api/v1/work-orders?siteId=${estate.site.id}`)).json().items).toHaveLength(1);
  });

  it('tells the merchant when a work order is due, overdue and past its SLA, each once', async () => {
    now = new Date('2026-06-01T00:00:00.000Z');
    const estate = await buildEstate(t);
    await t.services.notificationChannels.createChannel({ merchantId: estate.merchant.id, kind: 'email', name: 'shop', address: 'shop@example.com' });
    const order = await workOrder(estate.site.id, [], { dueAt: '2026-06-01T12:00:00.000Z' });
    const events = async () => (await t.services.db.kysely.selectFrom('notification_deliveries').select(['event', 'subject'])
      .where('merchant_id', '=', estate.merchant.id).orderBy('created_at').orderBy('id').execute());

    await t.services.workOrders.escalate();
    expect((await events()).map((e) => e.event)).toEqual(['workorder.due']);
    now = new Date('2026-06-02T00:00:00.000Z');
    await t.services.workOrders.escalate();
    await t.services.workOrders.escalate();
    expect((await events()).map((e) => e.event)).toEqual(['workorder.due', 'workorder.overdue']);
    now = new Date('2026-06-04T00:00:00.000Z'); // 48 h after it was due
    await t.services.workOrders.escalate();
    const told = await events();
    expect(told.map((e) => e.event)).toEqual(['workorder.due', 'workorder.overdue', 'workorder.escalated']);
    expect(told[2]!.subject).toContain('工单升级'); // the merchant's language (zh-CN)
    // Done: nothing more is said.
    await t.api('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'cancelled' });
    now = new Date('2026-06-10T00:00:00.000Z');
    await t.services.workOrders.escalate();
    expect(await events()).toHaveLength(3);
  });

  it('takes spare parts out of stock for a work order and refuses to go below zero', async () => {
    const estate = await buildEstate(t);
    const order = await workOrder(estate.site.id, []);
    const part = await t.api('POST', '/api/v1/spare-parts', { depot: 'Shanghai', sku: unique('HEAD'), name: 'Printer head', quantity: 3, minimum: 2 });
    expect(part.statusCode, part.body).toBe(201);
    const partId = part.json().id as string;
    const used = await t.api('POST', `/api/v1/work-orders/${order.id}/parts`, { partId, quantity: 2 });
    expect(used.statusCode, used.body).toBe(200);
    expect(used.json().parts).toEqual([expect.objectContaining({ partId, quantity: 2, by: 'admin' })]);
    const stock = async () => (await t.api('GET', '/api/v1/spare-parts')).json<{ items: { id: string; quantity: number; belowMinimum: boolean }[] }>().items.find((p) => p.id === partId);
    expect(await stock()).toMatchObject({ quantity: 1, belowMinimum: true });

    const refused = await t.api('POST', `/api/v1/work-orders/${order.id}/parts`, { partId, quantity: 2 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', details: { inStock: 1 } });
    expect(await stock()).toMatchObject({ quantity: 1 });
    expect((await t.api('GET', `/api/v1/work-orders/${order.id}`)).json().parts).toHaveLength(1);
    expect((await t.api('POST', '/api/v1/spare-parts', { depot: 'Shanghai', sku: 'X', name: 'x', quantity: -1 })).statusCode).toBe(400);
  });
});
