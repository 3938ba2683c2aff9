// The dashboard's preventive lists: every plan with what is overdue, due within a week and ordered,
// and the due tasks across plans (who does each, where, and why it is due then), in the caller's scope.
import type { Scope } from '../access/roles.ts';
import { parseJson } from '../shared/json.ts';
import { decodeTimeIdCursor, timeIdKey, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { TaskTemplate, Text } from './default-templates.ts';
import type { DueReason } from './due-dates.ts';
import type { DueRow, PlanListsRepository } from './plan-lists.repository.ts';
import type { DueListItem, DueListQuery, PlanFilter, PlanSummary } from './preventive.schemas.ts';

const WEEK_MS = 7 * 86_400_000;

export class PlanListsService {

  constructor(private readonly repo: PlanListsRepository, private readonly clock: Clock) {}

  async plans(): Promise<{ items: PlanSummary[] }> {
    const now = this.clock();
    const [plans, counts] = await Promise.all([this.repo.plans(), this.repo.counts(now.toISOString(), new Date(now.getTime() + WEEK_MS).toISOString())]);
    return {
      items: plans.map((p) => {
        const c = counts.get(p.id);
        return {
          id: p.id, name: p.name, templateIds: parseJson<string[]>(p.template_ids, []), filter: parseJson<PlanFilter>(p.filter, {}), schedule: p.schedule,
          startAt: p.start_at, createdBy: p.created_by, createdAt: p.created_at,
          tasks: c?.tasks ?? 0, overdue: c?.overdue ?? 0, dueWithin7Days: c?.due_soon ?? 0, ordered: c?.ordered ?? 0,
        };
      }),
    };
  }

  async due(query: DueListQuery, scope: Scope): Promise<{ items: DueListItem[]; nextCursor: string | null }> {
    const limit = query.limit ?? 100;
    const after = decodeTimeIdCursor(query.cursor);
    const rows = await this.repo.due({ ...query, after: after && { dueAt: after.at, id: after.id }, limit }, scope);
    const page = toPage(rows, limit, (r) => timeIdKey(r.next_due_at, r.id));
    const performers = new Map<string, DueListItem['performer']>();
    return {
      items: page.items.map((r) => {
        let performer = performers.get(r.template_id);
        if (!performer) performers.set(r.template_id, performer = performerOf(parseJson<TaskTemplate[]>(r.template_tasks, [])));
        return toItem(r, performer);
      }),
      nextCursor: page.nextCursor,
    };
  }
}

/** A technician if any task needs one (a visit), else PosFleet if any is remote, else the merchant's staff. */
export function performerOf(tasks: readonly Pick<TaskTemplate, 'performer'>[]): DueListItem['performer'] {
  if (tasks.some((t) => t.performer === 'technician')) return 'technician';
  if (tasks.some((t) => t.performer === 'remote')) return 'remote';
  return 'merchant';
}

function toItem(r: DueRow, performer: DueListItem['performer']): DueListItem {
  return {
    terminalId: r.terminal_id, siteId: r.site_id, templateId: r.template_id, templateCode: r.template_code, dueAt: r.next_due_at,
    baseDays: Number(r.interval_days), effectiveDays: Number(r.effective_days),
    anchor: r.schedule === 'floating' ? (r.last_done_at ? 'last_completion' : 'start') : (r.last_due_at ? 'last_due' : 'start'),
    lastDueAt: r.last_due_at, lastDoneAt: r.last_done_at, why: parseJson<DueReason[]>(r.why, []), workOrderId: r.work_order_id,
    serialNumber: r.serial_number, siteName: r.site_name, templateName: parseJson<Text>(r.template_name, { 'zh-CN': r.template_code, en: r.template_code }),
    performer,
  };
}
