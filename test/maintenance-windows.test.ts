// Maintenance windows end to end through the operator API: defining windows (validation, conflicts,
// time zones), planning work inside them, the tick that starts planned work only inside its window and
// moves it on when it can no longer finish, and a site's suggested window learnt from its heartbeats.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { MaintenanceRepository } from '../src/maintenance/maintenance.repository.ts';

const MINUTE = 60_000;
const NIGHTLY = { kind: 'cron', cron: '0 2 * * *', durationMinutes: 120 } as const;

interface Planned { jobId: string; terminalId: string; plannedStart: string; budgetMinutes: number; durationBasis: string; window: { id: string; start: string; end: string } }
interface JobView { id: string; state: string; plannedStart: string; startedAt: string | null; leaseUntil: string | null; waitingReason: string | null; waitingCode: string | null; transitions: { note: string | null }[] }

describe.each(databases())('maintenance windows on $name', (kind) => {
  let t: TestApp;
  // A Monday, 18:00 in Shanghai (the factories' merchants trade in Asia/Shanghai).
  let now = new Date('2026-06-15T10:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3', SQLITE_SYNCHRONOUS: 'NORMAL' }, () => now);
  });
  afterAll(() => t.close());

  /** A site whose terminals are enrolled and online. */
  async function site(count: number) {
    const estate = await buildEstate(t);
    const terminals = [];
    for (let i = 0; i < count; i++) {
      const terminal = await buildTerminal(t, estate);
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      terminals.push({ ...terminal, credential });
    }
    await beat(...terminals);
    return { estate, terminals };
  }
  const beat = async (...terminals: { credential: string }[]) => {
    for (const terminal of terminals) expect((await t.device('/device/v1/heartbeat', terminal.credential, heartbeatReport(seq++))).statusCode).toBe(200);
  };
  const step = (credential: string, jobId: string, body: unknown) => t.device(`/device/v1/maintenance/${jobId}/steps`, credential, body);
  const createWindow = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  };
  const plan = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/v1/maintenance/plans', { work: ['update'], reason: 'app 3.3', seed: 'test', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ planned: Planned[]; notFitting: { terminalId: string; reason: string; message: string }[] }>();
  };
  const job = async (id: string) => (await t.api('GET', `/api/v1/maintenance/jobs/${id}`)).json<JobView>();
  const at = (iso: string) => new Date(iso);
  const ms = (iso: string) => Date.parse(iso);

  describe('defining windows', () => {
    it("reads a site's window in the site's time zone, and lists, changes and deletes it", async () => {
      const { estate } = await site(0);
      const created = await createWindow({ target: { siteId: estate.site.id }, schedule: NIGHTLY });
      expect(created).toMatchObject({
        name: 'nightly', target: { siteId: estate.site.id }, schedule: NIGHTLY, timeZone: 'Asia/Shanghai',
        next: { start: '2026-06-15T18:00:00.000Z', end: '2026-06-15T20:00:00.000Z', localStart: '2026-06-16T02:00:00+08:00', localEnd: '2026-06-16T04:00:00+08:00' },
      });
      expect((await t.api('GET', `/api/v1/maintenance/windows/${created.id}`)).json()).toEqual(created);
      expect((await t.api('GET', `/api/v1/maintenance/windows?siteId=${estate.site.id}`)).json().items.map((w: { id: string }) => w.id)).toEqual([created.id]);

      const occurrences = await t.api('GET', `/api/v1/maintenance/windows/${created.id}/occurrences?from=2026-06-15T00:00:00.000Z&to=2026-06-18T00:00:00.000Z`);
      expect(occurrences.json().items.map((o: { localStart: string }) => o.localStart)).toEqual([
        '2026-06-16T02:00:00+08:00', '2026-06-17T02:00:00+08:00', '2026-06-18T02:00:00+08:00',
      ]);
      const tooLong = await t.api('GET', `/api/v1/maintenance/windows/${created.id}/occurrences?from=2026-06-15T00:00:00.000Z&to=2028-01-01T00:00:00.000Z`);
      expect(tooLong.json().error).toMatchObject({ code: 'validation_error', field: 'to', key: 'maintenance.range_too_long', params: { limit: 'days', max: 400 } });

      const changed = await t.api('PATCH', `/api/v1/maintenance/windows/${created.id}`, {
        name: 'weekends', schedule: { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=3;BYMINUTE=0', durationMinutes: 90 },
      });
      expect(changed.json()).toMatchObject({ name: 'weekends', next: { localStart: '2026-06-20T03:00:00+08:00', localEnd: '2026-06-20T04:30:00+08:00' } });

      expect((await t.api('DELETE', `/api/v1/maintenance/windows/${created.id}`)).statusCode).toBe(204);
      expect((await t.api('GET', `/api/v1/maintenance/windows/${created.id}`)).statusCode).toBe(404);
    });

    it('refuses a definition it cannot use, naming the field', async () => {
      const { estate } = await site(0);
      const target = { siteId: estate.site.id };
      const refused = async (body: Record<string, unknown>) => {
        const res = await t.api('POST', '/api/v1/maintenance/windows', { name: 'bad', target, ...body });
        expect(res.statusCode, res.body).toBe(400);
        return res.json().error as { code: string; field: string; message: string; key: string; params: Record<string, unknown> };
      };
      expect(await refused({ schedule: { kind: 'rrule', rrule: 'FREQ=SOMETIMES;BYHOUR=2', durationMinutes: 60 } })).toMatchObject({
        code: 'validation_error', field: 'schedule.rrule', key: 'maintenance.schedule.freq_unknown',
        params: { value: 'SOMETIMES', allowed: 'YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY' },
        message: '重复规则无法使用：FREQ=SOMETIMES 不是 YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY 之一',
      });
      expect(await refused({ schedule: { kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=25', durationMinutes: 60 } })).toMatchObject({
        field: 'schedule.rrule', key: 'maintenance.schedule.number_range', params: { part: 'BYHOUR', value: '25', min: 0, max: 23, signed: 'no' },
        message: '重复规则无法使用：BYHOUR 的值“25”必须在 0 到 23 之间',
      });
      expect(await refused({ schedule: { kind: 'cron', cron: '0 24 * * *', durationMinutes: 60 } })).toMatchObject({
        field: 'schedule.cron', key: 'maintenance.schedule.cron_out_of_range', params: { kind: 'value', value: '24', min: 0, max: 23 },
        message: 'cron 表达式无法使用：值 24 超出允许的范围 0-23',
      });
      expect(await refused({ schedule: { kind: 'cron', cron: '0 2 * * FOO', durationMinutes: 60 } })).toMatchObject({
        field: 'schedule.cron', key: 'maintenance.schedule.cron_unknown_name', params: { name: 'foo' }, message: 'cron 表达式无法使用：无法识别名称“foo”',
      });
      expect(await refused({ schedule: NIGHTLY, timeZone: 'Mars/Olympus_Mons' })).toMatchObject({ field: 'timeZone' });
      expect(await refused({ schedule: { kind: 'once', start: '2026-06-15T08:00:00Z', durationMinutes: 60 } })).toMatchObject({
        field: 'schedule.start', key: 'maintenance.once_ended', message: expect.stringContaining('单次维护窗口必须在将来结束'),
      });
      expect(await refused({ schedule: { ...NIGHTLY, durationMinutes: 0 } })).toMatchObject({
        field: 'schedule.durationMinutes', key: 'maintenance.duration_not_positive', params: { minutes: 0 }, message: '时长必须大于 0 分钟（当前为 0）。',
      });
      expect(await refused({ schedule: { kind: 'rrule', cron: '0 2 * * *', durationMinutes: 60 } })).toMatchObject({ field: 'schedule.cron' });
      expect(await refused({ target: { siteId: estate.site.id, merchantId: estate.merchant.id }, schedule: NIGHTLY })).toMatchObject({ field: 'target' });
      // A filter spans merchants: it has no time zone of its own to default to.
      expect(await refused({ target: { filter: { tag: 'counter' } }, schedule: NIGHTLY })).toMatchObject({ field: 'timeZone' });

      const missing = await t.api('POST', '/api/v1/maintenance/windows', { name: 'x', target: { siteId: randomUUID() }, schedule: NIGHTLY });
      expect(missing.statusCode).toBe(404);
      // A one-off window still ahead is fine, and keeps its instant.
      const once = await createWindow({ target, schedule: { kind: 'once', start: '2026-06-20T01:00:00+08:00', durationMinutes: 45 } });
      expect(once).toMatchObject({ next: { start: '2026-06-19T17:00:00.000Z', localEnd: '2026-06-20T01:45:00+08:00' } });
    });

    it('refuses a window that contradicts another of the same target, and only of the same target', async () => {
      const { estate } = await site(0);
      const other = await site(0);
      const target = { siteId: estate.site.id };
      const nightly = await createWindow({ target, schedule: NIGHTLY });
      const monday = { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=3;BYMINUTE=0', durationMinutes: 120 };

      const overlap = await t.api('POST', '/api/v1/maintenance/windows', { name: 'monday', target, schedule: monday });
      expect(overlap.statusCode).toBe(409);
      expect(overlap.json().error).toMatchObject({ code: 'conflict', field: 'schedule', key: 'maintenance.window_overlaps', params: { other: 'nightly' }, details: { conflicts: [{ windowId: nightly.id }] } });
      expect(overlap.json().error.message).toContain('“nightly”');
      await createWindow({ name: 'monday', target: { siteId: other.estate.site.id }, schedule: monday });
      const touching = await createWindow({ name: 'early', target, schedule: { kind: 'cron', cron: '0 4 * * *', durationMinutes: 60 } });

      const elsewhere = await t.api('POST', '/api/v1/maintenance/windows', { name: 'noon', target, schedule: { kind: 'cron', cron: '0 12 * * *', durationMinutes: 60 }, timeZone: 'Europe/Paris' });
      expect(elsewhere.statusCode).toBe(409);
      expect(elsewhere.json().error.field).toBe('timeZone');

      const moved = await t.api('PATCH', `/api/v1/maintenance/windows/${touching.id}`, { schedule: { kind: 'cron', cron: '0 3 * * *', durationMinutes: 60 } });
      expect(moved.statusCode).toBe(409);
    });

    it("hides another merchant's windows and sites from a merchant's users, as if they did not exist", async () => {
      const mine = await site(0);
      const theirs = await site(0);
      const window = await createWindow({ target: { siteId: theirs.estate.site.id }, schedule: NIGHTLY });
      const own = await createWindow({ target: { merchantId: mine.estate.merchant.id }, schedule: NIGHTLY });
      const user = await t.services.access.createUser({ email: `merchant-${kind.name}@windows.test`, name: 'Merchant', role: 'merchant', password: 'correct horse 12 battery', merchantId: mine.estate.merchant.id });
      const { token } = await t.services.access.createToken(user.id, { name: 'test' });
      const asMerchant = (url: string) => t.api('GET', url, undefined, { authorization: `Bearer ${token}` });
      expect((await asMerchant(`/api/v1/maintenance/windows/${window.id}`)).statusCode).toBe(404);
      expect((await asMerchant(`/api/v1/maintenance/windows/${window.id}/occurrences`)).statusCode).toBe(404);
      expect((await asMerchant(`/api/v1/sites/${theirs.estate.site.id}/suggested-window`)).statusCode).toBe(404);
      expect((await asMerchant('/api/v1/maintenance/windows')).json().items.map((w: { id: string }) => w.id)).toEqual([own.id]);
      expect((await asMerchant(`/api/v1/maintenance/windows/${own.id}`)).statusCode).toBe(200);
    });
  });

  describe('planned work inside windows', () => {
    it('plans jobs inside the next window, spread one at a time per site, and the tick starts them only there', async () => {
      now = at('2026-06-15T10:00:00.000Z');
      const { estate, terminals } = await site(2);
      const window = await createWindow({ target: { siteId: estate.site.id }, schedule: NIGHTLY }); // 18:00–20:00 UTC
      const { planned, notFitting } = await plan({ siteId: estate.site.id, maxMinutes: 240 });
      expect(notFitting).toEqual([]);
      expect(planned).toHaveLength(2);
      for (const p of planned) {
        expect(p).toMatchObject({ budgetMinutes: 20, durationBasis: 'default', window: { id: window.id, start: '2026-06-15T18:00:00.000Z', end: '2026-06-15T20:00:00.000Z' } });
        expect(ms(p.plannedStart)).toBeGreaterThanOrEqual(ms('2026-06-15T18:00:00.000Z'));
        expect(ms(p.plannedStart) + 20 * MINUTE).toBeLessThanOrEqual(ms('2026-06-15T20:00:00.000Z'));
      }
      const [first, second] = planned as [Planned, Planned];
      expect(ms(second.plannedStart) - ms(first.plannedStart)).toBeGreaterThanOrEqual(20 * MINUTE); // one at a time at the site
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      expect((await job(first.jobId)).state).toBe('scheduled');

      now = new Date(ms(first.plannedStart) - MINUTE);
      await beat(...terminals);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);

      now = at(first.plannedStart);
      await beat(...terminals);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
      // The lease (240 minutes asked) ends with the window, plus the grace: a closing window leaves no terminal in maintenance.
      expect(await job(first.jobId)).toMatchObject({ state: 'draining', startedAt: first.plannedStart, leaseUntil: '2026-06-15T20:05:00.000Z' });
      const credential = terminals.find((x) => x.id === first.terminalId)!.credential;
      await step(credential, first.jobId, { state: 'in_maintenance' });
      await step(credential, first.jobId, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] });
      expect((await job(second.jobId)).state).toBe('scheduled');

      now = at(second.plannedStart);
      await beat(...terminals);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
      expect(await job(second.jobId)).toMatchObject({ state: 'draining', leaseUntil: '2026-06-15T20:05:00.000Z' });
    });

    it('never starts a planned job outside its window: when the window moved, so does the job', async () => {
      now = at('2026-06-15T10:00:00.000Z');
      const { estate, terminals } = await site(2);
      const window = await createWindow({ target: { siteId: estate.site.id }, schedule: NIGHTLY });
      const [p] = (await plan({ terminalIds: [terminals[0]!.id] })).planned as [Planned];
      const later = await t.api('PATCH', `/api/v1/maintenance/windows/${window.id}`, { schedule: { kind: 'cron', cron: '0 4 * * *', durationMinutes: 60 } }); // 20:00–21:00 UTC
      expect(later.statusCode).toBe(200);

      now = at(p.plannedStart);
      await beat(...terminals);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      const moved = await job(p.jobId);
      expect(moved.state).toBe('scheduled');
      expect(moved.waitingReason).toMatch(/^maintenance window "nightly" is not open at .*; moved to the next maintenance window: 2026-06-16T04:/);
      expect(ms(moved.plannedStart)).toBeGreaterThanOrEqual(ms('2026-06-15T20:00:00.000Z'));
      expect(ms(moved.plannedStart) + 20 * MINUTE).toBeLessThanOrEqual(ms('2026-06-15T21:00:00.000Z'));
      expect(moved.transitions.at(-1)!.note).toBe(moved.waitingReason);
      expect(moved.waitingCode).toBe('window_closed');

      now = at(moved.plannedStart);
      await beat(...terminals);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
      const started = await job(p.jobId);
      expect(started.state).toBe('draining');
      expect(ms(started.leaseUntil!)).toBeLessThanOrEqual(ms('2026-06-15T21:05:00.000Z'));
    });

    it('keeps a job that can no longer finish before the window ends for the next occurrence', async () => {
      now = at('2026-06-15T10:00:00.000Z');
      const { estate, terminals: [a, b] } = await site(2);
      await createWindow({ target: { siteId: estate.site.id }, schedule: { ...NIGHTLY, durationMinutes: 60 } }); // 18:00–19:00 UTC
      const [p] = (await plan({ terminalIds: [a!.id], maxMinutes: 240 })).planned as [Planned];

      // At its start the other terminal is offline: the continuity rule holds the job back.
      now = at(p.plannedStart);
      await beat(a!);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      expect((await job(p.jobId)).waitingReason).toContain('at least 1 must stay');
      expect((await job(p.jobId)).waitingCode).toBe('last_in_service');

      // When the other terminal is back, 20 minutes of work no longer fit before 19:00.
      now = at('2026-06-15T18:45:00.000Z');
      await beat(a!, b!);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      const waiting = await job(p.jobId);
      expect(waiting.state).toBe('scheduled');
      expect(waiting.waitingReason).toBe(
        '20 minutes of work started now would end at 2026-06-15T19:05:00.000Z, after the window closes at 2026-06-15T19:00:00.000Z; '
        + `moved to the next maintenance window: ${inShanghai(waiting.plannedStart)} (${waiting.plannedStart})`,
      );
      // Same place in tomorrow's window, so a spread plan stays spread.
      expect(ms(waiting.plannedStart) - ms(p.plannedStart)).toBe(24 * 60 * MINUTE);
      expect(waiting.transitions.at(-1)!.note).toBe(waiting.waitingReason);

      now = at(waiting.plannedStart);
      await beat(a!, b!);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
      expect(await job(p.jobId)).toMatchObject({ state: 'draining', leaseUntil: '2026-06-16T19:05:00.000Z' });
    });

    it('holds a job whose one-off window has passed, saying so once rather than at every tick', async () => {
      now = at('2026-06-15T10:00:00.000Z');
      const { terminals: [a, b] } = await site(2);
      await createWindow({ name: 'once', target: { terminalId: a!.id }, schedule: { kind: 'once', start: '2026-06-15T18:00:00Z', durationMinutes: 30 } });
      const [p] = (await plan({ terminalIds: [a!.id] })).planned as [Planned];
      now = at('2026-06-15T18:40:00.000Z');
      await beat(a!, b!);
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      const held = await job(p.jobId);
      expect(held).toMatchObject({ state: 'scheduled', plannedStart: p.plannedStart, waitingReason: 'no occurrence of maintenance window "once" from now on fits 20 minutes of work: abort the job or plan it again', waitingCode: 'no_fitting_window' });
      now = at('2026-06-15T18:41:00.000Z');
      expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
      expect((await job(p.jobId)).transitions).toHaveLength(held.transitions.length);
      // While a planned job waits for it, the window stays.
      expect((await t.api('DELETE', `/api/v1/maintenance/windows/${p.window.id}`)).statusCode).toBe(409);
      expect((await t.api('POST', `/api/v1/maintenance/jobs/${p.jobId}/abort`, {})).statusCode).toBe(200);
      expect((await t.api('DELETE', `/api/v1/maintenance/windows/${p.window.id}`)).statusCode).toBe(204);
    });

    it('reports the jobs that do not fit instead of creating them, and budgets from past durations', async () => {
      now = at('2026-06-15T10:00:00.000Z');
      const { estate, terminals: [a, b] } = await site(2);
      await createWindow({ target: { siteId: estate.site.id }, schedule: { ...NIGHTLY, durationMinutes: 60 } });
      // A repair's default budget (p90) is 90 minutes: longer than the window.
      const repair = await plan({ terminalIds: [a!.id], work: ['repair'] });
      expect(repair.planned).toEqual([]);
      expect(repair.notFitting).toMatchObject([{ terminalId: a!.id, reason: 'longer_than_window' }]);
      expect((await t.api('GET', `/api/v1/terminals/${a!.id}/maintenance-jobs`)).json().items).toEqual([]);

      const elsewhere = await site(1);
      const none = await plan({ terminalIds: [elsewhere.terminals[0]!.id] });
      expect(none.notFitting).toMatchObject([{ reason: 'no_window', message: expect.stringContaining('no maintenance window applies') }]);

      // This model's updates took 50 minutes each time: the plan budgets 50, leaving 10 minutes of room at 18:00–18:08.
      for (let i = 0; i < 5; i++) await finishedJob(b!.id, estate.site.id, 'update', 50);
      const update = await plan({ terminalIds: [a!.id] });
      expect(update.planned).toMatchObject([{ budgetMinutes: 50, durationBasis: 'model' }]);
      expect(ms(update.planned[0]!.plannedStart)).toBeLessThanOrEqual(ms('2026-06-15T18:08:00.000Z'));
      // A second plan for the same terminal reports its open job.
      expect((await plan({ terminalIds: [a!.id] })).notFitting).toMatchObject([{ reason: 'open_job' }]);
    });
  });

  describe('suggested window', () => {
    it('puts a café’s window at night, from its terminals’ trade, with the alternatives priced', async () => {
      const estate = await buildEstate(t);
      const daily = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '07:00', close: '15:00' }]]));
      const cafe = await t.services.estate.createSite({ merchantId: estate.merchant.id, code: `CAFE-${kind.name}`, name: 'Café', timeZone: 'Europe/Paris', openingHours: daily });
      const till = await t.services.estate.createTerminal({ serialNumber: `CAFE-TILL-${kind.name}`, modelId: estate.model.id, siteId: cafe.id });
      const { credential } = await enrolTerminal(t, till.serialNumber);

      // Two weeks of hourly heartbeats, each with the sales of the hour before it: the café trades 07–10
      // and 12–14 Paris time (UTC+2 in June), and nothing else. (Hourly: the rushes start and end on the
      // hour, and 336 heartbeats prove what 672 did in half the time.)
      const end = ms('2026-06-15T04:00:00.000Z');
      let beats = 0;
      for (let time = end - 14 * 24 * 60 * MINUTE + 60 * MINUTE; time <= end; time += 60 * MINUTE) {
        now = new Date(time);
        const hour = (new Date(time - 60 * MINUTE).getUTCHours() + 2) % 24;
        const sales = (hour >= 7 && hour < 10) || (hour >= 12 && hour < 14) ? 16 : 0;
        const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { transactions: { count: sales, amountMinor: sales * 450, currency: 'EUR' } }));
        expect(res.statusCode).toBe(200);
        beats++;
      }
      now = new Date(end); // Monday 06:00 in Paris

      const res = await t.api('GET', `/api/v1/sites/${cafe.id}/suggested-window?minutes=60&days=7&preference=outside-opening-hours&batchClose=23:30`);
      expect(res.statusCode, res.body).toBe(200);
      const suggestion = res.json();
      expect(suggestion).toMatchObject({ siteId: cafe.id, timeZone: 'Europe/Paris', currency: 'EUR', basis: 'history', history: { heartbeats: beats, terminals: 1, shortened: false } });
      expect(suggestion.history.weeks).toBeCloseTo(2, 1);
      const [best, ...alternatives] = suggestion.candidates as { start: string; end: string; localStart: string; expectedLossMinor: number; expectedTransactions: number }[];
      expect(best!.localStart).toMatch(/T0[0-5]:[0-5][05]:00\+02:00$/); // at night
      expect(best).toMatchObject({ expectedLossMinor: 0, expectedTransactions: 0 });
      expect(ms(best!.end) - ms(best!.start)).toBe(60 * MINUTE);
      expect(alternatives).toHaveLength(4);
      for (const alternative of alternatives) expect(alternative.expectedLossMinor).toBeGreaterThanOrEqual(best!.expectedLossMinor);

      // Three hours inside opening hours always cut into a rush: the cheapest costs one hour of it (16 sales of €4.50 a day).
      const inside = (await t.api('GET', `/api/v1/sites/${cafe.id}/suggested-window?minutes=180&preference=inside-opening-hours`)).json();
      const losses = inside.candidates.map((c: { expectedLossMinor: number }) => c.expectedLossMinor);
      expect(inside.candidates[0]).toMatchObject({ expectedTransactions: 16, openMinutes: 180 });
      expect(losses[0]).toBeGreaterThan(7000);
      expect(losses[0]).toBeLessThan(7400);
      expect(losses).toEqual([...losses].sort((x: number, y: number) => x - y));
    });

    it("learns a new site's trade from an imported history (CSV or JSON), idempotently, and refuses a bad row naming it", async () => {
      const { estate } = await site(0);
      const url = `/api/v1/sites/${estate.site.id}/trading-history`;
      // Four weeks of a noodle shop in Shanghai from its acquirer's settlement file: it trades from 06:00
      // until 01:00 local, every quarter hour; quiet from 01:00 to 06:00.
      const lines = ['start,transactions,amountMinor'];
      const quarter = 15 * MINUTE;
      const first = Math.floor(now.getTime() / quarter) * quarter - 28 * 24 * 60 * MINUTE;
      for (let at = first; at + quarter <= now.getTime(); at += quarter) {
        const local = new Date(at + 8 * 60 * MINUTE).getUTCHours();
        if (local >= 1 && local < 6) continue;
        lines.push(`${new Date(at).toISOString()},${3 + (at / quarter) % 4},${2500 + (at / quarter) % 7 * 100}`);
      }
      const csv = `${lines.join('\n')}\n`;
      const before = (await t.api('GET', `/api/v1/sites/${estate.site.id}/suggested-window?minutes=60`)).json();
      expect(before.basis).toBe('none');

      const imported = await t.api('POST', `${url}?currency=CNY`, csv);
      expect(imported.statusCode, imported.body).toBe(200);
      expect(imported.json()).toMatchObject({ siteId: estate.site.id, buckets: lines.length - 1, currency: 'CNY' });
      const suggested = (await t.api('GET', `/api/v1/sites/${estate.site.id}/suggested-window?minutes=60`)).json();
      expect(suggested).toMatchObject({ basis: 'history', currency: 'CNY', history: { heartbeats: 0, imported: { buckets: lines.length - 1 } } });
      for (const c of suggested.candidates.slice(0, 3)) {
        const hour = Number(c.localStart.slice(11, 13));
        expect(hour >= 1 && hour < 5, c.localStart).toBe(true);
        expect(c.expectedLossMinor).toBe(0);
      }
      // The same file again changes nothing; a JSON import of one bucket replaces that bucket only.
      expect((await t.api('POST', `${url}?currency=CNY`, csv)).json()).toEqual(imported.json());
      const count = async () => Number((await t.services.db.kysely.selectFrom('site_trading_history').select((eb) => eb.fn.countAll().as('n')).where('site_id', '=', estate.site.id).executeTakeFirstOrThrow()).n);
      expect(await count()).toBe(lines.length - 1);
      const one = await t.api('POST', url, { currency: 'CNY', buckets: [{ start: lines[1]!.split(',')[0], transactions: 0 }] });
      expect(one.json()).toMatchObject({ buckets: 1, transactions: 0 });
      expect(await count()).toBe(lines.length - 1);
      expect((await t.api('GET', `/api/v1/sites/${estate.site.id}/suggested-window?minutes=60`)).json().candidates).toEqual(suggested.candidates);

      // Every row is checked first: the first bad one is named, and nothing is stored.
      const refused = async (body: unknown, field: string, key: string, params?: Record<string, unknown>) => {
        const res = await t.api('POST', url, body);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'validation_error', field, key, ...(params && { params }) });
      };
      await refused(`${lines[0]}\n${lines[5]}\n2026-06-01T10:07:00Z,3,100\n`, 'line 3: start', 'maintenance.trading_start_quarter');
      await refused('start;transactions\n2026-06-01T10:00:00+08:00;-2\n', 'line 2: transactions', 'maintenance.trading_transactions');
      await refused('when,transactions\n', 'body', 'maintenance.trading_csv_column_missing', { column: 'start' });
      await refused({ buckets: [{ start: '2026-06-01T10:00:00Z', transactions: 1 }, { start: '2026-06-01T10:15:00Z', transactions: 1.5 }] }, 'buckets.1.transactions', 'maintenance.trading_transactions');
      await refused({ buckets: [{ start: '2099-01-01T00:00:00Z', transactions: 1 }] }, 'buckets.0.start', 'maintenance.trading_not_over');
      await refused({ buckets: [{ start: '2026-06-01 10:00', transactions: 1 }] }, 'buckets.0.start', 'maintenance.trading_start_format');
      await refused({ buckets: [{ start: '2026-06-01T10:00:00Z', transactions: 1 }, { start: '2026-06-01T18:00:00+08:00', transactions: 1 }] }, 'buckets.1.start', 'maintenance.trading_repeats');
      await refused({ buckets: [], currency: 'CNY' }, 'buckets', 'maintenance.trading_no_bucket');
      await refused({ rows: [] }, 'rows', 'maintenance.trading_unknown_field', { field: 'rows' });
      await refused({ currency: 'yuan', buckets: [] }, 'currency', 'maintenance.trading_currency');
      expect(await count()).toBe(lines.length - 1);
      expect((await t.api('POST', '/api/v1/sites/no-such-site/trading-history', csv)).statusCode).toBe(404);
    });

    it('falls back to opening hours for a site without history', async () => {
      const { estate } = await site(0);
      await t.api('PATCH', `/api/v1/sites/${estate.site.id}`, { openingHours: { mon: [{ open: '09:00', close: '21:00' }] } });
      const res = await t.api('GET', `/api/v1/sites/${estate.site.id}/suggested-window?minutes=90&days=2&top=1`);
      expect(res.json()).toMatchObject({ basis: 'opening-hours', history: null, candidates: [{ expectedLossMinor: 0, openMinutes: 0, preferenceMet: true }] });
      expect((await t.api('GET', `/api/v1/sites/${estate.site.id}/suggested-window?batchClose=25:00`)).json().error.field).toBe('batchClose');
    });
  });

  /** A completed job of `minutes`, as history for expected durations. */
  async function finishedJob(terminalId: string, siteId: string, work: string, minutes: number) {
    const started = new Date(now.getTime() - 7 * 24 * 60 * MINUTE);
    const ended = new Date(started.getTime() + minutes * MINUTE).toISOString();
    await new MaintenanceRepository(t.services.db.kysely).insertJob(t.services.db.kysely, {
      id: randomUUID(), terminal_id: terminalId, site_id: siteId, work: JSON.stringify([work]), reason: 'history', state: 'completed',
      planned_start: started.toISOString(), expected_minutes: minutes, max_minutes: minutes * 2, started_at: started.toISOString(), lease_until: null,
      ended_at: ended, waiting_reason: null, waiting_code: null, override_reason: null, self_tests: null, refused_transactions: 0, created_by: 'test',
      created_at: started.toISOString(), updated_at: ended,
    });
  }
});

/** Local time in Shanghai (UTC+8 all year) as the API writes it, to the minute. */
function inShanghai(iso: string): string {
  return `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16)}:00+08:00`;
}
