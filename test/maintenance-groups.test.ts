// A site's maintenance ended in one action (POST /api/v1/maintenance/jobs/group): finish, extend or cancel
// every job of the group, with an outcome per job; a second click does no harm; the action is audited
// and needs the maintenance permission like the per-job moves beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface Result { jobId: string; terminalId: string | null; outcome: string; state: string | null }

describe.each(databases())('group actions on maintenance jobs on $name', (kind) => {
  let t: TestApp;
  const now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3' }, () => now);
  });
  afterAll(() => t.close());

  /** A site of `count` online terminals put into maintenance as a whole: all but one start, the last waits. */
  async function siteInMaintenance(count: number) {
    const estate = await buildEstate(t);
    const terminals = [];
    for (let i = 0; i < count; i++) {
      const terminal = await buildTerminal(t, estate);
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++));
      terminals.push({ ...terminal, credential });
    }
    const res = await t.api('POST', '/api/v1/maintenance/jobs', { siteId: estate.site.id, work: ['update'], reason: 'patch 3.2.1', expectedMinutes: 30, maxMinutes: 60 });
    expect(res.statusCode, res.body).toBe(201);
    return { terminals, jobs: res.json().items as { id: string; terminalId: string; state: string; leaseUntil: string | null }[] };
  }
  const group = (body: Record<string, unknown>) => t.api('POST', '/api/v1/maintenance/jobs/group', body);

  it('finishes a whole site in one action, withdraws the job still waiting, and a second click changes nothing', async () => {
    const { terminals, jobs } = await siteInMaintenance(4);
    expect(jobs.map((j) => j.state).sort()).toEqual(['draining', 'draining', 'draining', 'scheduled']);
    const ids = jobs.map((j) => j.id);
    const res = await group({ action: 'finish', jobIds: ids, note: 'site reopened' });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Result[];
    expect(items.map((i) => i.jobId)).toEqual(ids);
    expect(items.map((i) => [i.outcome, i.state])).toEqual(jobs.map((j) => (j.state === 'scheduled' ? ['withdrawn', 'aborted'] : ['completed', 'completed'])));
    expect(items.map((i) => i.terminalId)).toEqual(jobs.map((j) => j.terminalId));
    for (const terminal of terminals) expect((await t.device('/device/v1/heartbeat', terminal.credential, heartbeatReport(seq++))).json().mode).toBe('normal');

    const again = (await group({ action: 'finish', jobIds: ids })).json().items as Result[];
    expect(again.map((i) => i.outcome)).toEqual(['already_ended', 'already_ended', 'already_ended', 'already_ended']);
    const abortAfter = (await group({ action: 'abort', jobIds: ids })).json().items as Result[];
    expect(abortAfter.every((i) => i.outcome === 'already_ended')).toBe(true);
    // Each job keeps its own history, with who ended it and why.
    const history = (await t.api('GET', `/api/v1/maintenance/jobs/${ids[0]}`)).json().transitions as { to: string; note: string | null }[];
    expect(history.at(-1)).toMatchObject({ note: 'site reopened' });
  });

  it('extends and then cancels a group, and names the jobs it cannot find', async () => {
    const { jobs } = await siteInMaintenance(3);
    const running = jobs.find((j) => j.state === 'draining')!;
    const extended = (await group({ action: 'extend', jobIds: jobs.map((j) => j.id), minutes: 30 })).json().items as Result[];
    expect(extended.every((i) => i.outcome === 'extended')).toBe(true);
    const after = (await t.api('GET', `/api/v1/maintenance/jobs/${running.id}`)).json();
    expect(new Date(after.leaseUntil).getTime() - new Date(running.leaseUntil!).getTime()).toBe(30 * 60_000);

    const cancelled = (await group({ action: 'abort', jobIds: [...jobs.map((j) => j.id), 'no-such-job'] })).json().items as Result[];
    expect(cancelled.map((i) => i.outcome)).toEqual(['aborted', 'aborted', 'aborted', 'not_found']);
    expect(cancelled.at(-1)).toEqual({ jobId: 'no-such-job', terminalId: null, outcome: 'not_found', state: null });
  });

  it('refuses an extension without minutes and an empty group, naming the field', async () => {
    const { jobs } = await siteInMaintenance(2);
    expect((await group({ action: 'extend', jobIds: [jobs[0]!.id] })).json().error).toMatchObject({ code: 'validation_error', field: 'minutes' });
    expect((await group({ action: 'finish', jobIds: [] })).json().error).toMatchObject({ code: 'validation_error', field: 'jobIds' });
    expect((await group({ action: 'reboot', jobIds: [jobs[0]!.id] })).json().error).toMatchObject({ code: 'validation_error', field: 'action' });
  });

  it('is audited, and refused to a role that may not put terminals into maintenance', async () => {
    const { jobs } = await siteInMaintenance(2);
    await group({ action: 'abort', jobIds: jobs.map((j) => j.id) });
    const audit = (await t.api('GET', '/api/v1/audit?limit=20')).json().items as { action: string; outcome: string }[];
    expect(audit.find((e) => e.action.includes('/maintenance/jobs/group'))).toMatchObject({ outcome: 'success' });
    const auditor = await t.services.access.createUser({ email: `auditor-${seq++}@groups.test`, name: 'Ann Auditor', role: 'auditor', password: 'correct horse 12 battery', locale: 'en' });
    const token = await t.services.access.createToken(auditor.id, { name: 'ro' });
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/maintenance/jobs/group', headers: { authorization: `Bearer ${token.token}` }, payload: { action: 'abort', jobIds: [jobs[0]!.id] } });
    expect(refused.statusCode).toBe(403);
  });
});
