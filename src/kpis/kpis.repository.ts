// The facts the maintenance KPIs are computed from (Kysely only). Terminals, the largest table, are
// counted in SQL per site and model; only what happened in the period is read row by row (failure
// incidents, maintenance jobs and locks overlapping it, work orders done, due or open in it, incidents
// resolved in it), each narrowed to the caller's scope in the query. What is only counted (terminals in
// service, how resolved incidents were fixed) is counted in SQL by the keys of the grouping asked for.
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { onPostgres } from '../db/database.ts';
import type { Scope } from '../access/roles.ts';
import { batches } from '../db/batches.ts';
import type { Database } from '../db/schema.ts';
import { WORK_ORDER_STATUSES } from '../work-orders/work-order-states.ts';
import { FAILURE_RULES, PLANNED_SOURCES, type GroupBy, type Resolution } from './kpis.ts';

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

export interface DoneOrder {
  id: string;
  source: string;
  site_id: string;
  /** null unless the read needs it (see needsMerchant). */
  merchant_id: string | null;
  technician_id: string | null;
  created_at: string;
  done_at: string;
  restored_at: string | null;
  minutes_spent: number;
  failure_start: string | null;
  next_failure_at: string | null;
}

export const IN_SERVICE: Database['terminals']['status'][] = ['active', 'in_repair'];
const CLOSED = ['done', 'cancelled'] as const;
const NOT_CLOSED = WORK_ORDER_STATUSES.filter((s) => !(CLOSED as readonly string[]).includes(s));

const failureRules = sql.join(FAILURE_RULES.map((r) => sql`${r}`));
const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** Terminals and their incidents: merchant users see their own merchant's; technicians none (their KPIs are their work orders'). */
export function terminalScope(scope: Scope, merchant: string | RawBuilder<string | null>): RawBuilder<SqlBool> {
  if (scope.kind === 'merchant') return sql<SqlBool>`${typeof merchant === 'string' ? sql.ref(merchant) : merchant} = ${scope.merchantId}`;
  return scope.kind === 'technician' ? FALSE : TRUE;
}

/** Work orders: merchant users see those at their merchant's sites; technicians their own. */
function orderScope(scope: Scope, merchant: RawBuilder<string | null>, technicianColumn: string): RawBuilder<SqlBool> {
  if (scope.kind === 'merchant') return sql<SqlBool>`${merchant} = ${scope.merchantId}`;
  if (scope.kind === 'technician') return sql<SqlBool>`${sql.ref(technicianColumn)} = ${scope.userId}`;
  return TRUE;
}

/**
 * Whether a read needs the merchant of a site: for a merchant user's scope, or a report by merchant.
 * Only then are sites read: a terminal at a site, or a work order, always has its site (a foreign key).
 */
export const needsMerchant = (scope: Scope, groupBy: GroupBy): boolean => scope.kind === 'merchant' || groupBy === 'merchant';

/** The merchant of the site in `siteColumn` where the read needs it (one index lookup per row), else null. */
function merchantOf(siteColumn: string, needed: boolean): RawBuilder<string | null> {
  return needed ? sql<string | null>`(select s.merchant_id from sites s where s.id = ${sql.ref(siteColumn)})` : sql<string | null>`null`;
}

/** A row counted per key of the grouping: it carries the grouping's own key only (none for the fleet, or a terminal's facts by technician). */
export type Keyed = Partial<Keys>;

/**
 * The grouping's own key as a selected column, followed by a comma (nothing for the fleet or by
 * technician), and what to group by. The other keys are not read at all, not even as a constant null:
 * a report by site reads ~40,000 counted rows, and each column is a property set on each row (~0.1 µs).
 */
export function keyColumns(groupBy: GroupBy, site: string, merchant: string, model: string) {
  const key = groupBy === 'site' ? { column: site, as: 'site_id' } : groupBy === 'merchant' ? { column: merchant, as: 'merchant_id' }
    : groupBy === 'model' ? { column: model, as: 'model_id' } : undefined;
  return {
    select: key ? sql`${sql.ref(key.column)} as ${sql.ref(key.as)}, ` : sql``,
    /** What to group by besides the grouping's own key. */
    groupBy: (...more: RawBuilder<unknown>[]) => {
      const columns = [...(key ? [sql.ref(key.column)] : []), ...more];
      return columns.length ? sql`group by ${sql.join(columns)}` : sql``;
    },
  };
}

/**
 * How incident `i` was fixed, in SQL: by a visit (a work order of its terminal — for a site incident, any
 * at its site — went in progress or done while it was open), remotely (a guide run for it started until
 * `runsUntil`, or a guide run, command or maintenance job on its terminal — for a site incident, on a
 * terminal now at its site — while it was open), or neither: it cleared by itself. Each question is one
 * range of an index (0036) per incident.
 */
