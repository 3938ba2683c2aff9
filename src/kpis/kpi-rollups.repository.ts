// The KPI rollups (0040, 0043; Kysely only): which UTC days are rolled up, what the KPIs read of them
// (summed per key of the grouping in SQL, joined to the terminals as they are now: in service, where they
// are now, like the live reads), and the job's writes. A day is rolled up in two parts, each with its own
// marks, because different facts un-roll them: its outages and resolutions (0040), its done work orders (0043). A day is claimed first (its row, rolled_at null),
// then its facts are read, then its rows are saved only if the claim still stands: a fact recorded in
// between deleted it (the triggers of 0040), and the day is rolled again at the next run.
import { sql, type Kysely } from 'kysely';
import { onPostgres } from '../db/database.ts';
import type { Scope } from '../access/roles.ts';
import { batches, insertInBatches } from '../db/batches.ts';
import { KPI_ROLLUP_LOCK } from '../db/migrations/0040_kpi_rollups.ts';
import { PLACE_COLUMNS } from '../db/migrations/0046_kpi_terminal_places.ts';
import type { Database } from '../db/schema.ts';
import type { GroupBy, Resolution } from './kpis.ts';
import { IN_SERVICE, keyColumns, needsMerchant, terminalScope, type Keyed } from './kpis.repository.ts';
import type { KpiDoneOrderTable, KpiIncidentResolutionTable, KpiTerminalDayTable } from './kpis.tables.ts';

/** The parts of a day rolled up apart, and the table of their marks. */
export type RollupPart = 'outages' | 'orders';
const MARKS = { outages: 'kpi_rollup_days', orders: 'kpi_work_order_days' } as const;

/** A terminal's day as the job works it out; where the terminal is is copied when it is saved. */
export type TerminalDay = Pick<KpiTerminalDayTable, 'day' | 'terminal_id' | 'down_ms' | 'failures'>;

/** Done work orders summed per key (kpis.ts's DoneSums); `technician_id` by technician only. */
export type DoneOrderSums = Keyed & { technician_id?: string | null; minutes: number; planned_minutes: number; repairs: number; repair_ms: number; restored_ms: number; first_time_fixes: number };

