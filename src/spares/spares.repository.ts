// Spares and backup-terminal queries (Kysely only). Stock changes are single conditional statements, so
// two people taking the last unit at once cannot both have it; custody reads of a technician are
// narrowed to the work orders assigned to them.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type {
  BackupPoolTable, CustodyStepTable, CustodyTable, Database, DepotTable, SparePartMoveTable, SparePartTable, TerminalSwapTable,
} from '../db/schema.ts';
import type { CustodyState } from './custody-states.ts';

export type Executor = Kysely<Database> | Transaction<Database>;
export type PartRow = Selectable<SparePartTable>;
export type MoveRow = Selectable<SparePartMoveTable>;
export type DepotRow = Selectable<DepotTable>;
export type PoolRow = Selectable<BackupPoolTable>;
export type SwapRow = Selectable<TerminalSwapTable>;
export type CustodyRow = Selectable<CustodyTable>;
export type CustodyStepRow = Selectable<CustodyStepTable>;

const technicianOf = (scope: Scope) => (scope.kind === 'technician' ? scope.userId : '');

export class SparesRepository {
  constructor(readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction (the executor is handed to each query of it). */
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- depots
  async insertDepot(executor: Executor, row: DepotRow, ignoreExisting = false): Promise<void> {
    await executor.insertInto('depots').values(row).$if(ignoreExisting, (q) => q.onConflict((oc) => oc.column('code').doNothing())).execute();
  }
  findDepotByCode(executor: Executor, code: string): Promise<DepotRow | undefined> {
    return executor.selectFrom('depots').selectAll().where('code', '=', code).executeTakeFirst();
  }
  findDepot(id: string): Promise<DepotRow | undefined> {
    return this.db.selectFrom('depots').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listDepots(): Promise<(DepotRow & { parts: number | string | bigint; low_parts: number | string | bigint })[]> {
    return this.db.selectFrom('depots').leftJoin('spare_parts', 'spare_parts.depot', 'depots.code')
      .selectAll('depots')
      .select((eb) => [
        eb.fn.count<number>('spare_parts.id').as('parts'),
        eb.fn.count<number>(eb.case().when('spare_parts.quantity', '<', eb.ref('spare_parts.minimum')).then(1).end()).as('low_parts'),
      ])
      .groupBy(['depots.id', 'depots.code', 'depots.name', 'depots.region', 'depots.created_at', 'depots.updated_at'])
      .orderBy('depots.code').limit(1000).execute();
  }

  // ---- stock rows
  async insertPart(executor: Executor, row: PartRow, ignoreExisting = false): Promise<boolean> {
    const res = await executor.insertInto('spare_parts').values(row).$if(ignoreExisting, (q) => q.onConflict((oc) => oc.columns(['depot', 'sku']).doNothing())).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  listParts(filter: { depot?: string | undefined; belowMinimum?: boolean | undefined }): Promise<PartRow[]> {
    return this.db.selectFrom('spare_parts').selectAll()
      .$if(!!filter.depot, (q) => q.where('depot', '=', filter.depot!))
      .$if(filter.belowMinimum === true, (q) => q.whereRef('quantity', '<', 'minimum'))
      .$if(filter.belowMinimum === false, (q) => q.whereRef('quantity', '>=', 'minimum'))
      .orderBy('depot').orderBy('sku').limit(10_000).execute();
  }
  findPartByKey(executor: Executor, depot: string, sku: string): Promise<PartRow | undefined> {
    return executor.selectFrom('spare_parts').selectAll().where('depot', '=', depot).where('sku', '=', sku).executeTakeFirst();
  }
  findPart(executor: Executor, id: string): Promise<PartRow | undefined> {
    return executor.selectFrom('spare_parts').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async updatePart(executor: Executor, id: string, values: Partial<PartRow>): Promise<void> {
    await executor.updateTable('spare_parts').set(values).where('id', '=', id).execute();
  }

  /**
   * Sets a level only if it still is `from` (the level the move was worked out on): false when another
   * move changed it meanwhile, so that move's caller works it out again from the new level.
   */
  async setLevel(executor: Executor, partId: string, from: number, to: number, at: string): Promise<boolean> {
    const res = await executor.updateTable('spare_parts').set({ quantity: to, updated_at: at })
      .where('id', '=', partId).where('quantity', '=', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
  /** Flags a shortage if the level is low and none is flagged: true for the one caller that flagged it. */
  async raiseLow(executor: Executor, partId: string, at: string): Promise<boolean> {
    const res = await executor.updateTable('spare_parts').set({ low_since: at })
      .where('id', '=', partId).where('low_since', 'is', null).whereRef('quantity', '<', 'minimum').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
  /** Clears a flagged shortage once the level is back at its minimum or above. */
  async clearLow(executor: Executor, partId: string): Promise<void> {
    await executor.updateTable('spare_parts').set({ low_since: null })
      .where('id', '=', partId).where('low_since', 'is not', null).whereRef('quantity', '>=', 'minimum').execute();
  }

  // ---- ledger
  /** Appends a move to its part's ledger; called after the stock row was changed in the same transaction, so its lock orders the seq. */
  async insertMove(executor: Executor, row: Omit<MoveRow, 'seq'>): Promise<void> {
    const last = await executor.selectFrom('spare_part_moves').select((eb) => eb.fn.max('seq').as('seq')).where('part_id', '=', row.part_id).executeTakeFirst();
    await executor.insertInto('spare_part_moves').values({ ...row, seq: Number(last?.seq ?? 0) + 1 }).execute();
  }
  /** Newest first; the cursor is "<at>|<seq>|<id>" of the last entry of the previous page. */
  ledger(filter: { partId?: string | undefined; depot?: string | undefined; limit: number; after?: { at: string; seq: number; id: string } | undefined }) {
    return this.db.selectFrom('spare_part_moves').innerJoin('spare_parts', 'spare_parts.id', 'spare_part_moves.part_id')
      .selectAll('spare_part_moves').select(['spare_parts.sku', 'spare_parts.depot'])
      .$if(!!filter.partId, (q) => q.where('spare_part_moves.part_id', '=', filter.partId!))
      .$if(!!filter.depot, (q) => q.where('spare_parts.depot', '=', filter.depot!))
      .$if(!!filter.after, (q) => q.where((eb) => eb.or([
        eb('spare_part_moves.at', '<', filter.after!.at),
        eb.and([eb('spare_part_moves.at', '=', filter.after!.at), eb('spare_part_moves.seq', '<', filter.after!.seq)]),
        eb.and([eb('spare_part_moves.at', '=', filter.after!.at), eb('spare_part_moves.seq', '=', filter.after!.seq), eb('spare_part_moves.id', '<', filter.after!.id)]),
      ])))
      .orderBy('spare_part_moves.at', 'desc').orderBy('spare_part_moves.seq', 'desc').orderBy('spare_part_moves.id', 'desc').limit(filter.limit + 1).execute();
  }

  // ---- backup pools
  async insertPool(row: PoolRow): Promise<void> {
    await this.db.insertInto('backup_pools').values(row).execute();
  }
  findPool(executor: Executor, id: string): Promise<PoolRow | undefined> {
    return executor.selectFrom('backup_pools').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async siteExists(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('sites').select('id').where('id', '=', id).executeTakeFirst());
  }
  findPoolByCode(code: string): Promise<PoolRow | undefined> {
    return this.db.selectFrom('backup_pools').selectAll().where('code', '=', code).executeTakeFirst();
  }
  listPools(): Promise<PoolRow[]> {
    return this.db.selectFrom('backup_pools').selectAll().orderBy('code').limit(1000).execute();
  }
  poolTerminals(poolIds: string[]) {
    if (!poolIds.length) return Promise.resolve([]);
    return this.db.selectFrom('backup_terminals').innerJoin('terminals', 'terminals.id', 'backup_terminals.terminal_id')
      .select(['backup_terminals.pool_id', 'backup_terminals.terminal_id', 'backup_terminals.added_by', 'backup_terminals.added_at', 'terminals.serial_number', 'terminals.model_id'])
      .where('backup_terminals.pool_id', 'in', poolIds).orderBy('terminals.serial_number').execute();
  }
  async addToPool(executor: Executor, row: { terminal_id: string; pool_id: string; added_by: string; added_at: string }): Promise<boolean> {
    const res = await executor.insertInto('backup_terminals').values(row).onConflict((oc) => oc.column('terminal_id').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  findBackup(executor: Executor, terminalId: string) {
    return executor.selectFrom('backup_terminals').selectAll().where('terminal_id', '=', terminalId).executeTakeFirst();
  }
  /** Takes a spare out of its pool: true for the one swap that got it. */
  async takeFromPool(executor: Executor, terminalId: string, poolId: string): Promise<boolean> {
    const res = await executor.deleteFrom('backup_terminals').where('terminal_id', '=', terminalId).where('pool_id', '=', poolId).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  // ---- swaps and custody
  async insertSwap(executor: Executor, row: SwapRow): Promise<void> {
    await executor.insertInto('terminal_swaps').values(row).execute();
  }
  findSwap(executor: Executor, id: string): Promise<SwapRow | undefined> {
    return executor.selectFrom('terminal_swaps').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async insertCustody(executor: Executor, row: CustodyRow): Promise<void> {
    await executor.insertInto('custody').values(row).execute();
  }
  openCustodyOf(executor: Executor, terminalId: string): Promise<CustodyRow | undefined> {
    return executor.selectFrom('custody').selectAll().where('open_terminal_id', '=', terminalId).executeTakeFirst();
  }
  /** A custody as `scope` may see it: technicians only those of their own work orders. */
  findCustody(executor: Executor, id: string, scope: Scope): Promise<(CustodyRow & { serial_number: string }) | undefined> {
    return executor.selectFrom('custody').innerJoin('terminals', 'terminals.id', 'custody.terminal_id')
      .selectAll('custody').select('terminals.serial_number')
      .where('custody.id', '=', id)
      .$if(scope.kind === 'technician', (q) => q.where('custody.work_order_id', 'in', (eb) => eb.selectFrom('work_orders').select('id').where('technician_id', '=', technicianOf(scope))))
      .$if(scope.kind === 'merchant', (q) => q.where('custody.id', '=', ''))
      .executeTakeFirst();
  }
  listCustody(filter: { state?: CustodyState | undefined; open?: boolean | undefined; limit: number }, scope: Scope) {
    return this.db.selectFrom('custody').innerJoin('terminals', 'terminals.id', 'custody.terminal_id')
      .selectAll('custody').select('terminals.serial_number')
      .$if(!!filter.state, (q) => q.where('custody.state', '=', filter.state!))
      .$if(filter.open === true, (q) => q.where('custody.closed_at', 'is', null))
      .$if(filter.open === false, (q) => q.where('custody.closed_at', 'is not', null))
      .$if(scope.kind === 'technician', (q) => q.where('custody.work_order_id', 'in', (eb) => eb.selectFrom('work_orders').select('id').where('technician_id', '=', technicianOf(scope))))
      .$if(scope.kind === 'merchant', (q) => q.where('custody.id', '=', ''))
      .orderBy('custody.opened_at', 'desc').orderBy('custody.id').limit(filter.limit).execute();
  }
  /** Moves a custody on only if it still is `from`: of two racing steps, one wins. */
  async stepCustody(executor: Executor, id: string, from: CustodyState, values: Partial<CustodyRow>): Promise<boolean> {
    const res = await executor.updateTable('custody').set(values).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
  async addCustodyStep(executor: Executor, row: Omit<CustodyStepRow, 'seq'>): Promise<void> {
    const last = await executor.selectFrom('custody_steps').select((eb) => eb.fn.max('seq').as('seq')).where('custody_id', '=', row.custody_id).executeTakeFirst();
    await executor.insertInto('custody_steps').values({ ...row, seq: Number(last?.seq ?? 0) + 1 }).execute();
  }
  custodySteps(executor: Executor, custodyIds: string[]): Promise<CustodyStepRow[]> {
    if (!custodyIds.length) return Promise.resolve([]);
    return executor.selectFrom('custody_steps').selectAll().where('custody_id', 'in', custodyIds).orderBy('custody_id').orderBy('seq').execute();
  }
  swaps(executor: Executor, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return executor.selectFrom('terminal_swaps').innerJoin('work_orders', 'work_orders.id', 'terminal_swaps.work_order_id')
      .selectAll('terminal_swaps').select('work_orders.restored_at').where('terminal_swaps.id', 'in', ids).execute();
  }
  // ---- the terminals of a swap
  findTerminal(executor: Executor, id: string) {
    return executor.selectFrom('terminals').select(['id', 'serial_number', 'site_id', 'status', 'network_type', 'deleted_at']).where('id', '=', id).executeTakeFirst();
  }
  async tagsOf(executor: Executor, terminalId: string): Promise<string[]> {
    return (await executor.selectFrom('terminal_tags').select('tag').where('terminal_id', '=', terminalId).orderBy('tag').execute()).map((r) => r.tag);
  }
  async replaceTags(executor: Executor, terminalId: string, tags: string[]): Promise<void> {
    await executor.deleteFrom('terminal_tags').where('terminal_id', '=', terminalId).execute();
    if (tags.length) await executor.insertInto('terminal_tags').values(tags.map((tag) => ({ terminal_id: terminalId, tag }))).execute();
  }
  async updateTerminal(executor: Executor, id: string, values: { site_id?: string | null; status?: Database['terminals']['status']; network_type?: string | null; updated_at: string }): Promise<void> {
    await executor.updateTable('terminals').set(values).where('id', '=', id).execute();
  }
  /** A scrapped terminal's credentials stop working: each one it still has is revoked. */
  async revokeCredentials(executor: Executor, terminalId: string, at: string): Promise<void> {
    await executor.updateTable('terminal_credentials').set({ revoked_at: at }).where('terminal_id', '=', terminalId).where('revoked_at', 'is', null).execute();
  }
  /** Maintenance windows that name the faulty terminal now name the spare: ids of those moved. */
  async retargetWindows(executor: Executor, from: string, to: string, at: string): Promise<string[]> {
    const ids = (await executor.selectFrom('maintenance_windows').select('id').where('target_kind', '=', 'terminal').where('target_id', '=', from).execute()).map((r) => r.id);
    if (ids.length) await executor.updateTable('maintenance_windows').set({ target_id: to, target_key: `terminal:${to}`, updated_at: at }).where('id', 'in', ids).execute();
    return ids;
  }
  /** Preventive plan tasks of the faulty terminal carry on with the spare (where the spare has no such task of its own): ids of those moved. */
  async movePlanTasks(executor: Executor, from: string, to: string): Promise<string[]> {
    const theirs = await executor.selectFrom('pm_tasks').select(['id', 'plan_id', 'template_id']).where('terminal_id', '=', from).execute();
    const mine = new Set((await executor.selectFrom('pm_tasks').select(['plan_id', 'template_id']).where('terminal_id', '=', to).execute()).map((t) => `${t.plan_id}|${t.template_id}`));
    const ids = theirs.filter((t) => !mine.has(`${t.plan_id}|${t.template_id}`)).map((t) => t.id);
    if (ids.length) await executor.updateTable('pm_tasks').set({ terminal_id: to }).where('id', 'in', ids).execute();
    return ids;
  }
  async addWorkOrderTerminal(executor: Executor, workOrderId: string, terminalId: string): Promise<void> {
    await executor.insertInto('work_order_terminals').values({ work_order_id: workOrderId, terminal_id: terminalId })
      .onConflict((oc) => oc.columns(['work_order_id', 'terminal_id']).doNothing()).execute();
  }
  /** The merchant-restored time of a work order: set once, by the first working terminal back at the site. */
  async markRestored(executor: Executor, workOrderId: string, at: string): Promise<void> {
    await executor.updateTable('work_orders').set({ restored_at: at, updated_at: at }).where('id', '=', workOrderId).where('restored_at', 'is', null).execute();
  }
  async touchWorkOrder(executor: Executor, workOrderId: string, at: string): Promise<void> {
    await executor.updateTable('work_orders').set({ updated_at: at }).where('id', '=', workOrderId).execute();
  }
}