function resolutionOf(runsUntil: string): RawBuilder<Resolution> {
  const during = (column: string) => sql`${sql.ref(column)} >= i.first_seen_at and ${sql.ref(column)} <= i.resolved_at`;
  const worked = sql`h.to_status in ('in_progress', 'done') and ${during('h.at')}`;
  const visited = sql`case when i.terminal_id is not null
    then exists (select 1 from work_order_terminals wot inner join work_order_history h on h.work_order_id = wot.work_order_id where wot.terminal_id = i.terminal_id and ${worked})
    else exists (select 1 from work_order_history h inner join work_orders wo on wo.id = h.work_order_id where ${worked} and wo.site_id = i.site_id) end`;
  const onTerminal = sql`exists (select 1 from guide_runs g where g.terminal_id = i.terminal_id and ${during('g.started_at')})
    or exists (select 1 from terminal_commands c where c.terminal_id = i.terminal_id and ${during('c.created_at')})
    or exists (select 1 from maintenance_jobs j where j.terminal_id = i.terminal_id and ${during('j.started_at')})`;
  const atSite = sql`exists (select 1 from terminals t inner join guide_runs g on g.terminal_id = t.id where t.site_id = i.site_id and ${during('g.started_at')})
    or exists (select 1 from terminals t inner join terminal_commands c on c.terminal_id = t.id where t.site_id = i.site_id and ${during('c.created_at')})
    or exists (select 1 from terminals t inner join maintenance_jobs j on j.terminal_id = t.id where t.site_id = i.site_id and ${during('j.started_at')})`;
  const remote = sql`exists (select 1 from guide_runs g where g.incident_id = i.id and g.started_at <= ${runsUntil})
    or case when i.terminal_id is not null then ${onTerminal} else ${atSite} end`;
  return sql<Resolution>`case when ${visited} then 'visit' when ${remote} then 'remote' else 'self' end`;
}

export interface ResolvedIncident {
  id: string;
  terminal_id: string | null;
  site_id: string | null;
  merchant_id: string | null;
  resolution: Resolution;
}

