// The facts the maintenance KPIs are computed from (Kysely only). Terminals, the largest table, are
// counted in SQL per site and model; only what happened in the period is read row by row (failure
// incidents, maintenance jobs and locks overlapping it, work orders done, due or open in it, incidents
// resolved in it), each narrowed to the caller's scope in the query.
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { batches } from '../db/batches.ts';
import type { Database } from '../db/schema.ts';
import { FAILURE_RULES } from './kpis.ts';

export interface Keys {
  site_id: string | null;
  merchant_id: string | null;
  model_id: string | null;
}

export interface Outage extends Keys {
  terminal_id: string;
  /** The terminal's: it is in service from then. */
  created_at: string;
  start: string;
  /** null: still going on. */
  end: string | null;
  /** Failures count when they begin in the period; maintenance jobs and locks are downtime only. */
  failure: boolean;
}

/** Something done to a terminal (or at a site) at a time; `incident_id` when it was done for an incident. */
export interface Action {
  terminal_id: string | null;
  site_id: string | null;
  at: string;
  incident_id: string | null;
}

export interface DoneOrder {
  id: string;
  source: string;
  site_id: string;
  merchant_id: string;
  technician_id: string | null;
  created_at: string;
  done_at: string;
  restored_at: string | null;
  minutes_spent: number;
  failure_start: string | null;
  next_failure_at: string | null;
}

const IN_SERVICE = ['active', 'in_repair'];

const failureRules = sql.join(FAILURE_RULES.map((r) => sql`${r}`));
const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** Terminals and their incidents: merchant users see their own merchant's; technicians none (their KPIs are their work orders'). */
function terminalScope(scope: Scope, merchantColumn: string): RawBuilder<SqlBool> {
  if (scope.kind === 'merchant') return sql<SqlBool>`${sql.ref(merchantColumn)} = ${scope.merchantId}`;
  return scope.kind === 'technician' ? FALSE : TRUE;
}

/** Work orders: merchant users see those at their merchant's sites; technicians their own. */
function orderScope(scope: Scope, merchantColumn: string, technicianColumn: string): RawBuilder<SqlBool> {
  if (scope.kind === 'merchant') return sql<SqlBool>`${sql.ref(merchantColumn)} = ${scope.merchantId}`;
  if (scope.kind === 'technician') return sql<SqlBool>`${sql.ref(technicianColumn)} = ${scope.userId}`;
  return TRUE;
}

