// Planning remote preventive tasks, on each database: only tasks due within the lookahead and only into
// a maintenance window; a terminal no window can take is left alone for an hour, then tried again; an
// aborted job stores failed results with the operator's reason and leaves the task due to be planned again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe.each(databases())('planning remote preventive tasks on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-09-01T00:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
  });
  afterAll(() => t.close());

  const runs = async (planId: string) => (await t.api('GET', `/api/v1/preventive/remote-runs?planId=${planId}`)).json<{
    items: { id: string; terminalId: string; state: string; maintenanceJobId: string; dueAt: string; results: { itemCode: string; result: string; note: string | null }[] }[];
  }>().items;

  it('waits for a window, tries a windowless terminal again an hour later, and plans again after an abort', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const monthly = (await t.services.preventive.findTemplateByCode('monthly'))!.id;
    const yearly = (await t.services.preventive.findTemplateByCode('yearly'))!.id;
    const plan = (await t.api('POST', '/api/v1/preventive/plans', {
      name: 'Remote', templateIds: [monthly, yearly], filter: { siteId: estate.site.id }, startAt: new Date(now.getTime() - 40 * DAY).toISOString(),
    })).json<{ id: string; due: { templateCode: string; dueAt: string }[] }>();
    const monthlyDue = plan.due.find((d) => d.templateCode === 'monthly')!.dueAt;

    // No window applies: nothing is planned, and the terminal rests.
    expect(await t.services.remoteTasks.tick()).toEqual({ settled: 0, planned: 0 });
    const window = await t.api('POST', '/api/v1/maintenance/windows', {
      name: 'Tonight', target: { siteId: estate.site.id }, schedule: { kind: 'once', start: new Date(now.getTime() + 2 * 60 * MINUTE).toISOString(), durationMinutes: 180 },
    });
    expect(window.statusCode, window.body).toBe(201);
    now = new Date(now.getTime() + 10 * MINUTE);
    expect((await t.services.remoteTasks.tick()).planned).toBe(0);
    now = new Date(now.getTime() + 55 * MINUTE);
    // Rested an hour: planned, only the monthly task (yearly has no remote part, and is not due anyway).
    expect((await t.services.remoteTasks.tick()).planned).toBe(1);
    const [run] = await runs(plan.id);
    expect(run).toMatchObject({ terminalId: terminal.id, state: 'planned', dueAt: monthlyDue });
    const job = (await t.api('GET', `/api/v1/maintenance/jobs/${run!.maintenanceJobId}`)).json<{ state: string; work: string[]; plannedStart: string }>();
    expect(job).toMatchObject({ state: 'scheduled', work: ['security_hardening'] });
    // Planned once: another tick adds nothing.
    expect(await t.services.remoteTasks.tick()).toEqual({ settled: 0, planned: 0 });

    const aborted = await t.api('POST', `/api/v1/maintenance/jobs/${run!.maintenanceJobId}/abort`, { note: 'terminal is being replaced' });
    expect(aborted.statusCode, aborted.body).toBe(200);
    expect(await t.services.remoteTasks.tick()).toEqual({ settled: 1, planned: 1 });
    const after = await runs(plan.id);
    const settled = after.find((r) => r.id === run!.id)!;
    expect(settled.state).toBe('aborted');
    expect(settled.results).toEqual([
      { itemCode: 'self-test', result: 'fail', note: 'no self-test ran: terminal is being replaced', taskCode: 'monthly-remote', text: expect.any(Object) },
      { itemCode: 'security-check', result: 'fail', note: 'terminal is being replaced', taskCode: 'monthly-remote', text: expect.any(Object) },
    ]);
    expect(after.filter((r) => r.state === 'planned').map((r) => r.dueAt)).toEqual([monthlyDue]);
    const due = (await t.api('GET', `/api/v1/preventive/due?planId=${plan.id}`)).json<{ items: { templateCode: string; dueAt: string; lastDoneAt: string | null }[] }>().items;
    expect(due.find((d) => d.templateCode === 'monthly')).toMatchObject({ dueAt: monthlyDue, lastDoneAt: null });
  });

  it('lists remote runs only for technicians of the terminals of their work orders', async () => {
    const user = await t.services.access.createUser({ email: 'remote-tech@pm.test', name: 'Remote tech', role: 'technician', password: 'correct horse 12 battery' });
    const { token } = await t.services.access.createToken(user.id, { name: 'pm' });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/preventive/remote-runs', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toEqual([]);
    expect((await t.api('GET', '/api/v1/preventive/remote-runs')).json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
  });
});
