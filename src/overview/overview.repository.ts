// Queries for the fleet overview, each narrowed to the caller's scope: merchant users see their own
// merchant's incidents and jobs; technicians their own work orders and nothing of the fleet's incidents.
import type { Kysely } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { merchantOf, NOTHING } from '../access/scope-sql.ts';
import type { Database } from '../db/schema.ts';

/** More rows than an overview period should ever hold: the figures stay bounded on a huge estate. */
const LIMIT = 200_000;
const OPEN_WORK_ORDER = ['open', 'assigned', 'in_progress', 'on_hold'] as const;

export class OverviewRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Incidents open at some moment since `from` (seen before `to`, not resolved before `from`). */
  incidentsSince(from: string, to: string, scope: Scope) {
    let q = this.db.selectFrom('incidents').select(['id', 'rule', 'severity', 'terminal_id', 'site_id', 'first_seen_at', 'resolved_at'])
      .where('first_seen_at', '<', to).where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', from)]));
    if (scope.kind === 'merchant') q = q.where('merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    return q.limit(LIMIT).execute();
  }

  /** When each maintenance job started since `from`. */
  async jobStartsSince(from: string, scope: Scope): Promise<string[]> {
    let q = this.db.selectFrom('maintenance_jobs').innerJoin('terminals', 'terminals.id', 'maintenance_jobs.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id').select('maintenance_jobs.started_at').where('maintenance_jobs.started_at', '>=', from);
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    return (await q.limit(LIMIT).execute()).map((r) => r.started_at!);
  }

  /** When each work order the caller may see was done, since `from`. */
  async workOrdersDoneSince(from: string, scope: Scope): Promise<string[]> {
    let q = this.db.selectFrom('work_order_history').innerJoin('work_orders', 'work_orders.id', 'work_order_history.work_order_id')
      .select('work_order_history.at').where('work_order_history.to_status', '=', 'done').where('work_order_history.at', '>=', from);
    if (scope.kind === 'technician') q = q.where('work_orders.technician_id', '=', scope.userId);
    if (scope.kind === 'merchant') q = q.where(NOTHING);
    return (await q.limit(LIMIT).execute()).map((r) => r.at);
  }

  /** Open work orders: all, those due within `soon`, those past their due time at `now`. */
  async openWorkOrders(now: string, soon: string, scope: Scope) {
    let q = this.db.selectFrom('work_orders').where('status', 'in', OPEN_WORK_ORDER).select((eb) => [
      eb.fn.countAll<number>().as('open'),
      eb.fn.sum<number>(eb.case().when('due_at', '<', now).then(1).else(0).end()).as('overdue'),
      eb.fn.sum<number>(eb.case().when(eb.and([eb('due_at', '>=', now), eb('due_at', '<', soon)])).then(1).else(0).end()).as('due_soon'),
    ]);
    if (scope.kind === 'technician') q = q.where('technician_id', '=', scope.userId);
    if (scope.kind === 'merchant') q = q.where(NOTHING);
    const row = await q.executeTakeFirstOrThrow();
    return { open: Number(row.open), dueSoon: Number(row.due_soon ?? 0), overdue: Number(row.overdue ?? 0) };
  }
}
