// Remote preventive tasks end to end: a plan's weekly remote check (software update check and data
// backup) falls due, the periodic job plans it as a maintenance job inside each terminal's maintenance
// window, real SDK terminals carry the jobs out when the (controllable) server clock reaches the
// window, and the outcome is stored as the task's checklist results: a terminal whose self-tests pass
// has its task done and due again a week on; one whose PIN pad fails has the items failed with what it
// reported, and its task stays due.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal, type MaintenanceHandlers, type SelfTestResult } from '../src/sdk/index.ts';
import { heartbeatContent, modelAndMerchant, operatorApi, poll, startTestServer, waitFor, type OperatorApi, type TestServer } from './support/server.ts';

const SOON_MS = 30_000;
const BEAT_SECONDS = 0.2;
const MINUTE = 60_000;
const DAY = 86_400_000;

interface Run {
  id: string; terminalId: string; templateCode: string; maintenanceJobId: string; dueAt: string; state: string; endedAt: string | null;
  results: { itemCode: string; result: string; note: string | null }[];
  report: { jobState: string; selfTests: SelfTestResult[]; notes: string[] } | null;
}
interface Due { terminalId: string; templateCode: string; dueAt: string; lastDueAt: string | null; lastDoneAt: string | null; effectiveDays: number; performer: string }

function recordingHandlers(selfTests: SelfTestResult[]) {
  const calls: string[] = [];
  const handlers: MaintenanceHandlers = {
    drain: async () => void calls.push('drain'),
    perform: async (work) => void calls.push(`perform ${work.join('+')}`),
    restart: async () => void calls.push('restart'),
    selfTest: async () => (calls.push('selfTest'), selfTests),
    rollback: async () => void calls.push('rollback'),
  };
  return { calls, handlers };
}