export class KpisRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Terminals in service at a site; with `anyStatus`, every terminal not deleted (the rollups: its status
   * is asked when they are read). Their merchant is read (merchantOf) only where it is needed.
   */
  private terminals(anyStatus = false) {
    const q = this.db.selectFrom('terminals as t').where('t.site_id', 'is not', null).where('t.deleted_at', 'is', null);
    return anyStatus ? q : q.where('t.status', 'in', IN_SERVICE);
  }

  /** Terminals in service since before `from`, counted per key of the grouping. */
  async terminalsBefore(from: string, scope: Scope, groupBy: GroupBy): Promise<(Keyed & { n: number })[]> {
    // Counted from one index (0041) without reading a terminal's row; sites only when a merchant is asked.
    const { select, groupBy: grouped } = keyColumns(groupBy, 't.site_id', 's.merchant_id', 't.model_id');
    const rows = await sql<Keyed & { n: number }>`select ${select}count(*) as n
      from terminals t ${needsMerchant(scope, groupBy) ? sql`inner join sites s on s.id = t.site_id` : sql``}
      where t.site_id is not null and t.deleted_at is null and t.status in (${sql.join(IN_SERVICE)}) and t.created_at <= ${from} and ${terminalScope(scope, 's.merchant_id')}
      ${grouped()}`.execute(this.db);
    return rows.rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Terminals that came into the estate during the period: in service from their creation. */
  terminalsAddedIn(from: string, end: string, scope: Scope): Promise<(Keys & { created_at: string })[]> {
    const merchant = merchantOf('t.site_id', true);
    return this.terminals().select(['t.site_id', merchant.as('merchant_id'), 't.model_id', 't.created_at'])
      .where('t.created_at', '>', from).where('t.created_at', '<', end).where(terminalScope(scope, merchant)).execute();
  }

  /** Everything that kept an in-service terminal from taking payments during [from, end) (merchants only where `groupBy` or the scope needs them). */
  async outages(from: string, end: string, scope: Scope, groupBy: GroupBy, anyStatus = false): Promise<Outage[]> {
    const merchant = merchantOf('t.site_id', needsMerchant(scope, groupBy));
    // What overlaps [from, end) is read in two parts, each a range of an index on (end, start) (0021):
    // what ended after `from`, and what is still going on. One OR of the two scans the whole history.
    const ended = (startColumn: string, endColumn: string) => sql<SqlBool>`${sql.ref(endColumn)} > ${from} and ${sql.ref(startColumn)} < ${end}`;
    const ongoing = (startColumn: string, endColumn: string) => sql<SqlBool>`${sql.ref(endColumn)} is null and ${sql.ref(startColumn)} < ${end}`;
    const both = async <R>(read: (overlapping: typeof ended) => Promise<R[]>): Promise<R[]> => (await Promise.all([read(ended), read(ongoing)])).flat();
    const [own, ofSite, jobs, locks] = await Promise.all([
      both((overlapping) => this.terminals(anyStatus).innerJoin('incidents as i', 'i.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', merchant.as('merchant_id'), 't.model_id', 'i.first_seen_at as start', 'i.resolved_at as end'])
        .where('i.rule', 'in', [...FAILURE_RULES]).where(overlapping('i.first_seen_at', 'i.resolved_at')).where(terminalScope(scope, merchant)).execute()),
      // A site whose network is down: every terminal of the site is down with it.
      both((overlapping) => this.terminals(anyStatus).innerJoin('incidents as i', 'i.site_id', 't.site_id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', merchant.as('merchant_id'), 't.model_id', 'i.first_seen_at as start', 'i.resolved_at as end'])
        .where('i.terminal_id', 'is', null).where('i.rule', 'in', [...FAILURE_RULES]).where(overlapping('i.first_seen_at', 'i.resolved_at'))
        .where(terminalScope(scope, merchant)).execute()),
      both((overlapping) => this.terminals(anyStatus).innerJoin('maintenance_jobs as j', 'j.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', merchant.as('merchant_id'), 't.model_id', 'j.started_at', 'j.ended_at', 'j.state', 'j.updated_at'])
        .where('j.started_at', 'is not', null).where(overlapping('j.started_at', 'j.ended_at')).where(terminalScope(scope, merchant)).execute()),
      both((overlapping) => this.terminals(anyStatus).innerJoin('terminal_locks as l', 'l.terminal_id', 't.id')
        .select(['t.id as terminal_id', 't.created_at', 't.site_id', merchant.as('merchant_id'), 't.model_id', 'l.locked_at as start', 'l.lifted_at as end'])
        .where(overlapping('l.locked_at', 'l.lifted_at')).where(terminalScope(scope, merchant)).execute()),
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
   * order's creation), and the first failure of its terminals after it was done (both null for a
   * preventive work order: it repaired nothing).
   */
  async doneOrders(from: string, to: string, scope: Scope, groupBy: GroupBy): Promise<DoneOrder[]> {
    const merchant = merchantOf('wo.site_id', needsMerchant(scope, groupBy));
    // Only a corrective work order repaired a failure (a preventive one's hours count, nothing else).
    const corrective = sql<SqlBool>`wo.source not in (${sql.join([...PLANNED_SOURCES])})`;
    const rows = await this.db.selectFrom('work_order_history as h').innerJoin('work_orders as wo', 'wo.id', 'h.work_order_id')
      .select([
        'wo.id', 'wo.source', 'wo.site_id', merchant.as('merchant_id'), 'wo.technician_id', 'wo.created_at', 'h.at as done_at', 'wo.restored_at', 'wo.minutes_spent',
        sql<string | null>`case when ${corrective} then (select min(i.first_seen_at) from incidents i inner join work_order_terminals wot on wot.terminal_id = i.terminal_id
          where wot.work_order_id = wo.id and i.rule in (${failureRules}) and i.first_seen_at <= wo.created_at
          and (i.resolved_at is null or i.resolved_at >= wo.created_at)) end`.as('failure_start'),
        sql<string | null>`case when ${corrective} then (select min(i.first_seen_at) from incidents i inner join work_order_terminals wot on wot.terminal_id = i.terminal_id
          where wot.work_order_id = wo.id and i.rule in (${failureRules}) and i.first_seen_at > h.at) end`.as('next_failure_at'),
      ])
      .where('h.to_status', '=', 'done').where('h.at', '>=', from).where('h.at', '<', to)
      .where(orderScope(scope, merchant, 'wo.technician_id')).execute();
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
  preventiveDue(from: string, to: string, scope: Scope, groupBy: GroupBy) {
    const merchant = merchantOf('wo.site_id', needsMerchant(scope, groupBy));
    return this.db.selectFrom('work_orders as wo')
      .leftJoin('work_order_history as h', (join) => join.onRef('h.work_order_id', '=', 'wo.id').on('h.to_status', '=', 'done'))
      .select([
        'wo.id', 'wo.site_id', merchant.as('merchant_id'), 'wo.technician_id', 'wo.due_at', 'h.at as done_at',
        sql<number | null>`(select min(pt.effective_days) from work_order_items it inner join pm_tasks pt on pt.id = it.pm_task_id where it.work_order_id = wo.id)`.as('interval_days'),
      ])
      .where('wo.source', '=', 'preventive').where('wo.status', '!=', 'cancelled').where('wo.due_at', '>=', from).where('wo.due_at', '<', to)
      .where(orderScope(scope, merchant, 'wo.technician_id')).execute();
  }

  /**
   * Work orders open at `at`: made before it and not done or cancelled before it. Read in two index
   * ranges, not by testing every work order ever made: those not closed now, and those closed since `at`.
   */
  async openAt(at: string, scope: Scope) {
    const open = (candidates: 'open now' | 'closed since') => {
      let q = this.db.selectFrom('work_orders as wo').innerJoin('sites as s', 's.id', 'wo.site_id')
        .select(['wo.id', 'wo.source', 'wo.site_id', 's.merchant_id', 'wo.technician_id', 'wo.due_at'])
        .where('wo.created_at', '<', at)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('work_order_history as h').select('h.id')
          .whereRef('h.work_order_id', '=', 'wo.id').where('h.to_status', 'in', [...CLOSED]).where('h.at', '<', at))))
        .where(orderScope(scope, sql`s.merchant_id`, 'wo.technician_id'));
      q = candidates === 'open now' ? q.where('wo.status', 'in', NOT_CLOSED)
        : q.where('wo.status', 'in', [...CLOSED]).where('wo.id', 'in', this.db.selectFrom('work_order_history as c').select('c.work_order_id')
          .where('c.to_status', 'in', [...CLOSED]).where('c.at', '>=', at));
      return q.execute();
    };
    return [...await open('open now'), ...await open('closed since')];
  }

  /** Minutes spent on done work orders, per source (the backlog's estimate). */
  async doneMinutesBySource(): Promise<Map<string, { minutes: number; count: number }>> {
    const rows = await this.db.selectFrom('work_orders').select(['source', (eb) => eb.fn.sum<number>('minutes_spent').as('minutes'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'done').groupBy('source').execute();
    return new Map(rows.map((r) => [r.source, { minutes: Number(r.minutes ?? 0), count: Number(r.count) }]));
  }

  /** Incidents resolved in [from, to), counted per key of the grouping and how each was fixed (see resolutionOf; guide runs for an incident count until `runsUntil`). */
  async resolutions(from: string, to: string, scope: Scope, groupBy: GroupBy, runsUntil = to): Promise<(Keyed & { resolution: Resolution; n: number })[]> {
    const { select, groupBy: grouped } = keyColumns(groupBy, 'r.site_id', 'r.merchant_id', 't.model_id');
    const { rows } = await sql<Keyed & { resolution: Resolution; n: number }>`select ${select}r.resolution, count(*) as n
      from (select i.terminal_id, i.site_id, i.merchant_id, ${resolutionOf(runsUntil)} as resolution
        from incidents i where i.resolved_at >= ${from} and i.resolved_at < ${to} and i.first_seen_at < ${to} and ${terminalScope(scope, 'i.merchant_id')}) r
      ${groupBy === 'model' ? sql`left join terminals t on t.id = r.terminal_id` : sql``}
      ${grouped(sql.ref('r.resolution'))}`.execute(this.db);
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Each incident resolved in [from, to) and how it was fixed (guide runs for it count until `to`): the rollup of a day. */
  async resolvedIncidents(from: string, to: string): Promise<ResolvedIncident[]> {
    const { rows } = await sql<ResolvedIncident>`select i.id, i.terminal_id, i.site_id, i.merchant_id, ${resolutionOf(to)} as resolution
      from incidents i where i.resolved_at >= ${from} and i.resolved_at < ${to}`.execute(this.db);
    return rows;
  }

  // ---- labels
  /** The labels of these ids: the list is bound as one parameter (a report by site names up to every site: an IN list of 10,000 values costs more to build than to run). */
  async labels(kind: 'merchant' | 'site' | 'model' | 'technician', ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!ids.length) return out;
    const among = onPostgres(this.db)
      ? sql<SqlBool>`id = any(${ids}::text[])` : sql<SqlBool>`id in (select value from json_each(${JSON.stringify(ids)}))`;
    const rows: { id: string; label: string }[] = kind === 'merchant'
      ? await this.db.selectFrom('merchants').select(['id', 'name as label']).where(among).execute()
      : kind === 'site'
        // Put together in SQL: one column less to read on each of up to 10,000 rows.
        ? await this.db.selectFrom('sites').select(['id', sql<string>`name || ' (' || code || ')'`.as('label')]).where(among).execute()
        : kind === 'model'
          ? (await this.db.selectFrom('terminal_models').select(['id', 'code', 'vendor', 'model']).where(among).execute()).map((m) => ({ id: m.id, label: `${m.vendor} ${m.model} (${m.code})` }))
          : await this.db.selectFrom('users').select(['id', 'name as label']).where(among).execute();
    for (const r of rows) out.set(r.id, r.label);
    return out;
  }
}
