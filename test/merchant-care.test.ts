// The merchant's side end to end, on SQLite and PostgreSQL, with a real server, real SDK terminals and a
// clock the test drives: a shop's staff confirm their daily care on the terminal for a week (one skipped
// day at one site), another shop's owner confirms in the dashboard; PM compliance counts it and the
// skipped day shows as missed at that site. Then a terminal learns of its next maintenance a day
// ahead from its heartbeat answer, the merchant moves it within the policy (the planner re-plans it and
// shows the slot's expected loss first), and a move past the security update's deadline is refused,
// with the reason in both languages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal, type SavedState } from '../src/sdk/index.ts';
import { databases } from './support/databases.ts';
import { heartbeatContent, operatorApi, poll, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const PASSWORD = 'correct horse 12 battery';
/** Monday 7 December 2026, 12:00 in Shanghai. */
const T0 = Date.parse('2026-12-07T04:00:00.000Z');

interface CareTaskView { id: string; terminalId: string; dueAt: string; status: string; name: { en: string } }

describe.each(databases())('the merchant\'s side on $name', (db) => {
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  let server: TestServer;
  let api: OperatorApi;
  const terminals: PosFleetTerminal[] = [];

  beforeAll(async () => {
    offset = T0 - Date.now();
    server = await startTestServer({ prefix: 'posfleet-care', clock, env: { DATABASE_URL: await db.fresh(), SECURITY_DEADLINE_HOURS: '30' } });
    api = operatorApi(server);
  });
  afterAll(async () => {
    await Promise.all(terminals.map((t) => t.close()));
    await server?.close();
  });

  /** Calls the API as someone else (a merchant user's token), in a language; answers status and body. */
  const as = async (token: string, method: string, path: string, body?: unknown, language = 'en') => {
    const response = await fetch(server.url + path, {
      method, headers: { authorization: `Bearer ${token}`, 'accept-language': language, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by expect()
    return { status: response.status, body: await response.json() as any };
  };
  const merchantToken = async (merchantId: string, name: string, locale: 'zh-CN' | 'en' = 'zh-CN') => {
    const user = await server.services.access.createUser({ email: `${name}-${db.name}@shop.test`, name, role: 'merchant', merchantId, password: PASSWORD, locale });
    return (await server.services.access.createToken(user.id, { name })).token;
  };

  let shop: { merchantId: string; siteA: string; siteB: string; a: PosFleetTerminal; aId: string; bId: string; owner: string; stranger: string };

  it('counts a week of daily care by the staff in PM compliance, and shows a skipped day as missed at its site', async () => {
    const model = await api('POST', '/api/v1/terminal-models', {
      code: `CARE-${db.name}`, vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await api('POST', '/api/v1/merchants', { name: '青柠茶饮', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const other = await api('POST', '/api/v1/merchants', { name: 'Other shop', timeZone: 'Asia/Shanghai', locale: 'en' });
    const siteA = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'CARE-A', name: '人民广场店' })).id;
    const siteB = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'CARE-B', name: '静安寺店' })).id;
    await api('POST', '/api/v1/sites', { merchantId: other.id, code: 'CARE-O', name: 'Other site' });
    const enrol = async (siteId: string, serialNumber: string) => {
      const code = (await api('POST', '/api/v1/enrolment-codes', { modelId: model.id, siteId })).code as string;
      const t = new PosFleetTerminal({ server: server.url, serialNumber, now: clock, locale: 'zh-CN', timeZone: 'Asia/Shanghai', retry: { baseDelayMs: 10, maxDelayMs: 100, attempts: 3 } });
      terminals.push(t);
      return { t, id: (await t.enrol(code)).terminalId };
    };
    const a = await enrol(siteA, `CARE-A-${db.name}`);
    const b = await enrol(siteB, `CARE-B-${db.name}`);
    const templates = (await api('GET', '/api/v1/preventive/templates')).items as { id: string; code: string }[];
    const ids = ['daily', 'weekly'].map((code) => templates.find((x) => x.code === code)!.id);
    await api('POST', '/api/v1/preventive/plans', { name: 'Shop care', templateIds: ids, filter: { merchantId: merchant.id }, startAt: new Date(T0).toISOString() });
    const owner = await merchantToken(merchant.id, 'owner');
    const stranger = await merchantToken(other.id, 'stranger');
    shop = { merchantId: merchant.id, siteA, siteB, a: a.t, aId: a.id, bId: b.id, owner, stranger };

    /** Beats until the terminal holds the care list due now (the care tick loads a new plan within a second or so). */
    const careOf = async (t: PosFleetTerminal, dueAt: string) => poll(async () => {
      await t.heartbeat(heartbeatContent());
      await t.careSettled();
      const daily = t.careTasks.find((x) => x.id.endsWith(':daily-care'));
      return daily?.dueAt === dueAt ? t.careTasks : undefined;
    }, 30_000, `the care tasks due at ${dueAt}`);

    for (let day = 0; day < 7; day++) {
      offset = T0 + day * DAY + 2 * HOUR - Date.now(); // 14:00 in Shanghai
      const dueAt = new Date(T0 + (day + 1) * DAY).toISOString();
      const tasks = await careOf(a.t, dueAt);
      expect(tasks.map((x) => x.name).sort()).toEqual(['日常检查与清洁', '检查连接']);
      expect(tasks.find((x) => x.id.endsWith(':daily-care'))!.items).toContain('检查打印机是否卡纸');
      // Site A's staff skip Thursday; on Wednesday the paper is out.
      if (day !== 3) {
        const daily = tasks.find((x) => x.id.endsWith(':daily-care'))!;
        if (day === 2) a.t.confirmCare(daily.id, 'could_not', 'paper out of stock');
        else a.t.confirmCare(daily.id, 'done');
        if (day === 0) a.t.confirmCare(tasks.find((x) => x.id.endsWith(':weekly-connections'))!.id, 'done');
        expect(a.t.careTasks.find((x) => x.id === daily.id)!.status).toBe(day === 2 ? 'could_not' : 'done');
        const answered = await a.t.heartbeat(heartbeatContent());
        expect(answered.care?.pending).toBe(0); // the weekly check was answered on Monday for the week
      }
      // Site B's owner confirms in the dashboard; the other merchant sees nothing of it and cannot answer it.
      const today = await as(owner, 'GET', `/api/v1/care/today?siteId=${siteB}`);
      expect(today.status).toBe(200);
      const mine = (today.body.items as CareTaskView[]).filter((x) => x.terminalId === b.id);
      expect(mine.map((x) => x.dueAt)).toContain(dueAt);
      for (const task of mine.filter((x) => x.status === 'pending')) {
        const answer = await as(owner, 'POST', '/api/v1/care/confirmations', { taskId: task.id, dueAt: task.dueAt, outcome: 'done' });
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        expect(answer.body.confirmedBy).toBe('owner');
      }
      if (day === 0) {
        expect((await as(stranger, 'GET', '/api/v1/care/today')).body.items).toEqual([]);
        const refused = await as(stranger, 'POST', '/api/v1/care/confirmations', { taskId: mine[0]!.id, dueAt: mine[0]!.dueAt, outcome: 'done' });
        expect(refused.status).toBe(400);
        expect(refused.body.error.field).toBe('taskId');
      }
    }

    // A heartbeat retried with an answer already stored changes nothing (Wednesday stays "could not").
    const wednesday = new Date(T0 + 3 * DAY).toISOString();
    const dailyId = a.t.careTasks.find((x) => x.id.endsWith(':daily-care'))!.id;
    offset = T0 + 2 * DAY + 3 * HOUR - Date.now();
    await a.t.heartbeat(heartbeatContent({ care: [{ taskId: dailyId, dueAt: wednesday, outcome: 'done', at: clock().toISOString() }] }));

    offset = T0 + 7 * DAY + 4 * HOUR - Date.now();
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 7 * DAY + 1).toISOString();
    const report = (await as(owner, 'GET', `/api/v1/care/report?from=${from}&to=${to}`)).body.items as {
      siteId: string; due: number; done: number; couldNot: number; missed: number; missedTasks: { dueAt: string; terminalId: string }[]; couldNotTasks: { reason: string }[];
    }[];
    const atA = report.find((s) => s.siteId === siteA)!;
    const atB = report.find((s) => s.siteId === siteB)!;
    expect(atA).toMatchObject({ due: 8, done: 6, couldNot: 1, missed: 1 });
    expect(atA.missedTasks).toEqual([expect.objectContaining({ terminalId: a.id, dueAt: new Date(T0 + 4 * DAY).toISOString() })]);
    expect(atA.couldNotTasks[0]!.reason).toBe('paper out of stock');
    expect(atB).toMatchObject({ due: 8, done: 8, couldNot: 0, missed: 0 });
    expect((await as(stranger, 'GET', `/api/v1/care/report?from=${from}&to=${to}`)).body.items).toEqual([]);

    const kpis = await api('GET', `/api/v1/kpis?from=${from}&to=${to}&groupBy=site`);
    expect(kpis.total.kpis.pmCompliance).toMatchObject({ numerator: 14, denominator: 16 });
    expect(kpis.groups.find((g: { key: string }) => g.key === siteA).kpis.pmCompliance).toMatchObject({ numerator: 6, denominator: 8 });
  });

  it('tells the terminal of its next maintenance a day ahead, lets the merchant move it within the policy, and refuses a move past the security deadline', async () => {
    const { a, aId, owner, stranger, merchantId } = shop;
    // This test plans its own job: the periodic planner of remote preventive tasks (the weekly remote check
    // is due after the first test's week) would otherwise race it into the same window.
    server.services.jobs.handle('preventive-remote-tick', async () => {});
    // Monday 14 December, 16:00 in Shanghai; the shop's window is 02:00–04:00 every night.
    offset = Date.parse('2026-12-14T08:00:00.000Z') - Date.now();
    await api('POST', '/api/v1/maintenance/windows', { name: 'Nightly', target: { merchantId }, timeZone: 'Asia/Shanghai', schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 120 } });
    // The clock just moved a week on: the terminal speaks at the new time first, or the planner could
    // find it offline (its last heartbeat a week ago) and plan nothing.
    await a.heartbeat(heartbeatContent());
    const plan = await api('POST', '/api/v1/maintenance/plans', { terminalIds: [aId], work: ['security_hardening'], reason: 'PCI patch 2026-12', expectedMinutes: 30, seed: 1, packed: true });
    expect(plan.planned, JSON.stringify(plan.notFitting)).toHaveLength(1);
    const jobId = plan.planned[0].jobId as string;
    expect(plan.planned[0].plannedStart).toBe('2026-12-14T18:00:00.000Z'); // Tuesday 02:00 local

    const next = await poll(async () => (await a.heartbeat(heartbeatContent())).nextMaintenance ?? undefined, 30_000, 'the next maintenance in the heartbeat answer');
    expect(next).toMatchObject({ jobId, start: '2026-12-14T18:00:00.000Z', expectedMinutes: 30, reason: '安全更新', note: 'PCI patch 2026-12' });
    expect(a.nextMaintenance?.jobId).toBe(jobId);
    expect(a.maintenanceNotice()).toBe('计划维护：12-15 02:00–02:30 安全更新，届时暂停收款');
    expect(a.maintenanceNotice({ receipt: true })).toBe(a.maintenanceNotice()); // printed on receipts the day before

    // The merchant sees it with its expected loss, and may move it twice, by at most 72 hours.
    // (the weekly remote check of the shop's other terminal may be planned into the window too)
    const upcoming = (await as(owner, 'GET', '/api/v1/merchant/maintenance')).body.items as { jobId: string }[];
    expect(upcoming.find((j) => j.jobId === jobId)).toMatchObject({ movesLeft: 2, deadline: '2026-12-16T00:00:00.000Z', reasons: { 'zh-CN': '安全更新' } });
    expect((await as(stranger, 'GET', '/api/v1/merchant/maintenance')).body.items).toEqual([]);
    expect((await as(stranger, 'POST', `/api/v1/maintenance/jobs/${jobId}/move`, { startAt: '2026-12-15T00:00:00.000Z' })).status).toBe(404);

    // Asked for Tuesday 08:00: the planner finds Wednesday 02:00, the next slot in the window, and shows it first.
    const preview = await as(owner, 'POST', `/api/v1/maintenance/jobs/${jobId}/move`, { startAt: '2026-12-15T00:00:00.000Z' });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ moved: false, start: '2026-12-15T18:00:00.000Z', window: 'Nightly', movesLeft: 2, currency: 'CNY' });
    expect(typeof preview.body.expectedLossMinor).toBe('number');
    expect((await api('GET', `/api/v1/maintenance/jobs/${jobId}`)).plannedStart).toBe('2026-12-14T18:00:00.000Z');

    const moved = await as(owner, 'POST', `/api/v1/maintenance/jobs/${jobId}/move`, { startAt: '2026-12-15T00:00:00.000Z', confirm: true });
    expect(moved.body).toMatchObject({ moved: true, start: '2026-12-15T18:00:00.000Z', movesLeft: 1 });
    const job = await api('GET', `/api/v1/maintenance/jobs/${jobId}`);
    expect(job.plannedStart).toBe('2026-12-15T18:00:00.000Z');
    expect(job.transitions.at(-1).note).toContain('moved by owner from 2026-12-14T18:00:00.000Z to 2026-12-15T18:00:00.000Z');
    expect((await a.heartbeat(heartbeatContent())).nextMaintenance?.start).toBe('2026-12-15T18:00:00.000Z');
    expect(a.maintenanceNotice({ receipt: true })).toBeUndefined(); // no longer tomorrow
    // The operator sees the move: on the audit trail (who, from when to when, the new slot's expected loss;
    // the preview moved nothing and is not there) and in the moves the calendar shows for that week.
    const audit = (await api('GET', '/api/v1/audit?action=maintenance_job.move')).items as { objectId: string; actorName: string; outcome: string; details: Record<string, unknown> }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      objectId: jobId, actorName: 'owner', outcome: 'success',
      details: { fromStart: '2026-12-14T18:00:00.000Z', toStart: '2026-12-15T18:00:00.000Z', window: 'Nightly', expectedLossMinor: moved.body.expectedLossMinor, currency: 'CNY', movesLeft: 1 },
    });
    const week = (await api('GET', `/api/v1/maintenance/moves?from=2026-12-14T00:00:00.000Z&to=2026-12-21T00:00:00.000Z&merchantId=${merchantId}`)).items;
    expect(week).toEqual([expect.objectContaining({
      jobId, terminalId: aId, fromStart: '2026-12-14T18:00:00.000Z', toStart: '2026-12-15T18:00:00.000Z', movedBy: 'owner',
      expectedLossMinor: moved.body.expectedLossMinor, currency: 'CNY', timeZone: 'Asia/Shanghai', reasons: expect.objectContaining({ 'zh-CN': '安全更新' }),
    })]);
    expect((await api('GET', '/api/v1/maintenance/moves?from=2026-12-21T00:00:00.000Z')).items).toEqual([]);
    expect((await as(stranger, 'GET', '/api/v1/maintenance/moves')).body.items).toEqual([]);
    expect((await as(owner, 'GET', '/api/v1/maintenance/moves')).body.items).toHaveLength(1);

    // Thursday's slot would end after the security update's deadline: refused, saying why, in both languages.
    const late = await as(owner, 'POST', `/api/v1/maintenance/jobs/${jobId}/move`, { startAt: '2026-12-16T00:00:00.000Z', confirm: true }, 'zh-CN');
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({ field: 'startAt', key: 'move.past_deadline' });
    expect(late.body.error.message).toContain('此安全更新必须在');
    const ownerEn = await merchantToken(merchantId, 'owner-en', 'en');
    const lateEn = await as(ownerEn, 'POST', `/api/v1/maintenance/jobs/${jobId}/move`, { startAt: '2026-12-15T20:00:00.000Z' });
    expect(lateEn.status).toBe(400);
    expect(lateEn.body.error.message).toContain('This security update must be done by 2026-12-16T00:00:00.000Z');
    expect((await api('GET', `/api/v1/maintenance/jobs/${jobId}`)).plannedStart).toBe('2026-12-15T18:00:00.000Z');
    // Every move asked for is on the audit trail as a request (the refused ones as refused); only the move made as a move.
    const requests = (await api('GET', '/api/v1/audit?action=POST%20%2Fapi%2Fv1%2Fmaintenance%2Fjobs%2F%3Aid%2Fmove')).items as { objectId: string; outcome: string }[];
    expect(requests.filter((e) => e.objectId === jobId && e.outcome === 'failure')).toHaveLength(3); // the stranger's, the late one, and its preview
    expect((await api('GET', '/api/v1/audit?action=maintenance_job.move')).items).toHaveLength(1);
  });

  it('keeps a care answer made while the link is down through a restart of the app and sends it with the next heartbeat; two plans list a task once', async () => {
    // Monday 21 December, 14:00 in Shanghai: a shop covered by two plans that both hold the daily care.
    offset = Date.parse('2026-12-21T06:00:00.000Z') - Date.now();
    const model = await api('POST', '/api/v1/terminal-models', {
      code: `CARE2-${db.name}`, vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await api('POST', '/api/v1/merchants', { name: '两份计划的店', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const siteId = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'CARE-TWO', name: '两份计划门店' })).id;
    const code = (await api('POST', '/api/v1/enrolment-codes', { modelId: model.id, siteId })).code as string;
    let down = false;
    let saved: SavedState | undefined;
    const options = {
      server: server.url, serialNumber: `CARE-TWO-${db.name}`, now: clock, locale: 'zh-CN' as const, timeZone: 'Asia/Shanghai', retry: { baseDelayMs: 5, maxDelayMs: 10, attempts: 1 },
      fetch: (url: string, init: RequestInit) => (down ? Promise.reject(new TypeError('fetch failed: the shop\'s link is down')) : fetch(url, init)),
      store: (state: SavedState) => { saved = structuredClone(state); },
    };
    const first = new PosFleetTerminal(options);
    terminals.push(first);
    const terminalId = (await first.enrol(code)).terminalId;
    const templates = (await api('GET', '/api/v1/preventive/templates')).items as { id: string; code: string }[];
    const idOf = (c: string) => templates.find((x) => x.code === c)!.id;
    const startAt = new Date(clock().getTime() - HOUR).toISOString();
    await api('POST', '/api/v1/preventive/plans', { name: 'Merchant care', templateIds: [idOf('daily')], filter: { merchantId: merchant.id }, startAt });
    await api('POST', '/api/v1/preventive/plans', { name: 'Site calendar', templateIds: [idOf('daily'), idOf('weekly')], filter: { siteId }, startAt });

    // Both plans' tasks are loaded (the weekly check comes from the second only), and the daily care is there once.
    const tasks = await poll(async () => {
      await first.heartbeat(heartbeatContent());
      await first.careSettled();
      return first.careTasks.some((x) => x.id.endsWith(':weekly-connections')) ? first.careTasks : undefined;
    }, 30_000, 'the care tasks of both plans');
    expect(tasks.map((x) => x.name).sort()).toEqual(['日常检查与清洁', '检查连接']);
    const today = (await api('GET', `/api/v1/care/today?siteId=${siteId}`)).items as CareTaskView[];
    expect(today.map((x) => x.name.en).sort()).toEqual(['Check connections', 'Daily check and cleaning']);
    const daily = tasks.find((x) => x.id.endsWith(':daily-care'))!;

    // The link drops; the staff confirm the daily care on the terminal; the heartbeat cannot go.
    down = true;
    await first.confirmCare(daily.id, 'done');
    expect(saved?.careAnswers).toEqual([expect.objectContaining({ taskId: daily.id, dueAt: daily.dueAt, outcome: 'done' })]);
    await expect(first.heartbeat(heartbeatContent())).rejects.toThrow();
    expect(saved?.careAnswers).toHaveLength(1);
    await first.close();

    // The app restarts from its saved state with the link back: the next heartbeat carries the answer.
    down = false;
    const state = saved!;
    const restarted = new PosFleetTerminal({ ...options, credential: state.credential, lastSeq: state.lastSeq, mode: state.mode, ...(state.careAnswers && { careAnswers: state.careAnswers }) });
    terminals.push(restarted);
    await restarted.heartbeat(heartbeatContent());
    expect(saved?.careAnswers).toBeUndefined(); // delivered: nothing left to keep
    const stored = await poll(async () => {
      const items = (await api('GET', `/api/v1/care/today?siteId=${siteId}`)).items as (CareTaskView & { confirmedBy: string | null })[];
      const task = items.find((x) => x.id === daily.id);
      return task?.status === 'done' ? task : undefined;
    }, 30_000, 'the care answer stored after the restart');
    expect(stored).toMatchObject({ terminalId, confirmedBy: `terminal CARE-TWO-${db.name}` });
  });
});
