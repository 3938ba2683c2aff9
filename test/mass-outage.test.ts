// A mass outage is when lists of every affected terminal grow past what one SQL statement may bind
// (SQLite: 32,766 values): the pages an operator opens then must still answer.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInBatches, PARAMETER_LIMITS } from '../src/db/batches.ts';
import { buildEstate, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const TERMINALS = PARAMETER_LIMITS.sqlite + 234;

describe.each(databases())('a site down with $name holding more terminals than one statement binds', (kind) => {
  let t: TestApp;
  const now = '2026-11-25T02:00:00.000Z';
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { SQLITE_SYNCHRONOUS: 'NORMAL' }, () => new Date(now));
  }, 120_000);
  afterAll(() => t.close());

  it('lists the terminals the site incident lowers, however many', async () => {
    const estate = await buildEstate(t);
    const db = t.services.db.kysely;
    const terminals = Array.from({ length: TERMINALS }, (_, i) => ({
      id: randomUUID(), serial_number: `MASS-${String(i).padStart(6, '0')}`, model_id: estate.model.id, site_id: estate.site.id, status: 'active' as const,
      app_version: null, firmware_version: null, components: '{}', network_type: null, created_at: now, updated_at: now, deleted_at: null,
    }));
    await db.transaction().execute((trx) => insertInBatches(terminals, (batch) => trx.insertInto('terminals').values(batch).execute()));
    await db.insertInto('incidents').values({
      id: randomUUID(), terminal_id: null, site_id: estate.site.id, merchant_id: estate.merchant.id, rule: 'site_network_down', severity: 'critical',
      status: 'open', open_key: `site:${estate.site.id}|site_network_down`, detail: '{}', first_seen_at: now, last_seen_at: now,
      acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null, resolution: null, notified_count: 0, last_notified_at: null,
    }).execute();

    const res = await t.api('GET', `/api/v1/health-scores/terminals?siteId=${estate.site.id}&limit=3`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((x: { serialNumber: string; score: number }) => [x.serialNumber, x.score])).toEqual([
      ['MASS-000000', 60], ['MASS-000001', 60], ['MASS-000002', 60],
    ]);
  }, 120_000);
});