export class KpisRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private terminals() {
    return this.db.selectFrom('terminals as t').innerJoin('sites as s', 's.id', 't.site_id')
      .where('t.deleted_at', 'is', null).where('t.status', 'in', IN_SERVICE);
  }

  /** Terminals in service since before `from`, counted per site and model. */
  async terminalsBefore(from: string, scope: Scope): Promise<(Keys & { n: number })[]> {
    const rows = await this.terminals()
      .select(['t.site_id', 's.merchant_id', 't.model_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('t.created_at', '<=', from).where(terminalScope(scope, 's.merchant_id'))
      .groupBy(['t.site_id', 's.merchant_id', 't.model_id']).execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Terminals that came into the estate during the period: in service from their creation. */
  terminalsAddedIn(from: string, end: string, scope: Scope): Promise<(Keys & { created_at: string })[]> {
    return this.terminals().select(['t.site_id', 's.merchant_id', 't.model_id', 't.created_at'])
      .where('t.created_at', '>', from).where('t.created_at', '<', end).where(terminalScope(scope, 's.merchant_id')).execute();
  }

  /** Everything that kept an in-service terminal from taking payments during [from, end). */
  async outages(from: string, end: string, scope: Scope): Promise<Outage[]> {
    // What overlaps [from, end) is read in two parts, each a range of an index on (end, start) (0021):
    // what ended after `from`, and what is still going on. One OR of the two scans the whole history.
    const ended = (startColumn: string, endColumn: string) => sql<SqlBool>`${sql.ref(endColumn)} > ${from} and ${sql.ref(startColumn)} < ${end}`;
    const ongoing = (startColumn: string, endColumn: string) => sql<SqlBool>`${sql.ref(endColumn)} is null and ${sql.ref(startColumn)} < ${end}`;
    const both = async <R>(read: (overlapping: typeof ended) => Promise<R[]>): Promise<R[]> => (await Promise.all([read(ended), read(ongoing)])).flat();
    const [own, ofSite, jobs, locks] = await Promise.all([
      both((overlapping) => this.terminals().innerJoin('incidents as i', 'i.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', 's.merchant_id', 't.model_id', 'i.first_seen_at as start', 'i.resolved_at as end'])
        .where('i.rule', 'in', [...FAILURE_RULES]).where(overlapping('i.first_seen_at', 'i.resolved_at')).where(terminalScope(scope, 's.merchant_id')).execute()),
      // A site whose network is down: every terminal of the site is down with it.
      both((overlapping) => this.terminals().innerJoin('incidents as i', 'i.site_id', 't.site_id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', 's.merchant_id', 't.model_id', 'i.first_seen_at as start', 'i.resolved_at as end'])
        .where('i.terminal_id', 'is', null).where('i.rule', 'in', [...FAILURE_RULES]).where(overlapping('i.first_seen_at', 'i.resolved_at'))
        .where(terminalScope(scope, 's.merchant_id')).execute()),
      both((overlapping) => this.terminals().innerJoin('maintenance_jobs as j', 'j.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', 's.merchant_id', 't.model_id', 'j.started_at', 'j.ended_at', 'j.state', 'j.updated_at'])
        .where('j.started_at', 'is not', null).where(overlapping('j.started_at', 'j.ended_at')).where(terminalScope(scope, 's.merchant_id')).execute()),
      both((overlapping) => this.terminals().innerJoin('terminal_locks as l', 'l.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', 's.merchant_id', 't.model_id', 'l.locked_at as start', 'l.lifted_at as end'])
        .where(overlapping('l.locked_at', 'l.lifted_at')).where(terminalScope(scope, 's.merchant_id')).execute()),
    ]);
    return [
      ...own.map((r) => ({ ...r, failure: true })),
      ...ofSite.map((r) => ({ ...r, failure: true })),
      // As in the maintenance figures: out of service from the start until the job ended; a failed job until it last changed.
      ...jobs.map((j) => ({
        terminal_id: j.terminal_id, created_at: j.created_at, site_id: j.site_id, merchant_id: j.merchant_id, model_id: j.model_id, start: j.started_at!, failure: false,
        end: j.ended_at ?? (['draining', 'in_maintenance', 'restarting', 'verifying'].includes(j.state) ? null : j.updated_at),
      })),
      ...locks.map((r) => ({ ...r, failure: false })),
    ];
  }

  /**
   * Work orders done in [from, to), with the start of the failure each repaired: the earliest failure
   * incident of its terminals still unresolved when the work order was made (else null: the work
   * order's creation), and the first failure of its terminals after it was done.
   */
  async doneOrders(from: string, to: string, scope: Scope): Promise<DoneOrder[]> {
    const rows = await this.db.selectFrom('work_order_history as h').innerJoin('work_orders as wo', 'wo.id', 'h.work_order_id').innerJoin('sites as s', 's.id', 'wo.site_id')
      .select([
        'wo.id', 'wo.source', 'wo.site_id', 's.merchant_id', 'wo.technician_id', 'wo.created_at', 'h.at as done_at', 'wo.restored_at', 'wo.minutes_spent',
        sql<string | null>`(select min(i.first_seen_at) from incidents i inner join work_order_terminals wot on wot.terminal_id = i.terminal_id
          where wot.work_order_id = wo.id and i.rule in (${failureRules}) and i.first_seen_at <= wo.created_at
          and (i.resolved_at is null or i.resolved_at >= wo.created_at))`.as('failure_start'),
        sql<string | null>`(select min(i.first_seen_at) from incidents i inner join work_order_terminals wot on wot.terminal_id = i.terminal_id
          where wot.work_order_id = wo.id and i.rule in (${failureRules}) and i.first_seen_at > h.at)`.as('next_failure_at'),
      ])
      .where('h.to_status', '=', 'done').where('h.at', '>=', from).where('h.at', '<', to)
      .where(orderScope(scope, 's.merchant_id', 'wo.technician_id')).execute();
    return rows.map((r) => ({ ...r, minutes_spent: Number(r.minutes_spent) }));
  }

  /** The ids among these work orders that have a follow-up work order. */
  async withFollowUps(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const batch of batches(ids)) {
      const rows = await this.db.selectFrom('work_orders').select('parent_id').distinct().where('parent_id', 'in', batch).execute();
      for (const r of rows) if (r.parent_id) out.add(r.parent_id);
    }
    return out;
  }

  /** The terminal models each of these work orders is about. */
  async modelsOf(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const batch of batches(ids)) {
      const rows = await this.db.selectFrom('work_order_terminals as wot').innerJoin('terminals as t', 't.id', 'wot.terminal_id')
        .select(['wot.work_order_id', 't.model_id']).distinct().where('wot.work_order_id', 'in', batch).execute();
      for (const r of rows) out.set(r.work_order_id, [...(out.get(r.work_order_id) ?? []), r.model_id]);
    }
    return out;
  }

  /** Preventive work orders due in [from, to) and not cancelled, with when they were done and their interval (the shortest of their tasks'). */
  preventiveDue(from: string, to: string, scope: Scope) {
    return this.db.selectFrom('work_orders as wo').innerJoin('sites as s', 's.id', 'wo.site_id')
      .leftJoin('work_order_history as h', (join) => join.onRef('h.work_order_id', '=', 'wo.id').on('h.to_status', '=', 'done'))
      .select([
        'wo.id', 'wo.site_id', 's.merchant_id', 'wo.technician_id', 'wo.due_at', 'h.at as done_at',
        sql<number | null>`(select min(pt.effective_days) from work_order_items it inner join pm_tasks pt on pt.id = it.pm_task_id where it.work_order_id = wo.id)`.as('interval_days'),
      ])
      .where('wo.source', '=', 'preventive').where('wo.status', '!=', 'cancelled').where('wo.due_at', '>=', from).where('wo.due_at', '<', to)
      .where(orderScope(scope, 's.merchant_id', 'wo.technician_id')).execute();
  }

  /** Work orders open at `at`: made before it and not done or cancelled before it. */
  openAt(at: string, scope: Scope) {
    return this.db.selectFrom('work_orders as wo').innerJoin('sites as s', 's.id', 'wo.site_id')
      .select(['wo.id', 'wo.source', 'wo.site_id', 's.merchant_id', 'wo.technician_id', 'wo.due_at'])
      .where('wo.created_at', '<', at)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('work_order_history as h').select('h.id')
        .whereRef('h.work_order_id', '=', 'wo.id').where('h.to_status', 'in', ['done', 'cancelled']).where('h.at', '<', at))))
      .where(orderScope(scope, 's.merchant_id', 'wo.technician_id')).execute();
  }

  /** Minutes spent on done work orders, per source (the backlog's estimate). */
  async doneMinutesBySource(): Promise<Map<string, { minutes: number; count: number }>> {
    const rows = await this.db.selectFrom('work_orders').select(['source', (eb) => eb.fn.sum<number>('minutes_spent').as('minutes'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'done').groupBy('source').execute();
    return new Map(rows.map((r) => [r.source, { minutes: Number(r.minutes ?? 0), count: Number(r.count) }]));
  }

  /** Incidents resolved in [from, to). */
  resolvedIncidents(from: string, to: string, scope: Scope) {
    return this.db.selectFrom('incidents as i').leftJoin('terminals as t', 't.id', 'i.terminal_id')
      .select(['i.id', 'i.terminal_id', 'i.site_id', 'i.merchant_id', 't.model_id', 'i.first_seen_at', 'i.resolved_at'])
      .where('i.resolved_at', '>=', from).where('i.resolved_at', '<', to).where('i.first_seen_at', '<', to)
      .where(terminalScope(scope, 'i.merchant_id')).execute();
  }

  /**
   * What happened to terminals in [since, until] that may have fixed an incident: work orders going in
   * progress or done (a visit; terminal null for a work order naming none), and remote actions — guide
   * runs, commands and maintenance jobs. One range read each, matched to incidents in memory.
   */
  async actionsBetween(since: string, until: string): Promise<{ visits: Action[]; remote: Action[] }> {
    const [visits, runs, commands, jobs] = await Promise.all([
      this.db.selectFrom('work_order_history as h').innerJoin('work_orders as wo', 'wo.id', 'h.work_order_id')
        .leftJoin('work_order_terminals as wot', 'wot.work_order_id', 'wo.id')
        .select(['wot.terminal_id', 'wo.site_id', 'h.at']).where('h.to_status', 'in', ['in_progress', 'done']).where('h.at', '>=', since).where('h.at', '<=', until).execute(),
      this.db.selectFrom('guide_runs as g').innerJoin('terminals as t', 't.id', 'g.terminal_id')
        .select(['g.terminal_id', 't.site_id', 'g.started_at as at', 'g.incident_id']).where('g.started_at', '>=', since).where('g.started_at', '<=', until).execute(),
      this.db.selectFrom('terminal_commands as c').innerJoin('terminals as t', 't.id', 'c.terminal_id')
        .select(['c.terminal_id', 't.site_id', 'c.created_at as at']).where('c.created_at', '>=', since).where('c.created_at', '<=', until).execute(),
      this.db.selectFrom('maintenance_jobs as j').innerJoin('terminals as t', 't.id', 'j.terminal_id')
        .select(['j.terminal_id', 't.site_id', 'j.started_at as at']).where('j.started_at', '>=', since).where('j.started_at', '<=', until).execute(),
    ]);
    return {
      visits: visits.map((v) => ({ terminal_id: v.terminal_id, site_id: v.site_id, at: v.at, incident_id: null })),
      remote: [...runs, ...commands.map((c) => ({ ...c, incident_id: null })), ...jobs.map((j) => ({ ...j, at: j.at!, incident_id: null }))],
    };
  }

  // ---- labels
  async labels(kind: 'merchant' | 'site' | 'model' | 'technician', ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const chunk of batches(ids)) {
      const rows: { id: string; label: string }[] = kind === 'merchant'
        ? await this.db.selectFrom('merchants').select(['id', 'name as label']).where('id', 'in', chunk).execute()
        : kind === 'site'
          ? (await this.db.selectFrom('sites').select(['id', 'code', 'name']).where('id', 'in', chunk).execute()).map((s) => ({ id: s.id, label: `${s.name} (${s.code})` }))
          : kind === 'model'
            ? (await this.db.selectFrom('terminal_models').select(['id', 'code', 'vendor', 'model']).where('id', 'in', chunk).execute()).map((m) => ({ id: m.id, label: `${m.vendor} ${m.model} (${m.code})` }))
            : await this.db.selectFrom('users').select(['id', 'name as label']).where('id', 'in', chunk).execute();
      for (const r of rows) out.set(r.id, r.label);
    }
    return out;
  }
}
