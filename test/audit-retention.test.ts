// Audit retention drops the entries older than the cut, after recording in the chain how far it went,
// and the chain kept still verifies from its first entry on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('audit retention on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-03-01T00:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
  });
  afterAll(() => t.close());

  it('prunes the entries before the cut, records the prune in the chain, and the rest still verifies', async () => {
    for (let i = 0; i < 3; i++) expect((await t.api('POST', '/api/v1/merchants', { name: `Old ${i}`, timeZone: 'Asia/Shanghai' })).statusCode).toBe(201);
    now = new Date('2026-03-10T00:00:00.000Z');
    for (let i = 0; i < 2; i++) expect((await t.api('POST', '/api/v1/merchants', { name: `New ${i}`, timeZone: 'Asia/Shanghai' })).statusCode).toBe(201);
    const before = (await t.api('GET', '/api/v1/audit?limit=100')).json<{ items: { seq: number; at: string }[] }>().items;
    const old = before.filter((e) => e.at < '2026-03-05T00:00:00.000Z');
    expect(old.length).toBeGreaterThanOrEqual(3);

    expect(await t.services.audit.prune('2026-03-05T00:00:00.000Z')).toBe(old.length);
    expect(await t.services.audit.prune('2026-03-05T00:00:00.000Z')).toBe(0);

    const after = (await t.api('GET', '/api/v1/audit?limit=100')).json<{ items: { seq: number; at: string; action: string; details: unknown }[] }>().items;
    expect(after.some((e) => e.at < '2026-03-05T00:00:00.000Z')).toBe(false);
    const pruned = after.find((e) => e.action === 'audit.prune');
    expect(pruned?.details).toEqual({ throughSeq: Math.max(...old.map((e) => e.seq)), before: '2026-03-05T00:00:00.000Z' });
    expect((await t.api('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
  });
});
