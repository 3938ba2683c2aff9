// What the terminal page and the terminals list do to terminals: a remote command that a double click
// does not send twice, and one command or tag for many chosen terminals with an outcome per terminal —
// on every database of the matrix.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('terminal actions on $name', (kind) => {
  let t: TestApp;
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh());
    estate = await buildEstate(t);
  });
  afterAll(() => t.close());

  it('queues a command pressed twice once, and again once the terminal took the first', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const first = await t.api('POST', `/api/v1/terminals/${terminal.id}/commands`, { type: 'reboot' });
    const second = await t.api('POST', `/api/v1/terminals/${terminal.id}/commands`, { type: 'reboot' });
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(second.json().id).toBe(first.json().id);
    const answer = (await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).json();
    expect(answer.commands.map((c: { type: string }) => c.type)).toEqual(['reboot']);
    // Delivered: asking again is a new reboot.
    const third = await t.api('POST', `/api/v1/terminals/${terminal.id}/commands`, { type: 'reboot' });
    expect(third.statusCode).toBe(201);
    expect(third.json().id).not.toBe(first.json().id);
  });

  it('sends one command to chosen terminals with an outcome each, and a repeat adds nothing', async () => {
    const a = await buildTerminal(t, estate);
    const b = await buildTerminal(t, estate);
    const missing = randomUUID();
    const send = () => t.api('POST', '/api/v1/terminals/bulk/commands', { terminalIds: [a.id, missing, b.id], type: 'self_test' });
    const first = await send();
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((i: { terminalId: string; outcome: string }) => [i.terminalId, i.outcome]))
      .toEqual([[a.id, 'queued'], [missing, 'not_found'], [b.id, 'queued']]);
    expect((await send()).json().items.map((i: { outcome: string }) => i.outcome)).toEqual(['already_queued', 'not_found', 'already_queued']);
    expect((await t.api('GET', `/api/v1/terminals/${a.id}/commands`)).json().items).toHaveLength(1);
    const audit = (await t.api('GET', '/api/v1/audit?limit=5')).json().items;
    expect(audit.some((e: { action: string }) => e.action === 'POST /api/v1/terminals/bulk/commands')).toBe(true);
  });

  it('tags and untags chosen terminals, with an outcome each', async () => {
    const a = await buildTerminal(t, estate, { tags: ['old'] });
    const b = await buildTerminal(t, estate, { tags: ['new-year'] });
    const res = await t.api('POST', '/api/v1/terminals/bulk/tags', { terminalIds: [a.id, b.id], add: ['new-year'], remove: ['old'] });
    expect(res.json().items).toEqual([
      { terminalId: a.id, outcome: 'tagged', tags: ['new-year'] },
      { terminalId: b.id, outcome: 'unchanged', tags: ['new-year'] },
    ]);
    expect((await t.api('GET', '/api/v1/terminals?tag=new-year')).json().items.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('lists terminals by fault and by mode, as the dashboard shows the mode', async () => {
    const site = (await t.api('POST', '/api/v1/sites', { merchantId: estate.merchant.id, code: `FILTER-${randomUUID().slice(0, 8)}`, name: 'Filter site' })).json();
    const make = async () => (await t.api('POST', '/api/v1/terminals', { serialNumber: `F-${randomUUID().slice(0, 8)}`, modelId: estate.model.id, siteId: site.id, status: 'active' })).json();
    const [jammed, locked, trading, silent] = [await make(), await make(), await make(), await make()];
    for (const terminal of [jammed, locked, trading]) {
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, terminal === jammed ? { printer: { paper: 'ok', jam: true, coverOpen: false } } : {}));
    }
    expect((await t.api('POST', `/api/v1/terminals/${locked.id}/lock`, { reason: 'seal broken' })).statusCode).toBe(200);
    const ids = async (query: string) => (await t.api('GET', `/api/v1/terminals?siteId=${site.id}&${query}`)).json().items.map((x: { id: string }) => x.id).sort();
    await expect.poll(() => ids('fault=printer_jam')).toEqual([jammed.id]);
    expect(await ids('mode=locked')).toEqual([locked.id]);
    expect(await ids('mode=normal')).toEqual([jammed.id, trading.id].sort());
    expect(await ids('mode=offline')).toEqual([silent.id]);
    const bad = await t.api('GET', '/api/v1/terminals?fault=bad_luck');
    expect([bad.statusCode, bad.json().error.field]).toEqual([400, 'fault']);
  });

  it('refuses a bulk action that names nothing to do, naming the field', async () => {
    const a = await buildTerminal(t, estate);
    const cases: [string, unknown, string][] = [
      ['/api/v1/terminals/bulk/tags', { terminalIds: [a.id] }, 'add'],
      ['/api/v1/terminals/bulk/tags', { terminalIds: [a.id], add: ['x'], remove: ['x'] }, 'remove'],
      ['/api/v1/terminals/bulk/tags', { terminalIds: [], add: ['x'] }, 'terminalIds'],
      ['/api/v1/terminals/bulk/commands', { terminalIds: [a.id], type: 'format_disk' }, 'type'],
    ];
    for (const [url, body, field] of cases) {
      const res = await t.api('POST', url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field, JSON.stringify(body)).toContain(field);
    }
  });
});
