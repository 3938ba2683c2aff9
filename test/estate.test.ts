// The estate registry through its HTTP API, on every database of the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, heartbeatReport, enrolTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('estate registry on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await kind.fresh()); });
  afterAll(() => t.close());

  it('creates, reads, updates and lists merchants, sites and models', async () => {
    const merchant = await t.api('POST', '/api/v1/merchants', { name: '青柠茶饮', contactEmail: 'ops@example.com', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    expect(merchant.statusCode).toBe(201);
    const m = merchant.json();
    expect(m).toMatchObject({ name: '青柠茶饮', locale: 'zh-CN', timeZone: 'Asia/Shanghai', contactPhone: null });

    const site = await t.api('POST', '/api/v1/sites', {
      merchantId: m.id, code: 'SH-001', name: '人民广场店', environment: ['outdoor', 'humid'],
      openingHours: { mon: [{ open: '09:00', close: '21:00' }] },
    });
    expect(site.statusCode).toBe(201);
    expect(site.json()).toMatchObject({ timeZone: 'Asia/Shanghai', environment: ['outdoor', 'humid'], openingHours: { mon: [{ open: '09:00', close: '21:00' }] } });

    const patched = await t.api('PATCH', `/api/v1/merchants/${m.id}`, { locale: 'en' });
    expect(patched.json().locale).toBe('en');
    const listed = await t.api('GET', '/api/v1/sites?q=SH-001');
    expect(listed.json().items.map((s: { code: string }) => s.code)).toEqual(['SH-001']);
  });

  it('names the field and the reason for bad input', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', contactEmail: 'not-an-email' }, 'contactEmail'],
      [{ name: 'x', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ name: 'x', nickname: 'y' }, 'nickname'],
      [{}, 'name'],
      [{ name: 42 }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api('POST', '/api/v1/merchants', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_error', field });
    }
    const hours = await t.api('POST', '/api/v1/sites', { merchantId: 'nope', code: 'X1', name: 'x' });
    expect(hours.json().error).toMatchObject({ field: 'merchantId' });
  });

  it('refuses requests without a valid operator token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/terminals' })).statusCode).toBe(401);
    const wrong = await t.api('GET', '/api/v1/terminals', undefined, { authorization: 'Bearer nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('unauthenticated');
  });

  it('registers terminals with unique serials and answers 404 for unknown ids', async () => {
    const estate = await buildEstate(t);
    const body = { serialNumber: 'SN-UNIQUE-1', modelId: estate.model.id, siteId: estate.site.id, tags: ['counter'] };
    const created = await t.api('POST', '/api/v1/terminals', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ status: 'active', merchantId: estate.merchant.id, tags: ['counter'], online: false, components: estate.model.components });
    const dup = await t.api('POST', '/api/v1/terminals', body);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('serialNumber');
    expect((await t.api('GET', '/api/v1/terminals/does-not-exist')).statusCode).toBe(404);
    const badModel = await t.api('POST', '/api/v1/terminals', { ...body, serialNumber: 'SN-OTHER', modelId: 'nope' });
    expect(badModel.json().error).toMatchObject({ code: 'validation_error', field: 'modelId' });
  });

  it('filters, searches and pages through terminals', async () => {
    const estate = await buildEstate(t);
    const other = await buildEstate(t);
    for (let i = 0; i < 7; i++) await buildTerminal(t, estate, { serialNumber: `FLT-A-${i}`, tags: i % 2 ? ['backup'] : [] });
    await buildTerminal(t, other, { serialNumber: 'FLT-B-0' });
    const bySite = await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}`);
    expect(bySite.json().items).toHaveLength(7);
    const byMerchant = await t.api('GET', `/api/v1/terminals?merchantId=${other.merchant.id}`);
    expect(byMerchant.json().items.map((x: { serialNumber: string }) => x.serialNumber)).toEqual(['FLT-B-0']);
    const tagged = await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&tag=backup`);
    expect(tagged.json().items.map((x: { serialNumber: string }) => x.serialNumber)).toEqual(['FLT-A-1', 'FLT-A-3', 'FLT-A-5']);
    const search = await t.api('GET', '/api/v1/terminals?q=FLT-B');
    expect(search.json().items).toHaveLength(1);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { serialNumber: string }[]; nextCursor: string | null } =
        (await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((x) => x.serialNumber));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `FLT-A-${i}`));
  });

  it('filters by online state and reported version from the latest heartbeat', async () => {
    const estate = await buildEstate(t);
    const live = await buildTerminal(t, estate, { serialNumber: 'ONLINE-1' });
    await buildTerminal(t, estate, { serialNumber: 'SILENT-1' });
    const { credential } = await enrolTerminal(t, live.serialNumber);
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { appVersion: '4.0.1' }))).statusCode).toBe(200);
    const online = (await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&online=true`)).json().items;
    expect(online.map((x: { serialNumber: string }) => x.serialNumber)).toEqual(['ONLINE-1']);
    const offline = (await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&online=false`)).json().items;
    expect(offline.map((x: { serialNumber: string }) => x.serialNumber)).toEqual(['SILENT-1']);
    const byVersion = (await t.api('GET', '/api/v1/terminals?appVersion=4.0.1')).json().items;
    expect(byVersion.map((x: { serialNumber: string }) => x.serialNumber)).toEqual(['ONLINE-1']);
  });

  it('soft-deletes a terminal: it leaves lists, keeps its history and its credential stops working', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(1));
    expect((await t.api('DELETE', `/api/v1/terminals/${terminal.id}`)).statusCode).toBe(204);
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}`)).json()).toMatchObject({ status: 'retired', deletedAt: expect.any(String) });
    expect((await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}`)).json().items).toHaveLength(0);
    expect((await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&includeDeleted=true`)).json().items).toHaveLength(1);
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json().items).toHaveLength(1);
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(2))).statusCode).toBe(401);
  });

  it('refuses to delete a site that still has terminals, saying so by the site\'s name in the caller\'s language', async () => {
    const estate = await buildEstate(t);
    await buildTerminal(t, estate);
    const res = await t.api('DELETE', `/api/v1/sites/${estate.site.id}`, undefined, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(409);
    // The bootstrap admin's account is zh-CN: it wins over the header. A final refusal, not one to retry.
    expect(res.json().error).toMatchObject({
      code: 'conflict', key: 'estate.site_has_terminals', params: { site: estate.site.name }, retryable: false,
      message: `门店“${estate.site.name}”仍有终端：请先移走或删除这些终端。`,
    });
  });

  it('answers 413 for oversized bodies', async () => {
    const res = await t.api('POST', '/api/v1/merchants', { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/terminals', '/device/v1/heartbeat', '/device/v1/enrol']));
  });
});
