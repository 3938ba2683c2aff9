// Remote preventive tasks run by themselves: due tasks that PosFleet performs through the terminal
// protocol (software update check, data backup, self-test, security check) are planned as maintenance
// jobs inside each terminal's maintenance window (one job per terminal for all its due remote tasks);
// the terminal carries the job out like any other (the SDK's maintenance runner), and when the job
// ends its outcome is stored as the task's checklist results. A completed run moves the task on: its
// last completion is the job's end and its next due date is worked out again, with today's meters.
// A failed or aborted run leaves the task due, to be planned into a later window. Templates that also
// need a technician are settled by the technician's visit; their remote part only records its results.
import { randomUUID } from 'node:crypto';
import { FLEET, type Scope } from '../access/roles.ts';
import type { JobState, SelfTestResult, WorkKind } from '../shared/job-states.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { WindowPlanner } from '../maintenance/window-planner.service.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { TaskTemplate, Text } from './default-templates.ts';
import { DEFAULT_FACTORS, nextDue, type DueDateFactors, type Schedule } from './due-dates.ts';
import type { PreventiveRepository, TemplateRow } from './preventive.repository.ts';
import { itemCodesOf, type PlanTasks } from './plan-tasks.ts';
import type { RemoteRunView } from './preventive.schemas.ts';
import { hasRemoteTask, remoteResults, remoteWork, runStateOf, settledByVisit, type RemoteItemResult } from './remote-results.ts';
import type { DueRemoteTask, RemoteTasksRepository } from './remote-tasks.repository.ts';

export interface RemoteTaskSettings {
  /** Tasks due within this many hours are planned now, so tonight's window does tomorrow morning's task. */
  lookaheadHours: number;
  /** At most this many due tasks are planned per tick (the rest at the next ticks). */
  batch: number;
  /** A terminal no window can take (none applies, or too short) is tried again after this long. */
  retryMs: number;
  factors: DueDateFactors;
}

export const DEFAULT_REMOTE_SETTINGS: RemoteTaskSettings = { lookaheadHours: 24, batch: 2000, retryMs: 3_600_000, factors: DEFAULT_FACTORS };

const ACTOR = 'PosFleet preventive maintenance';
/** A job in one of these has ended (or failed, awaiting its rollback): its run can be settled. */
const ENDED: readonly JobState[] = ['completed', 'failed', 'rolled_back', 'handed_to_technician', 'aborted'];
/** Plan results that mean "no room this time", tried again in the next round or tick. */
const NO_ROOM: readonly string[] = ['site_limit', 'fleet_limit', 'too_late', 'open_job'];
const ROUNDS = 7;
/** Resting terminals one process remembers (a forgotten one is only tried again sooner). */
const RESTING_MAX = 200_000;

export class RemoteTasksService {
  private readonly settings: RemoteTaskSettings;
  /** Terminals no window can take, left alone for retryMs (per process: a restart tries them again). */
  private readonly resting: TtlCache<string, true>;

  constructor(
    private readonly repo: RemoteTasksRepository,
    private readonly clock: Clock,
    private readonly preventive: Pick<PlanTasks, 'usage'>,
    private readonly pm: PreventiveRepository,
    private readonly maintenance: MaintenanceService,
    private readonly windows: WindowPlanner,
    settings: Partial<RemoteTaskSettings> = {},
  ) {
    this.settings = { ...DEFAULT_REMOTE_SETTINGS, ...settings };
    this.resting = new TtlCache(RESTING_MAX, this.settings.retryMs);
  }

  /** The periodic job: settles the runs whose job ended, then plans the remote tasks now due. */
  async tick(): Promise<{ settled: number; planned: number }> {
    const settled = await this.settle();
    const planned = await this.plan();
    return { settled, planned };
  }

  /** Plans due remote tasks into their terminals' windows; returns how many tasks got a job. */
  async plan(): Promise<number> {
    const now = this.clock();
    const templates = new Map((await this.pm.listTemplates()).map((t) => [t.id, t]));
    const remote = [...templates.values()].filter((t) => hasRemoteTask(tasksOf(t))).map((t) => t.id);
    const horizon = new Date(now.getTime() + this.settings.lookaheadHours * 3_600_000).toISOString();
    // Terminals resting (no window can take them) are skipped without holding up those behind them.
    const due: DueRemoteTask[] = [];
    let after: { dueAt: string; id: string } | undefined;
    for (let page = 0; page < 10 && due.length < this.settings.batch; page++) {
      const rows = await this.repo.dueRemote(remote, horizon, this.settings.batch, after);
      due.push(...rows.filter((task) => !this.resting.has(task.terminal_id, now.getTime())).slice(0, this.settings.batch - due.length));
      const last = rows.at(-1);
      if (!last || rows.length < this.settings.batch) break;
      after = { dueAt: last.next_due_at, id: last.id };
    }
    if (!due.length) return 0;
    // One job per terminal for all its due remote tasks; terminals needing the same work are planned together.
    const byTerminal = groupBy(due, (task) => task.terminal_id);
    const work = new Map([...byTerminal].map(([terminalId, tasks]) => [terminalId, remoteWork(tasks.map((t) => tasksOf(templates.get(t.template_id))))]));
    let planned = 0;
    for (const [, terminalIds] of groupBy([...byTerminal.keys()], (id) => work.get(id)!.join(','))) {
      planned += await this.planTerminals(terminalIds, work.get(terminalIds[0]!)!, byTerminal, templates, now);
    }
    return planned;
  }

