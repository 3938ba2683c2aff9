// The dashboard's preventive lists (Kysely only): plans with their task counts in one grouped query,
// and the due tasks across plans, keyset-paged by (due date, id) and narrowed to the caller's scope
// like the estate (merchant users: their merchant's terminals; technicians: the terminals of their
// work orders).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { technicianSees } from '../access/scope-sql.ts';
import type { Database, PmTaskTable } from '../db/schema.ts';

export interface PlanCounts {
  plan_id: string;
  tasks: number;
  overdue: number;
  due_soon: number;
  ordered: number;
}

/** A task with its terminal, site, plan schedule and template, as the due list reads it. */
export type DueRow = Selectable<PmTaskTable> & {
  serial_number: string;
  site_id: string | null;
  site_name: string | null;
  schedule: string;
  template_code: string;
  template_name: string;
  interval_days: number;
  template_tasks: string;
};

export class PlanListsRepository {
  constructor(readonly db: Kysely<Database>) {}

  /** Every plan, newest first. */
  plans() {
    return this.db.selectFrom('pm_plans').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  }

  /** Per plan: its tasks (of terminals not deleted), those overdue at `now`, due before `soon`, and ordered. */
  async counts(now: string, soon: string): Promise<Map<string, PlanCounts>> {
    const open = sql`pm_tasks.work_order_id is null`;
    const rows = await this.db.selectFrom('pm_tasks').innerJoin('terminals', 'terminals.id', 'pm_tasks.terminal_id')
      .where('terminals.deleted_at', 'is', null)
      .select((eb) => [
        'pm_tasks.plan_id',
        eb.fn.countAll<number>().as('tasks'),
        sql<number>`sum(case when ${open} and pm_tasks.next_due_at < ${now} then 1 else 0 end)`.as('overdue'),
        sql<number>`sum(case when ${open} and pm_tasks.next_due_at >= ${now} and pm_tasks.next_due_at < ${soon} then 1 else 0 end)`.as('due_soon'),
        sql<number>`sum(case when pm_tasks.work_order_id is not null then 1 else 0 end)`.as('ordered'),
      ])
      .groupBy('pm_tasks.plan_id').execute();
    return new Map(rows.map((r) => [r.plan_id, {
      plan_id: r.plan_id, tasks: Number(r.tasks), overdue: Number(r.overdue ?? 0), due_soon: Number(r.due_soon ?? 0), ordered: Number(r.ordered ?? 0),
    }]));
  }

  /** Due tasks after the cursor's (due date, id), limit + 1 rows. */
  due(filter: { planId?: string | undefined; siteId?: string | undefined; terminalId?: string | undefined; before?: string | undefined; after?: { dueAt: string; id: string } | undefined; limit: number }, scope: Scope): Promise<DueRow[]> {
    const after = filter.after;
    return this.db.selectFrom('pm_tasks')
      .innerJoin('terminals', 'terminals.id', 'pm_tasks.terminal_id')
      .innerJoin('pm_plans', 'pm_plans.id', 'pm_tasks.plan_id')
      .innerJoin('pm_templates', 'pm_templates.id', 'pm_tasks.template_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select([
        'pm_tasks.id', 'pm_tasks.plan_id', 'pm_tasks.terminal_id', 'pm_tasks.template_id', 'pm_tasks.last_due_at', 'pm_tasks.last_done_at', 'pm_tasks.next_due_at',
        'pm_tasks.effective_days', 'pm_tasks.why', 'pm_tasks.work_order_id', 'terminals.serial_number', 'terminals.site_id', 'sites.name as site_name',
        'pm_plans.schedule', 'pm_templates.code as template_code', 'pm_templates.name as template_name', 'pm_templates.interval_days', 'pm_templates.tasks as template_tasks',
      ])
      .where('terminals.deleted_at', 'is', null)
      .$if(scope.kind === 'merchant', (q) => q.where('sites.merchant_id', '=', scope.kind === 'merchant' ? scope.merchantId : ''))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('terminal', 'pm_tasks.terminal_id', scope)))
      .$if(!!filter.planId, (q) => q.where('pm_tasks.plan_id', '=', filter.planId!))
      .$if(!!filter.siteId, (q) => q.where('terminals.site_id', '=', filter.siteId!))
      .$if(!!filter.terminalId, (q) => q.where('pm_tasks.terminal_id', '=', filter.terminalId!))
      .$if(!!filter.before, (q) => q.where('pm_tasks.next_due_at', '<', filter.before!))
      .$if(!!after, (q) => q.where((eb) => eb.or([
        eb('pm_tasks.next_due_at', '>', after!.dueAt),
        eb.and([eb('pm_tasks.next_due_at', '=', after!.dueAt), eb('pm_tasks.id', '>', after!.id)]),
      ])))
      .orderBy('pm_tasks.next_due_at').orderBy('pm_tasks.id')
      .limit(filter.limit + 1)
      .execute();
  }
}
