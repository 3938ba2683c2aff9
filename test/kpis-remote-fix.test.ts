// How resolved incidents were fixed (the remote-fix KPI), asked in SQL per incident: a visit (a work
// order of the terminal, or for a site incident any at the site, worked while it was open), a remote
// action (a command or maintenance job on the terminal, or for a site incident on a terminal at the
// site, while it was open; both ends included), or neither. Rows are written straight into a migrated
// database so every kind of action is covered, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET } from '../src/access/roles.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { KpisRepository } from '../src/kpis/kpis.repository.ts';
import { KpisService } from '../src/kpis/kpis.service.ts';
import { databases } from './support/databases.ts';

const DAY = '2026-03-02';
const at = (time: string) => `${DAY}T${time}:00.000Z`;
const CREATED = '2026-01-01T00:00:00.000Z';

describe.each(databases())('the remote-fix KPI on $name', (kind) => {
  let db: Db;

  beforeAll(async () => {
    db = openDatabase(await kind.fresh());
    await migrateToLatest(db);
    const k = db.kysely;
    await k.insertInto('merchants').values({ id: 'm1', name: 'Tea House', time_zone: 'Asia/Shanghai', locale: 'zh-CN', created_at: CREATED, updated_at: CREATED }).execute();
    await k.insertInto('terminal_models').values({ id: 'model', code: 'A', vendor: 'PAX', model: 'A920', components: '{}', receipts_per_roll: 400, created_at: CREATED, updated_at: CREATED }).execute();
    for (const site of ['s1', 's2']) {
      await k.insertInto('sites').values({ id: site, merchant_id: 'm1', code: site.toUpperCase(), name: `Site ${site}`, opening_hours: '{}', environment: '[]', created_at: CREATED, updated_at: CREATED }).execute();
    }
    for (const [id, site] of [['tA', 's1'], ['tB', 's1'], ['tC', 's2']] as const) {
      await k.insertInto('terminals').values({ id, serial_number: id, model_id: 'model', site_id: site, status: 'active', components: '{}', created_at: CREATED, updated_at: CREATED }).execute();
    }
    const incident = (id: string, terminal: string | null, site: string, from: string, to: string) => k.insertInto('incidents').values({
      id, terminal_id: terminal, site_id: site, merchant_id: 'm1', rule: terminal ? 'printer_jam' : 'site_network_down', severity: 'high', status: 'resolved',
      open_key: null, detail: '{}', first_seen_at: at(from), last_seen_at: at(to), resolved_at: at(to), notified_count: 1,
    }).execute();
    const command = (id: string, terminal: string, time: string) => k.insertInto('terminal_commands').values({ id, terminal_id: terminal, type: 'reboot', payload: '{}', status: 'succeeded', created_at: at(time) }).execute();
    const job = (id: string, terminal: string, site: string, time: string) => k.insertInto('maintenance_jobs').values({
      id, terminal_id: terminal, site_id: site, work: '["update"]', reason: 'test', state: 'completed', planned_start: at(time), expected_minutes: 20, max_minutes: 60,
      started_at: at(time), ended_at: at(time), refused_transactions: 0, created_by: 'test', created_at: at(time), updated_at: at(time),
    }).execute();
    const workOrder = async (id: string, site: string, terminal: string | null, status: 'in_progress' | 'done', time: string) => {
      await k.insertInto('work_orders').values({ id, source: 'incident', title: 'Fix', status, site_id: site, technician_id: null, due_at: null, minutes_spent: 30, created_by: 'test', created_at: at('00:00'), updated_at: at(time) }).execute();
      if (terminal) await k.insertInto('work_order_terminals').values({ work_order_id: id, terminal_id: terminal }).execute();
      await k.insertInto('work_order_history').values({ id: `${id}-h`, work_order_id: id, seq: 1, from_status: 'open', to_status: status, by_name: 'test', at: at(time) }).execute();
    };

    // s1: tA's jam fixed by a command during it (remote); tA's second jam while only tB got a command (self);
    // the site's network outage while tB, at the site, got a command (remote); tB's jam with a visit and a command (visit wins).
    await incident('i1', 'tA', 's1', '10:00', '12:00');
    await command('c1', 'tA', '11:00');
    await incident('i2', 'tA', 's1', '13:00', '14:00');
    await command('c2', 'tB', '13:30');
    await incident('i3', null, 's1', '15:00', '16:00');
    await command('c3', 'tB', '15:30');
    await incident('i6', 'tB', 's1', '19:00', '20:00');
    await workOrder('w6', 's1', 'tB', 'done', '19:30');
    await command('c6', 'tB', '19:40');
    // s2: the site's network outage while a work order naming no terminal was worked there (visit); tC's jam with
    // a maintenance job started as it cleared (remote); tC's earlier jam, its job started a minute before (self).
    await incident('i4', null, 's2', '15:00', '16:00');
    await workOrder('w4', 's2', null, 'in_progress', '15:10');
    await incident('i5', 'tC', 's2', '17:00', '18:00');
    await job('j5', 'tC', 's2', '18:00');
    await incident('i7', 'tC', 's2', '09:00', '09:30');
    await job('j7', 'tC', 's2', '08:59');
  });
  afterAll(async () => { await db?.close(); });

  it('counts each resolved incident as fixed by a visit, remotely or by itself, per site and for the fleet', async () => {
    const kpis = new KpisService(new KpisRepository(db.kysely), () => new Date('2026-03-03T00:00:00.000Z'));
    const report = await kpis.report({ from: at('00:00'), to: '2026-03-03T00:00:00.000Z', groupBy: 'site' }, FLEET);
    const remoteFix = (key: string) => report.groups.find((g) => g.key === key)?.kpis.remoteFix;
    expect(remoteFix('s1')).toMatchObject({ numerator: 2, denominator: 3, selfCleared: 1 });
    expect(remoteFix('s2')).toMatchObject({ numerator: 1, denominator: 2, selfCleared: 1 });
    expect(report.total.kpis.remoteFix).toMatchObject({ numerator: 3, denominator: 5, selfCleared: 2 });
  });
});