describe('remote preventive tasks in maintenance windows', () => {
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  let server: TestServer;
  let api: OperatorApi;
  const closing: PosFleetTerminal[] = [];

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-pm-remote', clock });
    api = operatorApi(server);
  });
  afterAll(async () => {
    await Promise.all(closing.map((t) => t.close()));
    await server?.close();
  });

  /** Moves the server's (and the terminals') clock on; the periodic jobs due by then run at their next poll. */
  const jump = (ms: number) => { offset += ms; };
  const runsOf = async (planId: string): Promise<Run[]> => (await api('GET', `/api/v1/preventive/remote-runs?planId=${planId}`)).items;

  it('plans due remote tasks into the window, lets the terminals do them, and stores their checklist results', async () => {
    const { modelId, merchantId } = await modelAndMerchant(api, 'PMR', 'Remote PM');
    const good = recordingHandlers([{ name: 'card reader', passed: true }, { name: 'PIN pad', passed: true }]);
    const bad = recordingHandlers([{ name: 'card reader', passed: true }, { name: 'PIN pad', passed: false, detail: 'PIN pad key check failed' }]);
    const terminals: { id: string; handlers: ReturnType<typeof recordingHandlers> }[] = [];
    for (const [i, handlers] of [good, bad].entries()) {
      const siteId = (await api('POST', '/api/v1/sites', { merchantId, code: `PMR-${i}`, name: `Remote PM site ${i}` })).id;
      const code = (await api('POST', '/api/v1/enrolment-codes', { modelId, siteId, uses: 5 })).code as string;
      const enrol = async (serialNumber: string, maintenance?: MaintenanceHandlers) => {
        const t = new PosFleetTerminal({ server: server.url, serialNumber, now: clock, retry: { baseDelayMs: 10, maxDelayMs: 100, attempts: 3 }, ...(maintenance && { maintenance }) });
        closing.push(t);
        const { terminalId } = await t.enrol(code);
        t.start(() => heartbeatContent(), { intervalSeconds: BEAT_SECONDS });
        return terminalId;
      };
      // The continuity rule lets a terminal go only while another of its site trades: this one stays in service.
      await enrol(`PMR-${i}-COUNTER`);
      const id = await enrol(`PMR-${i}-1`, handlers.handlers);
      await api('PATCH', `/api/v1/terminals/${id}`, { tags: ['pm-remote'] });
      terminals.push({ id, handlers });
    }
    const [goodTerminal, badTerminal] = terminals as [(typeof terminals)[number], (typeof terminals)[number]];

    // Tonight's window (Shanghai), from half an hour ahead for ten hours.
    const opens = new Date(clock().getTime() + 30 * MINUTE);
    await api('POST', '/api/v1/maintenance/windows', { name: 'Nightly', target: { merchantId }, schedule: { kind: 'once', start: opens.toISOString(), durationMinutes: 600 } });
    const weekly = (await api('GET', '/api/v1/preventive/templates')).items.find((x: { code: string }) => x.code === 'weekly');
    const plan = await api('POST', '/api/v1/preventive/plans', { name: 'Remote checks', templateIds: [weekly.id], filter: { tag: 'pm-remote' }, startAt: new Date(clock().getTime() - 10 * DAY).toISOString() });
    const dueBefore = plan.due as Due[];
    expect(dueBefore.map((d) => d.dueAt < clock().toISOString())).toEqual([true, true]);

    // The periodic job plans both tasks, each as a maintenance job of its terminal inside the window.
    jump(11 * MINUTE);
    const planned = await poll(async () => {
      const runs = await runsOf(plan.id);
      return runs.length === 2 ? runs : undefined;
    }, SOON_MS, 'both remote tasks planned');
    expect(planned.map((r) => r.state)).toEqual(['planned', 'planned']);
    const jobs = await Promise.all(planned.map((r) => api('GET', `/api/v1/maintenance/jobs/${r.maintenanceJobId}`)));
    for (const job of jobs) {
      expect(job.work).toEqual(['update', 'data_sync']);
      expect(job.plannedStart >= opens.toISOString()).toBe(true);
      expect(job.reason).toContain('weekly');
    }
    // Nothing starts before the window opens.
    expect(goodTerminal.handlers.calls).toEqual([]);

    // The window opens: each terminal drains, does the work, restarts and self-tests.
    jump(Math.max(...jobs.map((j) => Date.parse(j.plannedStart))) - clock().getTime() + 1000);
    const ended = (id: string, states: string[]) => poll(async () => {
      const job = await api('GET', `/api/v1/maintenance/jobs/${id}`);
      return states.includes(job.state) ? job : undefined;
    }, SOON_MS * 2, `job ${id} in ${states.join(' or ')}`);
    const runOf = (terminalId: string, runs: Run[]) => runs.find((r) => r.terminalId === terminalId)!;
    const goodJob = await ended(runOf(goodTerminal.id, planned).maintenanceJobId, ['completed']);
    await ended(runOf(badTerminal.id, planned).maintenanceJobId, ['failed', 'rolled_back']);
    expect(goodTerminal.handlers.calls).toEqual(['drain', 'perform update+data_sync', 'restart', 'selfTest']);
    await waitFor(() => badTerminal.handlers.calls.includes('rollback'), SOON_MS, 'the failing terminal rolled back');

    // The next run of the periodic job stores the outcomes as the tasks' checklist results.
    jump(11 * MINUTE);
    const first = new Set(planned.map((r) => r.id));
    const runs = await poll(async () => {
      const all = (await runsOf(plan.id)).filter((r) => first.has(r.id));
      return all.every((r) => r.state !== 'planned') ? all : undefined;
    }, SOON_MS, 'both runs settled');
    const done = runOf(goodTerminal.id, runs);
    expect(done).toMatchObject({ state: 'completed', endedAt: goodJob.endedAt });
    expect(done.results.map((r) => [r.itemCode, r.result])).toEqual([['software-update-check', 'pass'], ['data-backup', 'pass']]);
    expect(done.report).toMatchObject({ jobState: 'completed', selfTests: [{ name: 'card reader', passed: true }, { name: 'PIN pad', passed: true }] });
    const failed = runOf(badTerminal.id, runs);
    expect(failed.state).toBe('failed');
    expect(failed.results.map((r) => [r.itemCode, r.result, r.note])).toEqual([
      ['software-update-check', 'fail', 'self-tests failed: PIN pad'], ['data-backup', 'fail', 'self-tests failed: PIN pad'],
    ]);
    expect(failed.report!.selfTests).toContainEqual({ name: 'PIN pad', passed: false, detail: 'PIN pad key check failed' });

    // Done: completed at the job's end, due again one interval after the date it served (fixed schedule).
    const due = (await api('GET', `/api/v1/preventive/due?planId=${plan.id}`)).items as Due[];
    const goodDue = due.find((d) => d.terminalId === goodTerminal.id)!;
    const goodBefore = dueBefore.find((d) => d.terminalId === goodTerminal.id)!;
    expect(goodDue).toMatchObject({ lastDueAt: goodBefore.dueAt, lastDoneAt: goodJob.endedAt, performer: 'remote' });
    expect(Date.parse(goodDue.dueAt)).toBe(Date.parse(goodBefore.dueAt) + Math.round(goodDue.effectiveDays * DAY));
    // Failed: still due as it was, and planned again while its window is open; the done one is not.
    // The tick settles, then plans: the retry may land just after the settled runs were read.
    const retries = await poll(async () => {
      const fresh = (await runsOf(plan.id)).filter((r) => !first.has(r.id));
      return fresh.length ? fresh : undefined;
    }, SOON_MS, 'the failed task planned again');
    expect(retries.map((r) => [r.terminalId, r.state, r.dueAt])).toEqual([[badTerminal.id, 'planned', failed.dueAt]]);
    expect(due.find((d) => d.terminalId === badTerminal.id)).toMatchObject({ dueAt: dueBefore.find((d) => d.terminalId === badTerminal.id)!.dueAt, lastDoneAt: null });
  }, 120_000);
});
