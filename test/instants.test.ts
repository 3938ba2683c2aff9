// Times with an offset mean the same instant as their UTC spelling, on every route: a filter
// `from=…+08:00` finds what the UTC filter eight hours earlier finds, a reported time is stored and
// sorted as UTC, and a malformed time is a 400 that names its field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { operations, type JsonSchema } from './support/openapi.ts';

const HOUR = 3_600_000;
/** The instant as a person in UTC+8 writes it: 2026-03-01T09:00:00Z → 2026-03-01T17:00:00+08:00. */
const inUtc8 = (utc: string) => `${new Date(Date.parse(utc) + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** Encoded for a query string, where a bare + means a space. */
const q = (text: string) => encodeURIComponent(text);

describe.each(databases())('instants with an offset on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-03-01T06:00:00.000Z');
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
    estate = await buildEstate(t);
  });
  afterAll(() => t.close());

  it('filters the audit log by the instant, not by the text', async () => {
    for (let hour = 6; hour <= 12; hour++) {
      now = new Date(Date.UTC(2026, 2, 1, hour));
      expect((await t.api('POST', '/api/v1/merchants', { name: `Merchant ${hour}`, timeZone: 'Asia/Shanghai' })).statusCode).toBe(201);
    }
    now = new Date('2026-03-01T13:00:00.000Z');
    const list = async (from: string, to: string) => {
      const res = await t.api('GET', `/api/v1/audit?action=${q('POST /api/v1/merchants')}&from=${q(from)}&to=${q(to)}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: { seq: number; at: string }[] }>().items;
    };
    const utc = await list('2026-03-01T09:00:00Z', '2026-03-01T11:00:00Z');
    expect(utc.map((e) => e.at)).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-01T09:00:00.000Z']);
    expect(await list(inUtc8('2026-03-01T09:00:00Z'), inUtc8('2026-03-01T11:00:00Z'))).toEqual(utc);
    expect(await list('2026-03-01T04:00:00-05:00', '2026-03-01T06:00:00-05:00')).toEqual(utc);

    const exported = await t.api('GET', `/api/v1/audit/export?format=json&from=${q(inUtc8('2026-03-01T09:00:00Z'))}&to=${q(inUtc8('2026-03-01T11:00:00Z'))}`);
    expect(exported.json<{ seq: number }[]>().map((e) => e.seq)).toEqual(utc.map((e) => e.seq).reverse());
  });

  it('stores and sorts a reported time as UTC, and judges "in the future" by the instant', async () => {
    const terminal = await buildTerminal(t, estate);
    now = new Date('2026-03-02T12:00:00.000Z');
    const report = (occurredAt: string) => t.api('POST', `/api/v1/terminals/${terminal.id}/suspicious-activity`, { what: 'a skimmer on the card slot', occurredAt });

    // 18:00 in UTC+8 is 10:00 UTC, two hours ago: text comparison took it for the future.
    const earlier = await report('2026-03-02T18:00:00+08:00');
    expect(earlier.statusCode, earlier.body).toBe(201);
    expect(earlier.json()).toMatchObject({ occurredAt: '2026-03-02T10:00:00.000Z' });
    const later = await report('2026-03-02T11:00:00Z');
    expect(later.statusCode, later.body).toBe(201);
    // 05:00 at UTC-8 is 13:00 UTC, an hour ahead.
    const ahead = await report('2026-03-02T05:00:00-08:00');
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json().error).toMatchObject({ field: 'occurredAt', key: 'diagnostics.occurred_in_future' });

    const stored = await t.services.db.kysely.selectFrom('suspicious_reports').select(['id', 'occurred_at']).where('terminal_id', '=', terminal.id).orderBy('occurred_at').execute();
    expect(stored).toEqual([{ id: earlier.json().id, occurred_at: '2026-03-02T10:00:00.000Z' }, { id: later.json().id, occurred_at: '2026-03-02T11:00:00.000Z' }]);
  });

  it('lists preventive tasks due before an instant written with an offset', async () => {
    const terminal = await buildTerminal(t, estate, { tags: ['offsets'] });
    const daily = (await t.services.preventive.findTemplateByCode('daily'))!.id;
    const weekly = (await t.services.preventive.findTemplateByCode('weekly'))!.id;
    const plan = await t.api('POST', '/api/v1/preventive/plans', { name: 'Offsets', templateIds: [daily, weekly], filter: { tag: 'offsets' }, startAt: inUtc8(now.toISOString()) });
    expect(plan.statusCode, plan.body).toBe(201);
    expect(plan.json().startAt).toBe(now.toISOString());
    const due = async (before: string) => {
      const res = await t.api('GET', `/api/v1/preventive/due?terminalId=${terminal.id}&before=${q(before)}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: { templateCode: string; dueAt: string }[] }>().items;
    };
    const all = await due('2030-01-01T00:00:00Z');
    expect(all.map((x) => x.templateCode)).toEqual(['daily', 'weekly']);
    // An hour before the weekly task is due: the daily one only, however the instant is written.
    const before = new Date(Date.parse(all[1]!.dueAt) - HOUR).toISOString();
    expect(await due(before)).toEqual([all[0]]);
    expect(await due(inUtc8(before))).toEqual([all[0]]);
  });

  it('keeps a one-off maintenance window as UTC', async () => {
    const res = await t.api('POST', '/api/v1/maintenance/windows', {
      name: 'tonight', target: { siteId: estate.site.id }, schedule: { kind: 'once', start: inUtc8('2026-03-03T18:00:00Z'), durationMinutes: 60 },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ schedule: { start: '2026-03-03T18:00:00.000Z' }, next: { start: '2026-03-03T18:00:00.000Z' } });
  });

  it('answers a malformed time with a 400 naming the field', async () => {
    const refused = async (method: string, url: string, body?: unknown) => {
      const res = await t.api(method, url, body);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error;
    };
    // The admin reads zh-CN: the key says which refusal (its English text is the catalogue's common.invalid_instant).
    expect(await refused('GET', '/api/v1/audit?from=2026-02-30T00:00:00Z')).toEqual({
      code: 'validation_error', field: 'from', key: 'common.invalid_instant', params: { field: 'from', problem: 'format' },
      message: expect.stringContaining('2026-01-31T16:00:00+08:00'),
    });
    // A bare + in a query string arrives as a space.
    expect(await refused('GET', '/api/v1/preventive/due?before=2026-03-01T08:00:00+08:00')).toMatchObject({ field: 'before' });
    expect(await refused('GET', '/api/v1/audit/export?to=2026-03-01T08:00:00')).toMatchObject({ field: 'to' });
    const terminal = await buildTerminal(t, estate);
    expect(await refused('POST', `/api/v1/terminals/${terminal.id}/suspicious-activity`, { what: 'a skimmer', occurredAt: 'yesterday' })).toMatchObject({ field: 'occurredAt' });
    expect(await refused('POST', '/api/v1/maintenance/windows', { name: 'x', target: { siteId: estate.site.id }, schedule: { kind: 'once', start: '2026-03-03 25:00:00Z', durationMinutes: 60 } }))
      .toMatchObject({ field: 'schedule.start' });
  });
});

describe('instants in the API', () => {
  it('are typed as date-times wherever a request carries one, so none escapes the conversion to UTC', async () => {
    const t = await startTestApp(await databases()[0]!.fresh());
    try {
      // A time-like name: a date-time, or (opening hours, quiet hours) a local clock time with its pattern.
      const timeLike = /(At|Until|Before|Since|After)$|^(from|to|before|after|until|since|start|end|notBefore)$/;
      const untyped: string[] = [];
      const walk = (schema: JsonSchema | undefined, path: string, name: string) => {
        if (!schema) return;
        if (schema.type === 'string' && timeLike.test(name) && schema.format !== 'date-time' && !schema.pattern) untyped.push(path);
        for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${path}.${key}`, key);
        walk(schema.items, `${path}[]`, name);
        for (const branch of [...(schema.anyOf ?? []), ...((schema.oneOf as JsonSchema[] | undefined) ?? [])]) walk(branch, path, name);
      };
      const ops = await operations(t, ['/api/v1', '/device/v1']);
      expect(ops.length).toBeGreaterThan(100);
      for (const op of ops) {
        for (const query of op.query) walk(query.schema, `${op.key} ?${query.name}`, query.name);
        walk(op.body, `${op.key} body`, '');
      }
      expect(untyped).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
