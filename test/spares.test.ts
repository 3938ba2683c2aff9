// Spares and backup terminals through the API, on every database of the matrix: stock per depot whose
// ledger and level agree after restock, consumption, transfer and count; the last unit sold once when
// two work orders race for it; operators told once per shortage (a real webhook receiver on loopback);
// a swap that puts a spare in the faulty terminal's place and the faulty one's chain of custody back to
// the pool; impossible steps refused with nothing changed; merchant-restored time of on-site repairs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balances } from '../src/spares/stock.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, runAllDueJobs, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { as, ok as answer } from './support/http.ts';

const PASSWORD = 'correct horse 12 battery';

interface Part { id: string; depot: string; sku: string; quantity: number; minimum: number; belowMinimum: boolean; lowSince: string | null }
interface Entry { partId: string; depot: string; kind: string; quantity: number; balance: number; reason: string | null; by: string; at: string; workOrderId: string | null; transferId: string | null }
interface Custody { id: string; terminalId: string; state: string; next: string[]; poolId: string | null; closedAt: string | null; steps: { from: string | null; to: string; by: string; at: string; note: string | null }[]; swap: { restoredAt: string | null } | null }

/** A webhook receiver on loopback that keeps every body it is sent and answers 200. */
async function startReceiver() {
  const bodies: { event: string; message: { subject: string; text: string }; data: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/stock`,
    bodies,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe.each(databases())('spares and backup terminals on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T08:00:00.000Z');
  let n = 0;
  const unique = (prefix: string) => `${prefix}-SP${++n}`;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(await kind.fresh(), { WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' }, () => now); // the webhook receiver is on loopback
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const ok = <T>(method: string, url: string, body?: unknown, status = 200) => answer<T>(t.api(method, url, body), status);

  async function depot(region = 'SH') {
    return ok<{ id: string; code: string }>('POST', '/api/v1/depots', { code: unique(`${region}-DEPOT`), name: unique('Depot'), region }, 201);
  }
  const part = (depotCode: string, quantity: number, minimum = 0) =>
    ok<Part>('POST', '/api/v1/spare-parts', { depot: depotCode, sku: unique('HEAD'), name: 'Printer head', quantity, minimum }, 201);
  const stockOf = async (id: string) => (await ok<{ items: Part[] }>('GET', '/api/v1/spare-parts')).items.find((p) => p.id === id)!;
  const ledgerOf = async (query: string) => (await ok<{ items: Entry[] }>('GET', `/api/v1/stock-ledger?${query}`)).items;
  async function workOrder(siteId: string, terminalIds: string[] = []) {
    return ok<{ id: string }>('POST', '/api/v1/work-orders', { title: unique('Repair'), siteId, terminalIds, source: 'merchant_request' }, 201);
  }
  async function technician() {
    const user = await t.services.access.createUser({ email: `${unique('tech')}@spares.test`, name: unique('Technician'), role: 'technician', password: PASSWORD });
    await ok('POST', '/api/v1/technicians', { userId: user.id, skills: ['hardware'], regions: [] }, 201);
    return { id: user.id, name: user.name, api: as(t, (await t.services.access.createToken(user.id, { name: 'spares' })).token) };
  }
  const runJobs = (app: TestApp = t) => runAllDueJobs(app);

  it('keeps the ledger and the level right through restock, consumption, transfer and count', async () => {
    const [shanghai, beijing] = [await depot('SH'), await depot('BJ')];
    const estate = await buildEstate(t);
    const order = await workOrder(estate.site.id);
    const head = await part(shanghai.code, 10, 2);

    expect(await ok<Part>('POST', `/api/v1/spare-parts/${head.id}/restock`, { quantity: 5, reason: 'delivery note 7781' })).toMatchObject({ quantity: 15 });
    const used = await ok<{ parts: { partId: string; quantity: number }[] }>('POST', `/api/v1/work-orders/${order.id}/parts`, { partId: head.id, quantity: 4 });
    expect(used.parts).toEqual([expect.objectContaining({ partId: head.id, quantity: 4 })]);
    const moved = await ok<{ transferId: string; from: Part; to: Part }>('POST', '/api/v1/stock-transfers', { partId: head.id, toDepot: beijing.code, quantity: 6, reason: 'Beijing ran dry' }, 201);
    expect(moved.from).toMatchObject({ id: head.id, quantity: 5 });
    expect(moved.to).toMatchObject({ depot: beijing.code, sku: head.sku, quantity: 6 });
    expect(await ok<Part>('POST', `/api/v1/spare-parts/${head.id}/counts`, { counted: 4, reason: 'one head cracked in the box' })).toMatchObject({ quantity: 4, belowMinimum: false });

    const ledger = (await ledgerOf(`partId=${head.id}`)).reverse(); // oldest first
    expect(ledger.map((e) => [e.kind, e.quantity, e.balance, e.reason])).toEqual([
      ['receipt', 10, 10, 'opening stock'],
      ['receipt', 5, 15, 'delivery note 7781'],
      ['consumption', -4, 11, null],
      ['transfer_out', -6, 5, 'Beijing ran dry'],
      ['adjustment', -1, 4, 'one head cracked in the box'],
    ]);
    expect(ledger.every((e) => e.by === 'admin' && e.at === now.toISOString())).toBe(true);
    expect(ledger[2]!.workOrderId).toBe(order.id);
    // The level is what the ledger adds up to, after every move.
    expect(balances(ledger.map((e) => e.quantity))).toEqual(ledger.map((e) => e.balance));
    expect((await stockOf(head.id)).quantity).toBe(4);
    // Paged, the ledger reads the same (moves in one millisecond keep their order across pages).
    const first = await ok<{ items: Entry[]; nextCursor: string }>('GET', `/api/v1/stock-ledger?partId=${head.id}&limit=3`);
    const second = await ok<{ items: Entry[]; nextCursor: string | null }>('GET', `/api/v1/stock-ledger?partId=${head.id}&limit=3&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].reverse()).toEqual(ledger);
    expect(second.nextCursor).toBeNull();
    const arrived = await ledgerOf(`depot=${encodeURIComponent(beijing.code)}`);
    expect(arrived).toEqual([expect.objectContaining({ kind: 'transfer_in', quantity: 6, balance: 6, transferId: moved.transferId })]);
    expect((await ok<{ items: { code: string; parts: number }[] }>('GET', '/api/v1/depots')).items).toContainEqual(expect.objectContaining({ code: beijing.code, parts: 1 }));

    // Refused, naming the field, with nothing changed.
    const refusals: [string, string, unknown, number, string][] = [
      ['POST', `/api/v1/work-orders/${order.id}/parts`, { partId: head.id, quantity: 5 }, 409, 'quantity'],
      ['POST', '/api/v1/stock-transfers', { partId: head.id, toDepot: beijing.code, quantity: 5 }, 409, 'quantity'],
      ['POST', '/api/v1/stock-transfers', { partId: head.id, toDepot: 'NO-SUCH-DEPOT', quantity: 1 }, 400, 'toDepot'],
      ['POST', '/api/v1/stock-transfers', { partId: head.id, toDepot: shanghai.code, quantity: 1 }, 400, 'toDepot'],
      ['POST', `/api/v1/spare-parts/${head.id}/counts`, { counted: -1, reason: 'x' }, 400, 'counted'],
      ['POST', `/api/v1/spare-parts/${head.id}/restock`, { quantity: 0 }, 400, 'quantity'],
    ];
    for (const [method, url, body, status, field] of refusals) {
      const res = await t.api(method, url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json().error.field).toBe(field);
    }
    expect((await t.api('POST', `/api/v1/work-orders/${order.id}/parts`, { partId: head.id, quantity: 5 })).json().error).toMatchObject({ details: { inStock: 4 } });
    expect((await stockOf(head.id)).quantity).toBe(4);
    expect(await ledgerOf(`partId=${head.id}`)).toHaveLength(5);
  });

  it('sells the last unit once when two work orders take it at the same moment', async () => {
    const estate = await buildEstate(t);
    const [a, b] = [await workOrder(estate.site.id), await workOrder(estate.site.id)];
    const last = await part((await depot()).code, 1);
    const answers = await Promise.all([a, b].map((order) => t.api('POST', `/api/v1/work-orders/${order.id}/parts`, { partId: last.id, quantity: 1 })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json().error).toMatchObject({ code: 'conflict', field: 'quantity' });
    expect((await stockOf(last.id)).quantity).toBe(0);
    expect((await ledgerOf(`partId=${last.id}`)).filter((e) => e.kind === 'consumption')).toHaveLength(1);
  });

  it('tells operators once when a level falls below its minimum, and again only after a restock ended the shortage', async () => {
    await ok('POST', '/api/v1/notification-channels', { merchantId: null, kind: 'webhook', name: 'Stock desk', address: receiver.url, events: ['sparepart.low_stock'], locale: 'en' }, 201);
    const estate = await buildEstate(t);
    const order = await workOrder(estate.site.id);
    const store = await depot();
    const paper = await part(store.code, 5, 3);
    const use = (quantity: number) => ok('POST', `/api/v1/work-orders/${order.id}/parts`, { partId: paper.id, quantity });

    await use(1); // 4: still at or above the minimum of 3
    await runJobs();
    expect(receiver.bodies).toHaveLength(0);
    await use(2); // 2: below — told
    await use(1); // 1: still below — not told again
    await runJobs();
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]).toMatchObject({ event: 'sparepart.low_stock', data: { partId: paper.id, sku: paper.sku, depot: store.code, quantity: 2, minimum: 3 } });
    expect(receiver.bodies[0]!.message.text).toContain(`Low stock: Printer head (${paper.sku}) at depot ${store.code} fell to 2`);
    expect(await stockOf(paper.id)).toMatchObject({ belowMinimum: true, lowSince: now.toISOString() });

    await ok('POST', `/api/v1/spare-parts/${paper.id}/restock`, { quantity: 5 }); // 6: shortage over
    expect((await stockOf(paper.id)).lowSince).toBeNull();
    now = new Date(now.getTime() + 60_000);
    await use(4); // 2: a new shortage — told again
    await runJobs();
    expect(receiver.bodies.map((b) => b.data.quantity)).toEqual([2, 2]);
  });

  it("swaps a spare into the faulty terminal's place, restores the merchant at once, and tracks the faulty one back to the pool", async () => {
    const estate = await buildEstate(t);
    const faulty = await t.services.estate.createTerminal({ serialNumber: unique('FAULTY'), modelId: estate.model.id, siteId: estate.site.id, tags: ['counter-1', 'drive-thru'], networkType: 'cellular' });
    const spare = await t.services.estate.createTerminal({ serialNumber: unique('SPARE'), modelId: estate.model.id, tags: ['spare'] });
    expect(spare).toMatchObject({ siteId: null, status: 'in_stock' });
    const window = await ok<{ id: string }>('POST', '/api/v1/maintenance/windows', { name: 'Counter 1 nightly', target: { terminalId: faulty.id }, schedule: { kind: 'cron', cron: '0 3 * * *', durationMinutes: 60 } }, 201);
    const monthly = (await t.services.preventive.findTemplateByCode('monthly'))!;
    const plan = await ok<{ id: string }>('POST', '/api/v1/preventive/plans', { name: unique('Plan'), templateIds: [monthly.id], filter: { siteId: estate.site.id } }, 201);

    const store = await depot();
    const pool = await ok<{ id: string }>('POST', '/api/v1/backup-pools', { code: unique('POOL'), name: 'Shanghai spares', depotId: store.id }, 201);
    expect((await ok<{ terminals: { terminalId: string }[] }>('POST', `/api/v1/backup-pools/${pool.id}/terminals`, { terminalId: spare.id })).terminals.map((x) => x.terminalId)).toEqual([spare.id]);
    // A terminal in service at a site is no spare.
    expect((await t.api('POST', `/api/v1/backup-pools/${pool.id}/terminals`, { terminalId: faulty.id })).json().error).toMatchObject({ code: 'conflict', field: 'terminalId' });

    const order = await workOrder(estate.site.id, [faulty.id]);
    const tech = await technician();
    await ok('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: tech.id });
    const stranger = await technician();
    expect((await stranger.api('POST', `/api/v1/work-orders/${order.id}/swap`, { faultyTerminalId: faulty.id, spareTerminalId: spare.id })).statusCode).toBe(404);

    const swappedAt = new Date('2026-11-25T09:30:00.000Z');
    now = swappedAt;
    const swapRes = await tech.api('POST', `/api/v1/work-orders/${order.id}/swap`, { faultyTerminalId: faulty.id, spareTerminalId: spare.id, note: 'card reader dead' });
    expect(swapRes.statusCode, swapRes.body).toBe(201);
    const swap = swapRes.json<{ custodyId: string; restoredAt: string; moved: { tags: string[]; windowIds: string[]; planTaskIds: string[] } }>();
    expect(swap.restoredAt).toBe(swappedAt.toISOString());
    expect(swap.moved).toMatchObject({ tags: ['counter-1', 'drive-thru'], windowIds: [window.id] });
    expect(swap.moved.planTaskIds).toHaveLength(1);

    // The spare is a drop-in: site, tags, network type, window and preventive task; the faulty one left.
    expect(await ok(`GET`, `/api/v1/terminals/${spare.id}`)).toMatchObject({ siteId: estate.site.id, status: 'active', tags: ['counter-1', 'drive-thru'], networkType: 'cellular' });
    expect(await ok(`GET`, `/api/v1/terminals/${faulty.id}`)).toMatchObject({ siteId: null, status: 'in_repair', tags: [] });
    expect((await ok<{ target: { terminalId?: string } }>('GET', `/api/v1/maintenance/windows/${window.id}`)).target).toEqual({ terminalId: spare.id });
    expect((await ok<{ due: { terminalId: string }[] }>('GET', `/api/v1/preventive/plans/${plan.id}`)).due.map((d) => d.terminalId)).toEqual([spare.id]);
    expect((await ok<{ terminals: unknown[] }>('GET', `/api/v1/backup-pools/${pool.id}`)).terminals).toEqual([]);
    expect((await tech.api('GET', `/api/v1/work-orders/${order.id}`)).json().terminalIds.sort()).toEqual([faulty.id, spare.id].sort());

    // The faulty terminal's chain of custody, each step with who, when and a note.
    const step = async (api: typeof tech.api, to: string, extra: Record<string, unknown> = {}) => {
      now = new Date(now.getTime() + 3_600_000);
      const res = await api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to, note: `to ${to}`, ...extra });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Custody>();
    };
    await step(tech.api, 'in_transit');
    expect((await stranger.api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'in_repair' })).statusCode).toBe(404);
    await step(t.api, 'in_repair');
    const back = await step(t.api, 'back_in_pool', { poolId: pool.id });
    expect(back).toMatchObject({ terminalId: faulty.id, state: 'back_in_pool', next: [], poolId: pool.id, closedAt: now.toISOString() });
    expect(back.steps.map((s) => [s.from, s.to, s.by])).toEqual([
      [null, 'at_site', tech.name], ['at_site', 'in_transit', tech.name], ['in_transit', 'in_repair', 'admin'], ['in_repair', 'back_in_pool', 'admin'],
    ]);
    expect(back.steps.map((s) => s.at)).toEqual(['09:30', '10:30', '11:30', '12:30'].map((hm) => `2026-11-25T${hm}:00.000Z`));
    expect(back.steps[0]!.note).toBe('card reader dead');
    // Merchant-restored time stays at the swap; the repair finished later.
    expect(back.swap!.restoredAt).toBe(swappedAt.toISOString());
    expect(await ok('GET', `/api/v1/terminals/${faulty.id}`)).toMatchObject({ siteId: null, status: 'in_stock' });
    expect((await ok<{ terminals: { terminalId: string }[] }>('GET', `/api/v1/backup-pools/${pool.id}`)).terminals.map((x) => x.terminalId)).toEqual([faulty.id]);
    expect((await ok<{ items: Custody[] }>('GET', '/api/v1/custody?open=false')).items.map((c) => c.id)).toContain(swap.custodyId);
    expect((await tech.api('GET', '/api/v1/custody')).json().items.map((c: Custody) => c.id)).toEqual([swap.custodyId]);
    expect((await stranger.api('GET', '/api/v1/custody')).json().items).toEqual([]);
  });

  it('refuses an impossible custody step or swap and changes nothing', async () => {
    const estate = await buildEstate(t);
    const faulty = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, faulty.serialNumber);
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).statusCode).toBe(200);
    const elsewhere = await buildTerminal(t, await buildEstate(t));
    const spare = await t.services.estate.createTerminal({ serialNumber: unique('SPARE'), modelId: estate.model.id });
    const notPooled = await t.services.estate.createTerminal({ serialNumber: unique('LOOSE'), modelId: estate.model.id });
    const pool = await ok<{ id: string }>('POST', '/api/v1/backup-pools', { code: unique('POOL'), name: 'Site spares', siteId: estate.site.id }, 201);
    await ok('POST', `/api/v1/backup-pools/${pool.id}/terminals`, { terminalId: spare.id });
    const order = await workOrder(estate.site.id, [faulty.id]);

    const badSwaps: [unknown, number, string][] = [
      [{ faultyTerminalId: faulty.id, spareTerminalId: notPooled.id }, 400, 'spareTerminalId'],
      [{ faultyTerminalId: elsewhere.id, spareTerminalId: spare.id }, 400, 'faultyTerminalId'],
      [{ faultyTerminalId: faulty.id, spareTerminalId: faulty.id }, 400, 'spareTerminalId'],
    ];
    for (const [body, status, field] of badSwaps) {
      const res = await t.api('POST', `/api/v1/work-orders/${order.id}/swap`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.field).toBe(field);
    }
    expect(await ok('GET', `/api/v1/terminals/${faulty.id}`)).toMatchObject({ siteId: estate.site.id, status: 'active' });
    expect((await ok<{ terminals: unknown[] }>('GET', `/api/v1/backup-pools/${pool.id}`)).terminals).toHaveLength(1);

    const swap = await ok<{ custodyId: string }>('POST', `/api/v1/work-orders/${order.id}/swap`, { faultyTerminalId: faulty.id, spareTerminalId: spare.id }, 201);
    const before = await ok<Custody>('GET', `/api/v1/custody/${swap.custodyId}`);
    const skipped = await t.api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'back_in_pool', poolId: pool.id });
    expect(skipped.statusCode).toBe(409);
    expect(skipped.json().error).toMatchObject({ code: 'conflict', field: 'to' });
    expect((await t.api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'teleported' })).json().error).toMatchObject({ code: 'validation_error', field: 'to' });
    await ok('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'in_transit' });
    await ok('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'in_repair' });
    const noPool = await t.api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'back_in_pool' });
    expect(noPool.statusCode).toBe(400);
    expect(noPool.json().error.field).toBe('poolId');
    const scrapped = await ok<Custody>('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'scrapped', note: 'board burnt' });
    expect(scrapped).toMatchObject({ state: 'scrapped', next: [] });
    expect(await ok('GET', `/api/v1/terminals/${faulty.id}`)).toMatchObject({ status: 'retired' });
    // Scrapped hardware signs in no more, though the server had its credential in memory a moment ago.
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(2))).statusCode).toBe(401);
    const again = await t.api('POST', `/api/v1/custody/${swap.custodyId}/steps`, { to: 'in_transit' });
    expect(again.statusCode).toBe(409);
    const after = await ok<Custody>('GET', `/api/v1/custody/${swap.custodyId}`);
    expect(after.steps).toHaveLength(before.steps.length + 3);
    expect(after.state).toBe('scrapped');
  });

  it("says a refusal in the account's language, with its key and no ids", async () => {
    const store = await depot();
    const head = await part(store.code, 3);
    const elsewhere = await depot('BJ');
    // The bootstrap admin's account is zh-CN: its language wins over the header.
    const res = await t.api('POST', '/api/v1/stock-transfers', { partId: head.id, toDepot: elsewhere.code, quantity: 5 }, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'conflict', field: 'quantity', key: 'spares.not_enough_stock', params: { level: 3, sku: head.sku, depot: store.code },
      message: `仓库 ${store.code} 的 ${head.sku} 库存仅有 3 件。`, details: { inStock: 3 },
    });
    expect(res.json().error.message).not.toMatch(/[0-9a-f]{8}-/);
  });

  it('sets the merchant-restored time when a repair on site is done, and not for preventive visits', async () => {
    const estate = await buildEstate(t);
    const order = await workOrder(estate.site.id);
    const tech = await technician();
    await ok('POST', `/api/v1/work-orders/${order.id}/assign`, { technicianId: tech.id });
    await ok('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'in_progress' });
    const restoredAt = async (id: string) => (await t.services.db.kysely.selectFrom('work_orders').select('restored_at').where('id', '=', id).executeTakeFirstOrThrow()).restored_at;
    expect(await restoredAt(order.id)).toBeNull();
    now = new Date('2026-11-26T15:00:00.000Z');
    await ok('POST', `/api/v1/work-orders/${order.id}/status`, { to: 'done' });
    expect(await restoredAt(order.id)).toBe('2026-11-26T15:00:00.000Z');

    // A preventive visit restores nothing: no terminal was down.
    await buildTerminal(t, estate);
    const monthly = (await t.services.preventive.findTemplateByCode('monthly'))!;
    const plan = await ok<{ id: string }>('POST', '/api/v1/preventive/plans', { name: unique('Plan'), templateIds: [monthly.id], filter: { siteId: estate.site.id } }, 201);
    const [visit] = (await ok<{ items: { id: string; source: string; checklist: { id: string }[] }[] }>('POST', `/api/v1/preventive/plans/${plan.id}/work-orders`, { until: '2027-12-31T00:00:00.000Z' }, 201)).items;
    expect(visit!.source).toBe('preventive');
    await ok('POST', `/api/v1/work-orders/${visit!.id}/assign`, { technicianId: tech.id });
    await ok('POST', `/api/v1/work-orders/${visit!.id}/status`, { to: 'in_progress' });
    await ok('POST', `/api/v1/work-orders/${visit!.id}/checklist`, { results: visit!.checklist.map((i) => ({ itemId: i.id, result: 'pass' })) });
    await ok('POST', `/api/v1/work-orders/${visit!.id}/status`, { to: 'done' });
    expect(await restoredAt(visit!.id)).toBeNull();
  });
});