  private async planTerminals(terminalIds: string[], work: WorkKind[], tasks: Map<string, DueRemoteTask[]>, templates: Map<string, TemplateRow>, now: Date): Promise<number> {
    const waiting = new Set(terminalIds);
    let planned = 0;
    let notBefore: string | undefined;
    for (let round = 0; round < ROUNDS && waiting.size; round++) {
      const codes = [...new Set([...waiting].flatMap((id) => tasks.get(id)!.map((t) => templates.get(t.template_id)?.code ?? '')))].sort();
      const plan = await this.windows.plan({
        terminalIds: [...waiting], work, reason: `preventive maintenance, remote tasks (${codes.join(', ')})`, ...(notBefore && { notBefore }),
      }, FLEET, ACTOR);
      const at = now.toISOString();
      const runs = plan.planned.flatMap((p) => {
        waiting.delete(p.terminalId);
        return tasks.get(p.terminalId)!.map((task) => ({
          id: randomUUID(), task_id: task.id, maintenance_job_id: p.jobId!, due_at: task.next_due_at, state: 'planned' as const, results: null, report: null, planned_at: at, ended_at: null,
        }));
      });
      await this.repo.insertRuns(runs);
      planned += runs.length;
      for (const miss of plan.notFitting) {
        if (NO_ROOM.includes(miss.reason)) {
          if (miss.reason === 'open_job') waiting.delete(miss.terminalId); // busy with other work: the next tick
          continue;
        }
        waiting.delete(miss.terminalId);
        this.resting.set(miss.terminalId, true, now.getTime());
      }
      // The next round (for sites doing one job at a time) starts after the latest occurrence this one filled.
      if (!plan.planned.length) break;
      notBefore = plan.planned.map((p) => p.window.end).sort().at(-1);
    }
    return planned;
  }

  /** Stores the results of runs whose job ended and moves completed tasks on; returns how many runs were settled. */
  async settle(): Promise<number> {
    let settled = 0;
    for (const run of await this.repo.endedRuns(ENDED, 1000)) {
      const state = runStateOf(run.job_state)!;
      const task = await this.pm.findTask(undefined, run.task_id);
      const template = task ? await this.pm.findTemplate(task.template_id) : undefined;
      const tasks = tasksOf(template);
      const selfTests = parseJson<SelfTestResult[] | null>(run.job_self_tests, null);
      const transitions = await this.maintenance.transitionsOf(run.maintenance_job_id);
      const notes = transitions.map((t) => t.note).filter((n): n is string => !!n);
      const failure = state === 'completed' ? null : [...transitions].reverse().find((t) => t.note && t.to_state !== 'rolled_back')?.note ?? null;
      const results = remoteResults(tasks, { state: run.job_state, selfTests, failure });
      const endedAt = run.job_ended_at ?? run.job_updated_at;
      const next = state === 'completed' && task && template && !settledByVisit(tasks) && task.next_due_at === run.due_at
        ? await this.recompute(task, template, endedAt) : null;
      const report = { jobState: run.job_state, selfTests: selfTests ?? [], notes };
      const advance = next && { taskId: run.task_id, dueAt: run.due_at, task: { last_due_at: run.due_at, last_done_at: endedAt, ...next } };
      if (await this.repo.settleRun(run.id, { state, results: JSON.stringify(results), report: JSON.stringify(report), ended_at: endedAt }, advance)) settled++;
    }
    return settled;
  }

  /** The task's next due date after a completion at `doneAt`, with the terminal's meters of today. */
  private async recompute(task: { id: string; plan_id: string; terminal_id: string; next_due_at: string }, template: TemplateRow, doneAt: string) {
    const plan = await this.pm.findPlan(task.plan_id);
    if (!plan) return null;
    const usage = (await this.preventive.usage([task.terminal_id], this.clock())).get(task.terminal_id);
    const due = nextDue({
      schedule: plan.schedule as Schedule, baseDays: Number(template.interval_days), startAt: new Date(plan.start_at),
      lastDueAt: new Date(task.next_due_at), lastDoneAt: new Date(doneAt), transactionsPerDay: usage?.transactionsPerDay ?? null,
      environment: parseJson<string[]>(await this.repo.environmentOf(task.terminal_id), []),
      factors: plan.factors ? parseJson<DueDateFactors>(plan.factors, this.settings.factors) : this.settings.factors,
      meters: usage?.meters ?? {}, itemCodes: itemCodesOf(template),
    });
    return { next_due_at: due.dueAt.toISOString(), effective_days: due.effectiveDays, why: JSON.stringify(due.why) };
  }

  /** Runs newest first; technicians see those of their work orders' terminals. */
  async runs(query: { terminalId?: string | undefined; planId?: string | undefined; limit?: number | undefined }, scope: Scope): Promise<{ items: RemoteRunView[] }> {
    const rows = await this.repo.runs({ ...query, limit: query.limit ?? 100 }, scope);
    return {
      items: rows.map((r) => ({
        id: r.id, planId: r.plan_id, terminalId: r.terminal_id, templateId: r.template_id, templateCode: r.template_code, maintenanceJobId: r.maintenance_job_id,
        dueAt: r.due_at, state: r.state, plannedAt: r.planned_at, endedAt: r.ended_at,
        results: parseJson<RemoteItemResult[]>(r.results, []).map((x) => ({ ...x, text: x.text as Text })),
        report: parseJson<RemoteRunView['report']>(r.report, null),
      })),
    };
  }
}

const tasksOf = (template: Pick<TemplateRow, 'tasks'> | undefined): TaskTemplate[] => parseJson<TaskTemplate[]>(template?.tasks, []);
