// The KPIs read whole UTC days from the rollups the `kpi-rollups` job writes once a day is over, and the
// partial days at each end of the period live: the report is the same as one computed live from the
// history, per grouping — also after facts are recorded late about a rolled day (they un-roll it at once,
// and the next run rolls it again). Rows are written straight into a migrated database, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET } from '../src/access/roles.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { KpiRollupsRepository } from '../src/kpis/kpi-rollups.repository.ts';
import { KpiRollupsService } from '../src/kpis/kpi-rollups.service.ts';
import { KpisRepository } from '../src/kpis/kpis.repository.ts';
import { KpisService } from '../src/kpis/kpis.service.ts';
import { databases } from './support/databases.ts';

const CREATED = '2026-02-25T00:00:00.000Z';
const NOW = new Date('2026-03-07T00:00:00.000Z');
// Partial days at both ends (1 Mar from 06:00, 6 Mar until 18:00), whole days 2–5 Mar between.
const PERIOD = { from: '2026-03-01T06:00:00.000Z', to: '2026-03-06T18:00:00.000Z' };
const GROUPINGS = ['fleet', 'merchant', 'site', 'model'] as const;
const at = (day: number, time: string) => `2026-03-${String(day).padStart(2, '0')}T${time}:00.000Z`;

describe.each(databases())('KPIs from rollups on $name', (kind) => {
  let db: Db;
  let live: KpisService;
  let rolled: KpisService;
  let job: KpiRollupsService;
  let rollups: KpiRollupsRepository;

  const incident = (id: string, terminal: string | null, site: string, merchant: string, rule: string, from: string, to: string | null) => db.kysely.insertInto('incidents').values({
    id, terminal_id: terminal, site_id: site, merchant_id: merchant, rule, severity: 'high', status: to ? 'resolved' : 'open',
    open_key: to ? null : `${id}-open`, detail: '{}', first_seen_at: from, last_seen_at: to ?? from, resolved_at: to, notified_count: 1,
  }).execute();
  const both = async (groupBy: (typeof GROUPINGS)[number]) => {
    const query = { ...PERIOD, groupBy };
    return { live: await live.report(query, FLEET), rolled: await rolled.report(query, FLEET) };
  };
  const rolledDays = async () => [...await rollups.rolledDays('2026-03-01', '2026-03-07')].sort();

  beforeAll(async () => {
    db = openDatabase(await kind.fresh());
    await migrateToLatest(db);
    const k = db.kysely;
    for (const m of ['m1', 'm2']) await k.insertInto('merchants').values({ id: m, name: `Merchant ${m}`, time_zone: 'Asia/Shanghai', locale: 'zh-CN', created_at: CREATED, updated_at: CREATED }).execute();
    for (const model of ['A', 'B']) await k.insertInto('terminal_models').values({ id: model, code: model, vendor: 'PAX', model: model, components: '{}', receipts_per_roll: 400, created_at: CREATED, updated_at: CREATED }).execute();
    for (const [site, merchant] of [['s1', 'm1'], ['s2', 'm2']] as const) {
      await k.insertInto('sites').values({ id: site, merchant_id: merchant, code: site.toUpperCase(), name: `Site ${site}`, opening_hours: '{}', environment: '[]', created_at: CREATED, updated_at: CREATED }).execute();
    }
    // tD comes into service during the period; tE is not in service (counted nowhere).
    for (const [id, site, model, status, created] of [['tA', 's1', 'A', 'active', CREATED], ['tB', 's1', 'B', 'in_repair', CREATED], ['tC', 's2', 'A', 'active', CREATED],
      ['tD', 's2', 'B', 'active', at(3, '12:00')], ['tE', 's1', 'A', 'in_stock', CREATED]] as const) {
      await k.insertInto('terminals').values({ id, serial_number: id, model_id: model, site_id: site, status, components: '{}', created_at: created, updated_at: created }).execute();
    }
    // tA jams from before the period into its first whole day, fixed remotely (a command during it).
    await incident('i1', 'tA', 's1', 'm1', 'printer_jam', at(1, '04:00'), at(2, '02:00'));
    await k.insertInto('terminal_commands').values({ id: 'c1', terminal_id: 'tA', type: 'reboot', payload: '{}', status: 'succeeded', created_at: at(1, '05:00') }).execute();
    // tB offline over two midnights, fixed by a visit.
    await incident('i2', 'tB', 's1', 'm1', 'offline', at(2, '22:00'), at(4, '01:00'));
    await k.insertInto('work_orders').values({ id: 'w2', source: 'incident', title: 'Fix', status: 'done', site_id: 's1', technician_id: null, due_at: null, minutes_spent: 30, created_by: 'test', created_at: at(3, '08:00'), updated_at: at(3, '12:00') }).execute();
    await k.insertInto('work_order_terminals').values({ work_order_id: 'w2', terminal_id: 'tB' }).execute();
    await k.insertInto('work_order_history').values({ id: 'w2-h', work_order_id: 'w2', seq: 1, from_status: 'open', to_status: 'in_progress', by_name: 'test', at: at(3, '10:00') }).execute();
    // s2's network is down while tD comes into service (tC down 4 h, tD 2 h); cleared by itself.
    await incident('i3', null, 's2', 'm2', 'site_network_down', at(3, '10:00'), at(3, '14:00'));
    // Paper out: no failure, no downtime, but a resolved incident.
    await incident('i4', 'tC', 's2', 'm2', 'printer_paper_out', at(4, '08:00'), at(4, '09:00'));
    await k.insertInto('maintenance_jobs').values({
      id: 'j1', terminal_id: 'tC', site_id: 's2', work: '["update"]', reason: 'test', state: 'completed', planned_start: at(4, '10:00'), expected_minutes: 20, max_minutes: 60,
      started_at: at(4, '10:00'), ended_at: at(4, '10:30'), refused_transactions: 0, created_by: 'test', created_at: at(4, '09:00'), updated_at: at(4, '10:30'),
    }).execute();
    await k.insertInto('terminal_locks').values({ id: 'l1', terminal_id: 'tA', reason: 'tamper', locked_at: at(2, '12:00'), locked_by: 'test', lifted_at: at(3, '12:00'), lifted_by: 'test', lift_reason: null, kind: 'tamper' }).execute();
    // Across the last midnight into the partial day at the end; tB offline again, still going on; a terminal not in service jams.
    await incident('i5', 'tA', 's1', 'm1', 'card_reader_chip', at(5, '23:00'), at(6, '03:00'));
    await incident('i6', 'tB', 's1', 'm1', 'offline', at(6, '10:00'), null);
    await incident('i7', 'tE', 's1', 'm1', 'printer_jam', at(3, '01:00'), at(3, '05:00'));

    const repo = new KpisRepository(db.kysely);
    rollups = new KpiRollupsRepository(db.kysely);
    live = new KpisService(repo, () => NOW);
    rolled = new KpisService(repo, () => NOW, undefined, rollups);
    job = new KpiRollupsService(repo, rollups, () => NOW);
  });
  afterAll(async () => { await db?.close(); });

  it('rolls up the days that are over and reads them from the rollups: the same KPIs as live', async () => {
    expect(await job.rollUp()).toContain('2026-03-02');
    expect(await rolledDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expect(await job.rollUp()).toEqual([]); // nothing left to roll
    for (const groupBy of GROUPINGS) {
      const { live: expected, rolled: actual } = await both(groupBy);
      expect(actual, groupBy).toEqual(expected);
    }
    // The facts are there: downtime, the failures that began in the period, how the incidents were fixed.
    const { rolled: fleet } = await both('fleet');
    expect(fleet.total.kpis.mtbfHours.denominator).toBe(4); // i2, i3 on tC, i5, i6 (i1 began before the period, i3 before tD came)
    expect(fleet.total.kpis.remoteFix).toMatchObject({ numerator: 1, denominator: 2, selfCleared: 4 }); // c1; w2; i3, i4, i5, i7
    expect(fleet.total.kpis.availability.numerator).toBeLessThan(fleet.total.kpis.availability.denominator);
  });

  it('un-rolls a day when a fact about it is recorded late, stays equal to live, and the next run rolls it again', async () => {
    const before = (await both('site')).rolled;
    // Found later: tC was offline 4 Mar 20:00–23:00, and i2 actually ended on 3 Mar at 20:00.
    await incident('i8', 'tC', 's2', 'm2', 'offline', at(4, '20:00'), at(4, '23:00'));
    await db.kysely.updateTable('incidents').set({ resolved_at: at(3, '20:00'), last_seen_at: at(3, '20:00') }).where('id', '=', 'i2').execute();
    expect(await rolledDays()).toEqual(['2026-03-01', '2026-03-02']);
    for (const groupBy of GROUPINGS) {
      const { live: expected, rolled: actual } = await both(groupBy);
      expect(actual, groupBy).toEqual(expected);
    }
    const after = (await both('site')).rolled;
    const s2 = (report: typeof after) => report.groups.find((g) => g.key === 's2')!.kpis;
    expect(s2(after).mtbfHours.denominator).toBe(s2(before).mtbfHours.denominator + 1);
    expect(s2(before).availability.numerator - s2(after).availability.numerator).toBeCloseTo(3, 6); // 3 h less uptime

    expect((await job.rollUp()).sort()).toEqual(['2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expect(await rolledDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    for (const groupBy of GROUPINGS) {
      const { live: expected, rolled: actual } = await both(groupBy);
      expect(actual, groupBy).toEqual(expected);
    }
    expect((await both('site')).rolled).toEqual(after);
  });

  it('rolls up the work orders done on a day and un-rolls it when a first-time fix changes within 7 days: the same KPIs as live', async () => {
    const k = db.kysely;
    const orderDays = async () => [...await rollups.rolledDays('2026-03-01', '2026-03-07', 'orders')].sort();
    const order = async (id: string, terminal: string, created: string, done: string | null, parent: string | null = null) => {
      await k.insertInto('work_orders').values({
        id, source: 'incident', title: 'Fix', status: done ? 'done' : 'open', site_id: 's2', technician_id: null, due_at: null, parent_id: parent, minutes_spent: 40,
        created_by: 'test', created_at: created, updated_at: done ?? created,
      }).execute();
      await k.insertInto('work_order_terminals').values({ work_order_id: id, terminal_id: terminal }).execute();
      if (done) await k.insertInto('work_order_history').values({ id: `${id}-done`, work_order_id: id, seq: 2, from_status: 'in_progress', to_status: 'done', by_name: 'test', at: done }).execute();
    };
    const firstTimeFix = async () => (await both('fleet')).rolled.total.kpis.firstTimeFix;
    const equalToLive = async () => {
      for (const groupBy of [...GROUPINGS, 'technician'] as const) {
        const query = { ...PERIOD, groupBy };
        expect(await rolled.report(query, FLEET), groupBy).toEqual(await live.report(query, FLEET));
      }
    };
    // tD repaired on 2 Mar (5 days before now: its first-time fix window is still open), and a preventive visit to tC the same day.
    await order('w3', 'tD', at(2, '08:00'), at(2, '11:00'));
    await order('w4', 'tC', at(1, '08:00'), at(2, '15:00'));
    await k.updateTable('work_orders').set({ source: 'preventive' }).where('id', '=', 'w4').execute();
    await job.rollUp();
    expect(await orderDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    const rolledFtf = await firstTimeFix();
    expect(rolledFtf).toMatchObject({ numerator: 1, denominator: 1 }); // w3
    await equalToLive();

    // tD fails 3 days after w3 was done: w3 is no first-time fix; only the day it was done is read live again.
    await incident('i10', 'tD', 's2', 'm2', 'card_reader_swipe', at(5, '09:00'), at(5, '10:00'));
    expect(await orderDays()).toEqual(['2026-03-01', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expect(await firstTimeFix()).toMatchObject({ numerator: rolledFtf.numerator - 1, denominator: rolledFtf.denominator });
    await equalToLive();
    expect(await job.rollUp()).toContain('2026-03-02');
    expect(await orderDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expect(await firstTimeFix()).toMatchObject({ numerator: rolledFtf.numerator - 1, denominator: rolledFtf.denominator });
    await equalToLive();

    // A failure of a terminal without a work order done in the week before leaves the day rolled up.
    await incident('i11', 'tA', 's1', 'm1', 'offline', at(5, '12:00'), at(5, '13:00'));
    expect(await orderDays()).toContain('2026-03-02');

    // A follow-up of w3 made later, and w4's minutes corrected: each un-rolls the day they were done; the rolled day equals live again.
    await order('w5', 'tD', at(6, '09:00'), null, 'w3');
    expect(await orderDays()).not.toContain('2026-03-02');
    await job.rollUp();
    await k.updateTable('work_orders').set({ minutes_spent: 90, technician_id: null }).where('id', '=', 'w4').execute();
    expect(await orderDays()).not.toContain('2026-03-02');
    await equalToLive();
    await job.rollUp();
    expect(await orderDays()).toContain('2026-03-02');
    await equalToLive();
  });

  it('keeps a day rolled up when a fact is only about later days', async () => {
    await incident('i9', 'tC', 's2', 'm2', 'printer_jam', at(6, '20:00'), at(6, '21:00'));
    expect(await rolledDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
  });

  it("counts a terminal's rolled-up days where it is now: moved, out of service, back in service, deleted — the same KPIs as live, still rolled up", async () => {
    const k = db.kysely;
    await job.rollUp();
    const days = await rolledDays();
    expect(days).toContain('2026-03-03');
    await k.insertInto('sites').values({ id: 's3', merchant_id: 'm2', code: 'S3', name: 'Site s3', opening_hours: '{}', environment: '[]', created_at: CREATED, updated_at: CREATED }).execute();
    await k.updateTable('terminals').set({ site_id: 's3', model_id: 'B' }).where('id', '=', 'tA').execute(); // to another merchant's site and model
    await k.updateTable('terminals').set({ status: 'in_stock' }).where('id', '=', 'tC').execute();
    await k.updateTable('terminals').set({ status: 'active' }).where('id', '=', 'tE').execute(); // its jam on 3 Mar counts now
    await k.updateTable('terminals').set({ deleted_at: at(6, '12:00') }).where('id', '=', 'tB').execute();
    expect(await rolledDays()).toEqual(days);
    for (const groupBy of GROUPINGS) {
      const { live: expected, rolled: actual } = await both(groupBy);
      expect(actual, groupBy).toEqual(expected);
    }
    const s3 = (await both('site')).rolled.groups.find((g) => g.key === 's3')!.kpis;
    expect(s3.availability.numerator).toBeLessThan(s3.availability.denominator); // tA's downtime went with it
    // Back where it was: the rows follow again.
    await k.updateTable('terminals').set({ site_id: 's1', model_id: 'A', status: 'active' }).where('id', 'in', ['tA', 'tC']).execute();
    await k.updateTable('terminals').set({ site_id: 's2' }).where('id', '=', 'tC').execute();
    for (const groupBy of GROUPINGS) {
      const { live: expected, rolled: actual } = await both(groupBy);
      expect(actual, groupBy).toEqual(expected);
    }
  });
});