export class KpiRollupsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private get postgres(): boolean {
    return onPostgres(this.db);
  }

  /** The days in [fromDay, toDay) whose rollups (of this part) are complete. */
  async rolledDays(fromDay: string, toDay: string, part: RollupPart = 'outages'): Promise<Set<string>> {
    const rows = await this.db.selectFrom(MARKS[part]).select('day')
      .where('day', '>=', fromDay).where('day', '<', toDay).where('rolled_at', 'is not', null).execute();
    return new Set(rows.map((r) => r.day));
  }

  /** Downtime and failures of the terminals in service over these days, per key of the grouping. */
  async downtime(days: string[], scope: Scope, groupBy: GroupBy): Promise<(Keyed & { down_ms: number; failures: number })[]> {
    if (!days.length) return [];
    const { select, groupBy: grouped } = keyColumns(groupBy, 'd.site_id', 's.merchant_id', 'd.model_id');
    // Each row carries where its terminal is now and whether it is in service (0046): summed from one
    // covering index, no terminal looked up. Sites only when a merchant is asked.
    const { rows } = await sql<Keyed & { down_ms: number; failures: number }>`select ${select}sum(d.down_ms) as down_ms, sum(d.failures) as failures
      from kpi_terminal_days d ${needsMerchant(scope, groupBy) ? sql`inner join sites s on s.id = d.site_id` : sql``}
      where d.day in (${sql.join(days)}) and d.site_id is not null and d.deleted_at is null and d.status in (${sql.join(IN_SERVICE)}) and ${terminalScope(scope, 's.merchant_id')}
      ${grouped()}`.execute(this.db);
    return rows.map((r) => ({ ...r, down_ms: Number(r.down_ms ?? 0), failures: Number(r.failures ?? 0) }));
  }

  /** Incidents resolved on these days, counted per key of the grouping and how each was fixed. */
  async resolutions(days: string[], scope: Scope, groupBy: GroupBy): Promise<(Keyed & { resolution: Resolution; n: number })[]> {
    if (!days.length) return [];
    const { select, groupBy: grouped } = keyColumns(groupBy, 'r.site_id', 'r.merchant_id', 't.model_id');
    const { rows } = await sql<Keyed & { resolution: Resolution; n: number }>`select ${select}r.resolution, count(*) as n
      from kpi_incident_resolutions r ${groupBy === 'model' ? sql`left join terminals t on t.id = r.terminal_id` : sql``}
      where r.day in (${sql.join(days)}) and ${terminalScope(scope, 'r.merchant_id')}
      ${grouped(sql.ref('r.resolution'))}`.execute(this.db);
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /**
   * Work orders done on these days, summed per key of the grouping (their site and technician as rolled;
   * the merchant of the site, and the models of their terminals, as they are now, like the live reads).
   */
  async doneOrders(days: string[], scope: Scope, groupBy: GroupBy): Promise<DoneOrderSums[]> {
    if (!days.length) return [];
    const merchantNeeded = needsMerchant(scope, groupBy);
    const { select, groupBy: grouped } = groupBy === 'technician' ? { select: sql`r.technician_id as technician_id, `, groupBy: () => sql`group by r.technician_id` }
      : keyColumns(groupBy, 'r.site_id', 's.merchant_id', 'm.model_id');
    const inScope = scope.kind === 'merchant' ? sql`s.merchant_id = ${scope.merchantId}` : scope.kind === 'technician' ? sql`r.technician_id = ${scope.userId}` : sql`1 = 1`;
    const { rows } = await sql<DoneOrderSums>`select ${select}sum(r.minutes) as minutes, sum(r.planned_minutes) as planned_minutes, sum(r.repairs) as repairs,
        sum(r.repair_ms) as repair_ms, sum(r.restored_ms) as restored_ms, sum(r.first_time_fixes) as first_time_fixes
      from kpi_done_orders r ${merchantNeeded ? sql`inner join sites s on s.id = r.site_id` : sql``}
        ${groupBy === 'model' ? sql`left join (select distinct wot.work_order_id, t.model_id from work_order_terminals wot inner join terminals t on t.id = wot.terminal_id) m on m.work_order_id = r.work_order_id` : sql``}
      where r.day in (${sql.join(days)}) and ${inScope}
      ${grouped()}`.execute(this.db);
    return rows.map((r) => ({
      ...r, minutes: Number(r.minutes ?? 0), planned_minutes: Number(r.planned_minutes ?? 0), repairs: Number(r.repairs ?? 0),
      repair_ms: Number(r.repair_ms ?? 0), restored_ms: Number(r.restored_ms ?? 0), first_time_fixes: Number(r.first_time_fixes ?? 0),
    }));
  }

  // ---- the job

  /** The days in [fromDay, toDay) whose part is not rolled up (never, un-rolled by a late fact, or left half-way). */
  async unrolledDays(days: string[], part: RollupPart = 'outages'): Promise<string[]> {
    const rolled = new Set<string>();
    for (const batch of batches(days)) {
      const rows = await this.db.selectFrom(MARKS[part]).select('day').where('day', 'in', batch).where('rolled_at', 'is not', null).execute();
      for (const r of rows) rolled.add(r.day);
    }
    return days.filter((d) => !rolled.has(d));
  }

  /**
   * Claims a day for this run. On PostgreSQL it waits for the transactions that recorded a fact (and
   * hold the shared lock their trigger took) to commit, so what the run reads next includes them.
   */
  async claim(day: string, token: string, part: RollupPart = 'outages'): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (this.postgres) await sql`select pg_advisory_xact_lock(${KPI_ROLLUP_LOCK})`.execute(trx);
      await trx.insertInto(MARKS[part]).values({ day, token, rolled_at: null })
        .onConflict((oc) => oc.column('day').doUpdateSet({ token, rolled_at: null })).execute();
    });
  }

  /**
   * Saves a day's rollups if the claim still stands; false when a fact recorded since un-rolled it. Each
   * terminal's place (0046) is copied from `terminals` in the same transaction: on PostgreSQL under the
   * rollups' lock, which a terminal's change takes shared, so the change either comes before the copy or
   * updates the saved rows after it.
   */
  async save(day: string, token: string, terminals: TerminalDay[], resolutions: KpiIncidentResolutionTable[], rolledAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (this.postgres) await sql`select pg_advisory_xact_lock(${KPI_ROLLUP_LOCK})`.execute(trx);
      let claim = trx.selectFrom('kpi_rollup_days').select('day').where('day', '=', day).where('token', '=', token);
      if (this.postgres) claim = claim.forUpdate();
      if (!(await claim.executeTakeFirst())) return false;
      await trx.deleteFrom('kpi_terminal_days').where('day', '=', day).execute();
      await trx.deleteFrom('kpi_incident_resolutions').where('day', '=', day).execute();
      const unplaced = terminals.map((t) => ({ ...t, site_id: null, model_id: null, status: null, deleted_at: null }));
      await insertInBatches(unplaced, (batch) => trx.insertInto('kpi_terminal_days').values(batch).execute());
      const place = sql.join(PLACE_COLUMNS.map((c) => sql.ref(c)));
      await sql`update kpi_terminal_days set (${place}) = (select ${sql.join(PLACE_COLUMNS.map((c) => sql.ref(`t.${c}`)))} from terminals t where t.id = kpi_terminal_days.terminal_id)
        where day = ${day}`.execute(trx);
      // An incident re-opened and resolved again on another day moves to that day.
      for (const batch of batches(resolutions.map((r) => r.incident_id))) await trx.deleteFrom('kpi_incident_resolutions').where('incident_id', 'in', batch).execute();
      await insertInBatches(resolutions, (batch) => trx.insertInto('kpi_incident_resolutions').values(batch).execute());
      await trx.updateTable('kpi_rollup_days').set({ rolled_at: rolledAt }).where('day', '=', day).execute();
      return true;
    });
  }

  /** Saves a day's done work orders if the claim still stands; false when a fact recorded since un-rolled it. */
  async saveOrders(day: string, token: string, orders: KpiDoneOrderTable[], rolledAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      let claim = trx.selectFrom('kpi_work_order_days').select('day').where('day', '=', day).where('token', '=', token);
      if (this.postgres) claim = claim.forUpdate();
      if (!(await claim.executeTakeFirst())) return false;
      await trx.deleteFrom('kpi_done_orders').where('day', '=', day).execute();
      await insertInBatches(orders, (batch) => trx.insertInto('kpi_done_orders').values(batch).execute());
      await trx.updateTable('kpi_work_order_days').set({ rolled_at: rolledAt }).where('day', '=', day).execute();
      return true;
    });
  }

  /** Forgets the rollups of days before `day` (reads of such days go live). */
  async prune(day: string): Promise<void> {
    for (const table of ['kpi_rollup_days', 'kpi_terminal_days', 'kpi_incident_resolutions', 'kpi_work_order_days', 'kpi_done_orders'] as const) {
      await this.db.deleteFrom(table).where('day', '<', day).execute();
    }
  }

  /** The day of the first terminal: nothing before it needs rolling. */
  async firstTerminalDay(): Promise<string | undefined> {
    const row = await this.db.selectFrom('terminals').select((eb) => eb.fn.min('created_at').as('first')).executeTakeFirst();
    return row?.first ? String(row.first).slice(0, 10) : undefined;
  }
}
