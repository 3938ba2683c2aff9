// The tasks of preventive plans as work orders see them: the usage meters their intervals follow, and
// what happens to the tasks a work order covers when it is done (each moves to its next due date, with
// today's meters and environment) or cancelled (each is due again, to be ordered anew).
import type { Executor } from '../db/database.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { CoveredTasks, FreshInterval } from '../work-orders/work-orders.service.ts';
import type { PartDue } from '../shared/part-due.ts';
import { DEFAULT_FACTORS, nextDue, type DueDateFactors, type DueReason, type Schedule } from './due-dates.ts';
import { averageUsage, type UsageAverages } from './meters.ts';
import type { PreventiveRepository, TemplateRow } from './preventive.repository.ts';
import type { TaskTemplate } from './default-templates.ts';

export interface PreventiveSettings {
  /** Days of heartbeats the usage meters are averaged over. */
  usageDays: number;
  factors: DueDateFactors;
}

export const DEFAULT_PREVENTIVE_SETTINGS: PreventiveSettings = { usageDays: 7, factors: DEFAULT_FACTORS };
const DAY = 86_400_000;

export class PlanTasks implements CoveredTasks {
  constructor(private readonly repo: PreventiveRepository, private readonly clock: Clock, readonly settings: PreventiveSettings = DEFAULT_PREVENTIVE_SETTINGS) {}

  /** Daily averages of the usage meters (transactions, card insertions, receipts, battery cycles) over the last `usageDays` days. */
  async usage(terminalIds: string[], now: Date): Promise<Map<string, UsageAverages>> {
    const since = new Date(now.getTime() - this.settings.usageDays * DAY).toISOString();
    const reports = groupBy(await this.repo.reportsSince(terminalIds, since), (row) => row.terminal_id);
    return new Map([...reports].map(([id, rows]) => [id, averageUsage(rows.map((r) => parseJson<unknown>(r.report, null)), this.settings.usageDays)]));
  }

  /**
   * A worn part (a battery past its cycle limit) is a replacement due now: the terminal's tasks whose
   * checklist replaces it, not yet ordered, become due at once, and say why. Saying it again (another
   * node, a restart) changes nothing more.
   */
  async partDue(due: PartDue): Promise<number> {
    const factor = `part:${due.part}`;
    const why: DueReason = { factor, value: 0, reason: wornWords(due) };
    let moved = 0;
    for (const task of await this.repo.unorderedTasksOf(due.terminalId)) {
      if (!itemCodesOf({ tasks: task.template_tasks }).includes(due.part)) continue;
      const reasons = parseJson<DueReason[]>(task.why, []);
      if (reasons.some((r) => r.factor === factor) && task.next_due_at <= due.at) continue;
      await this.repo.updateTask(undefined, task.id, {
        next_due_at: task.next_due_at <= due.at ? task.next_due_at : due.at,
        why: JSON.stringify([...reasons.filter((r) => r.factor !== factor), why]),
      });
      moved++;
    }
    return moved;
  }

  /** Done: each covered preventive task moves to its next due date. Cancelled: the tasks are due again, to be ordered anew. */
  async settle(trx: Executor, taskIds: string[], to: 'done' | 'cancelled', now: string, intervals: Map<string, FreshInterval>): Promise<void> {
    for (const taskId of taskIds) {
      const task = await this.repo.findTask(trx, taskId);
      if (!task) continue;
      if (to === 'cancelled') {
        await this.repo.updateTask(trx, taskId, { work_order_id: null });
        continue;
      }
      const plan = await this.repo.findPlan(task.plan_id, trx);
      // The interval is worked out again with today's meters and environment (else the plan's carries over).
      const fresh = intervals.get(taskId);
      const days = fresh?.effective_days ?? task.effective_days;
      const from = plan?.schedule === 'floating' ? new Date(now) : new Date(task.next_due_at);
      await this.repo.updateTask(trx, taskId, {
        last_due_at: task.next_due_at, last_done_at: now, work_order_id: null,
        next_due_at: new Date(from.getTime() + Math.round(days * DAY)).toISOString(), ...(fresh && { effective_days: fresh.effective_days, why: fresh.why }),
      });
    }
  }

  /** The effective interval and why of these preventive tasks, with the terminals' meters and sites' environment of now. */
  async intervals(taskIds: string[]): Promise<Map<string, FreshInterval>> {
    const out = new Map<string, FreshInterval>();
    const tasks = (await Promise.all(taskIds.map((id) => this.repo.findTask(undefined, id))))
      .filter((x): x is NonNullable<typeof x> => !!x);
    if (!tasks.length) return out;
    const usage = await this.usage([...new Set(tasks.map((t) => t.terminal_id))], this.clock());
    for (const task of tasks) {
      const [plan, template, environment] = await Promise.all([
        this.repo.findPlan(task.plan_id), this.repo.findTemplate(task.template_id),
        this.repo.environmentOf(task.terminal_id),
      ]);
      if (!plan || !template) continue;
      const use = usage.get(task.terminal_id);
      const due = nextDue({
        schedule: plan.schedule as Schedule, baseDays: Number(template.interval_days), startAt: new Date(plan.start_at), transactionsPerDay: use?.transactionsPerDay ?? null,
        environment: parseJson<string[]>(environment, []), factors: plan.factors ? parseJson<DueDateFactors>(plan.factors, this.settings.factors) : this.settings.factors,
        meters: use?.meters ?? {}, itemCodes: itemCodesOf(template),
      });
      out.set(task.id, { effective_days: due.effectiveDays, why: JSON.stringify(due.why) });
    }
    return out;
  }
}

/** The checklist item codes of a template's tasks: which wear meters concern it. */
export function itemCodesOf(template: Pick<TemplateRow, 'tasks'>): string[] {
  return parseJson<TaskTemplate[]>(template.tasks, []).flatMap((t) => t.checklist.map((c) => c.code));
}

/** "battery past its cycle limit: 850 cycles, more than 800: replace it". */
function wornWords(due: PartDue): string {
  const { cycleCount, maxCycles } = due.detail;
  return typeof cycleCount === 'number' && typeof maxCycles === 'number'
    ? `${due.part} past its cycle limit: ${cycleCount} cycles, more than ${maxCycles}: replace it`
    : `${due.part} worn: replace it`;
}
