// One group commit of many terminals' heartbeats, written as the writer writes it (on PostgreSQL one
// statement of arrays, on SQLite a transaction of statements): each new heartbeat stored once, the
// newest state kept, each terminal handed its own commands once, and changed versions recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceRepository } from '../src/device/device.repository.ts';
import type { StoredHeartbeat } from '../src/device/heartbeat-batch.ts';
import { buildEstate, buildTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('a group commit of heartbeats on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh());
  });
  afterAll(() => t.close());

  const beat = (terminalId: string, seq: number, at: string, overrides: Record<string, unknown> = {}): StoredHeartbeat => {
    const report = { ...heartbeatReport(seq, overrides), sentAt: at };
    return { terminalId, seq, receivedAt: at, sentAt: at, appVersion: report.appVersion, firmwareVersion: report.firmwareVersion, json: JSON.stringify(report) };
  };

  it('stores each new heartbeat once, keeps the newest state, hands out commands once and records changed versions', async () => {
    const estate = await buildEstate(t);
    const [a, b, c] = [await buildTerminal(t, estate), await buildTerminal(t, estate), await buildTerminal(t, estate)];
    const repo = new DeviceRepository(t.services.db.kysely);
    const first = await repo.writeHeartbeats([beat(a.id, 1, '2026-12-07T10:00:00.000Z'), beat(b.id, 1, '2026-12-07T10:00:00.000Z')]);
    expect([...first.stored].sort()).toEqual([`${a.id} 1`, `${b.id} 1`].sort());
    const toA = (await t.api('POST', `/api/v1/terminals/${a.id}/commands`, { type: 'self_test', payload: { parts: ['printer'] } })).json();
    const toB = (await t.api('POST', `/api/v1/terminals/${b.id}/commands`, { type: 'reboot' })).json();

    // A retry of a stored one, two new ones of A (the older one last), B's next with a new app version, C's first, and C's again in the same batch.
    const batch = [
      beat(a.id, 1, '2026-12-07T10:01:00.000Z'),
      beat(a.id, 3, '2026-12-07T10:01:00.000Z', { temperatureC: 41 }),
      beat(a.id, 2, '2026-12-07T10:01:00.000Z', { temperatureC: 22 }),
      beat(b.id, 2, '2026-12-07T10:01:00.000Z', { appVersion: '3.3.0' }),
      beat(c.id, 1, '2026-12-07T10:01:00.000Z', { appVersion: '1.0.0', firmwareVersion: 'fw-2' }),
      beat(c.id, 1, '2026-12-07T10:01:00.000Z', { appVersion: '1.0.0', firmwareVersion: 'fw-2' }),
    ];
    const written = await repo.writeHeartbeats(batch);
    expect([...written.stored].sort()).toEqual([`${a.id} 3`, `${a.id} 2`, `${b.id} 2`, `${c.id} 1`].sort());
    expect(written.commandsByTerminal.get(a.id)).toEqual([{ id: toA.id, type: 'self_test', payload: { parts: ['printer'] }, createdAt: toA.createdAt }]);
    expect(written.commandsByTerminal.get(b.id)).toEqual([{ id: toB.id, type: 'reboot', payload: {}, createdAt: toB.createdAt }]);
    expect(written.commandsByTerminal.has(c.id)).toBe(false);

    const history = async (id: string) => (await t.api('GET', `/api/v1/terminals/${id}/heartbeats`)).json().items.map((h: { seq: number }) => h.seq);
    expect(await history(a.id)).toEqual([3, 2, 1]);
    expect(await history(c.id)).toEqual([1]);
    expect((await t.api('GET', `/api/v1/terminals/${a.id}/health`)).json()).toMatchObject({ seq: 3, report: { temperatureC: 41 } });
    expect((await t.api('GET', `/api/v1/terminals/${c.id}/health`)).json()).toMatchObject({ seq: 1 });
    expect((await t.api('GET', `/api/v1/terminals/${b.id}`)).json()).toMatchObject({ appVersion: '3.3.0', firmwareVersion: 'fw-1' });
    expect((await t.api('GET', `/api/v1/terminals/${c.id}`)).json()).toMatchObject({ appVersion: '1.0.0', firmwareVersion: 'fw-2' });
    const changes = await t.services.db.kysely.selectFrom('version_changes').select(['terminal_id', 'kind', 'from_version', 'to_version'])
      .where('terminal_id', 'in', [b.id, c.id]).orderBy('terminal_id').orderBy('kind').execute();
    expect(changes).toEqual(expect.arrayContaining([
      { terminal_id: b.id, kind: 'application', from_version: '3.2.0', to_version: '3.3.0' },
      { terminal_id: c.id, kind: 'application', from_version: null, to_version: '1.0.0' },
      { terminal_id: c.id, kind: 'firmware', from_version: null, to_version: 'fw-2' },
    ]));
    expect(changes.filter((ch) => ch.terminal_id === b.id)).toHaveLength(3); // its first heartbeat's two, then the application

    // Handed out once: the next batch gets them again only while not completed (delivered), and the versions stay.
    const again = await repo.writeHeartbeats([beat(a.id, 4, '2026-12-07T10:02:00.000Z'), beat(b.id, 3, '2026-12-07T10:02:00.000Z', { appVersion: '3.3.0' })]);
    expect(again.commandsByTerminal.get(a.id)?.map((cmd) => cmd.id)).toEqual([toA.id]);
    expect((await t.api('GET', `/api/v1/terminals/${a.id}/commands`)).json().items).toEqual(expect.arrayContaining([expect.objectContaining({ id: toA.id, status: 'delivered' })]));
    expect(await t.services.db.kysely.selectFrom('version_changes').select('id').where('terminal_id', '=', b.id).execute()).toHaveLength(3);
  });
});
