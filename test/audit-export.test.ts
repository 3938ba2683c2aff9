// The audit export is PCI DSS evidence: it holds every entry of the asked range, oldest first, however
// many there are (it once dropped the oldest beyond 100,000), and the export is itself audited.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface Entry { seq: number; at: string; action: string }

describe.each(databases())('the audit export on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-03-01T00:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
  });
  afterAll(() => t.close());

  const lastSeq = async () => Number((await t.services.db.kysely.selectFrom('audit_log').select(sql<number>`max(seq)`.as('seq')).executeTakeFirstOrThrow()).seq ?? 0);
  const csvSeqs = (body: string) => body.trimEnd().split('\n').slice(1).map((line) => Number(line.slice(0, line.indexOf(','))));

  it('exports every entry of a range oldest first, in both formats, and audits the export', async () => {
    const from = new Date('2026-03-01T10:00:00.000Z');
    for (let hour = 8; hour < 13; hour++) {
      now = new Date(Date.UTC(2026, 2, 1, hour));
      const res = await t.api('POST', '/api/v1/merchants', { name: `Merchant ${hour}`, timeZone: 'Asia/Shanghai' });
      expect(res.statusCode, res.body).toBe(201);
    }
    now = new Date('2026-03-01T13:00:00.000Z');
    const range = `from=${from.toISOString()}&to=2026-03-01T12:00:00Z`;
    const json = await t.api('GET', `/api/v1/audit/export?format=json&${range}`);
    expect(json.statusCode, json.body).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const entries = json.json<Entry[]>();
    expect(entries.map((e) => [e.at, e.action])).toEqual([
      ['2026-03-01T10:00:00.000Z', 'POST /api/v1/merchants'],
      ['2026-03-01T11:00:00.000Z', 'POST /api/v1/merchants'],
    ]);

    const csv = await t.api('GET', `/api/v1/audit/export?${range}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\n')[0]).toBe('seq,at,actorType,actorId,actorName,action,objectType,objectId,outcome,sourceIp,requestId,details,hash');
    expect(csvSeqs(csv.body)).toEqual(entries.map((e) => e.seq));

    // An empty range is a header or an empty array, not an error.
    expect((await t.api('GET', '/api/v1/audit/export?from=2030-01-01T00:00:00Z')).body.trimEnd().split('\n')).toHaveLength(1);
    expect((await t.api('GET', '/api/v1/audit/export?format=json&from=2030-01-01T00:00:00Z')).json()).toEqual([]);

    const audited = (await t.api('GET', '/api/v1/audit?limit=5&action=GET%20%2Fapi%2Fv1%2Faudit%2Fexport')).json<{ items: (Entry & { outcome: string })[] }>().items;
    expect(audited).toHaveLength(4);
    expect(audited.every((e) => e.outcome === 'success')).toBe(true);
  });

  it('exports more than 100,000 entries entirely and in order, without its own entry', async () => {
    // Written straight into the table in one statement: the export reads rows, it does not check the chain.
    const base = await lastSeq();
    const count = 100_010;
    const db = t.services.db.kysely;
    await sql`insert into audit_log (seq, at, actor_type, actor_id, actor_name, action, object_type, object_id, outcome, source_ip, request_id, details, prev_hash, hash)
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
      select ${base} + i, '2026-03-02T00:00:00.000Z', 'system', null, null, 'bulk', null, null, 'success', null, null, '{}', 'p', 'h' from n`.execute(db);
    await db.updateTable('audit_head').set({ seq: base + count, hash: 'h' }).where('id', '=', 1).execute();
    const last = base + count;
    const everySeq = Array.from({ length: last }, (_, i) => i + 1);

    now = new Date('2026-03-03T00:00:00.000Z');
    const csv = await t.api('GET', '/api/v1/audit/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csvSeqs(csv.body)).toEqual(everySeq);

    const json = await t.api('GET', '/api/v1/audit/export?format=json');
    expect(json.json<Entry[]>().map((e) => e.seq)).toEqual([...everySeq, last + 1]);
    // Each export was audited after the entries it holds (the CSV's is the JSON's last entry).
    expect(await lastSeq()).toBe(last + 2);
    const own = await db.selectFrom('audit_log').select(['seq', 'action']).where('seq', '>', last).orderBy('seq').execute();
    expect(own.map((e) => [Number(e.seq), e.action])).toEqual([[last + 1, 'GET /api/v1/audit/export'], [last + 2, 'GET /api/v1/audit/export']]);
  }, 180_000);
});
