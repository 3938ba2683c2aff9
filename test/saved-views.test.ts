// Saved views on each database: a user names the filters of the terminals or incidents list, lists and
// removes them; only the page's filter keys are kept; a name is once per list; a view is its user's alone;
// each change is in the audit chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { as, expectError, ok } from './support/http.ts';

interface View { id: string; page: string; name: string; query: string }

describe.each(databases())('saved views ($name)', (db) => {
  let t: TestApp;
  let olga: ReturnType<typeof as>;
  let tom: ReturnType<typeof as>;

  beforeAll(async () => {
    t = await startTestApp(await db.fresh());
    const token = async (email: string, role: 'operator' | 'technician', locale: string) => {
      const user = await t.services.access.createUser({ email, name: email, role, locale, password: 'correct horse battery staple 42' });
      return (await t.services.access.createToken(user.id, { name: 'test' })).token;
    };
    olga = as(t, await token(`olga-${process.pid}@views.test`, 'operator', 'zh-CN'));
    tom = as(t, await token(`tom-${process.pid}@views.test`, 'technician', 'en'));
  });
  afterAll(async () => { await t?.close(); });

  it('keeps a named filter of the terminals list, with only the page\'s keys, and lists it by name', async () => {
    const saved = await ok<View>(olga('POST', '/api/v1/saved-views', { page: 'terminals', name: '缺纸的终端', query: '?online=true&fault=printer_paper_out&q=' }), 201);
    expect(saved).toMatchObject({ page: 'terminals', name: '缺纸的终端', query: 'online=true&fault=printer_paper_out' });
    await ok(olga('POST', '/api/v1/saved-views', { page: 'terminals', name: 'A offline', query: 'mode=offline' }), 201);
    const listed = await ok<{ items: View[] }>(olga('GET', '/api/v1/saved-views?page=terminals'));
    expect(listed.items.map((v) => v.name)).toEqual(['A offline', '缺纸的终端']);
    expect((await ok<{ items: View[] }>(olga('GET', '/api/v1/saved-views?page=incidents'))).items).toEqual([]);
    const audit = await ok<{ items: { action: string; objectId: string; details: { name?: string } }[] }>(t.api('GET', '/api/v1/audit?limit=20'));
    expect(audit.items.find((e) => e.objectId === saved.id)).toMatchObject({ action: 'POST /api/v1/saved-views', details: { name: '缺纸的终端', query: '?online=true&fault=printer_paper_out&q=' } });
  });

  it('refuses, in the caller\'s language, a filter the page does not have, no filter at all, and a name used twice', async () => {
    const unknown = await expectError(olga('POST', '/api/v1/saved-views', { page: 'incidents', name: 'x', query: 'fault=printer_jam' }), 400, 'validation_error', 'query');
    expect(unknown.message).toBe('故障列表没有筛选条件“fault”。');
    await expectError(olga('POST', '/api/v1/saved-views', { page: 'incidents', name: 'x', query: 'limit=5' }), 400, 'validation_error', 'query');
    const empty = await expectError(tom('POST', '/api/v1/saved-views', { page: 'terminals', name: 'x', query: '' }), 400, 'validation_error', 'query');
    expect(empty.message).toMatch(/at least one filter/);
    await expectError(olga('POST', '/api/v1/saved-views', { page: 'terminals', name: '   ', query: 'mode=offline' }), 400, 'validation_error', 'name');
    await expectError(olga('POST', '/api/v1/saved-views', { page: 'nowhere', name: 'x', query: 'mode=offline' }), 400, 'validation_error');
    const twice = await expectError(olga('POST', '/api/v1/saved-views', { page: 'terminals', name: 'A offline', query: 'online=false' }), 409, 'conflict', 'name');
    expect(twice.message).toBe('此列表已有名为“A offline”的常用筛选。');
  });

  it('is its user\'s alone: another user neither lists nor removes it; its user removes it', async () => {
    const [view] = (await ok<{ items: View[] }>(olga('GET', '/api/v1/saved-views?page=terminals'))).items;
    expect((await ok<{ items: View[] }>(tom('GET', '/api/v1/saved-views?page=terminals'))).items).toEqual([]);
    await expectError(tom('DELETE', `/api/v1/saved-views/${view!.id}`), 404, 'not_found');
    expect((await olga('DELETE', `/api/v1/saved-views/${view!.id}`)).statusCode).toBe(204);
    expect((await ok<{ items: View[] }>(olga('GET', '/api/v1/saved-views?page=terminals'))).items.map((v) => v.id)).not.toContain(view!.id);
    await expectError(olga('DELETE', `/api/v1/saved-views/${view!.id}`), 404, 'not_found');
  });
});
