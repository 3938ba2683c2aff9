// Work-order, technician and work-order photo queries (Kysely only). A technician-scoped caller reaches
// only the work orders assigned to them: the condition is part of every work-order read.
import type { Kysely, Selectable } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { insertInBatches } from '../db/batches.ts';
import type { Executor } from '../db/database.ts';
import type { Database, TechnicianTable, WorkOrderHistoryTable, WorkOrderItemTable, WorkOrderPhotoTable, WorkOrderTable } from '../db/schema.ts';
import type { WorkOrderStatus } from './work-order-states.ts';

export type WorkOrderRow = Selectable<WorkOrderTable>;
export type ItemRow = Selectable<WorkOrderItemTable>;

export interface WorkOrderFilter {
  status?: WorkOrderStatus | undefined;
  source?: string | undefined;
  siteId?: string | undefined;
  technicianId?: string | undefined;
  terminalId?: string | undefined;
}

export class WorkOrdersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction (the executor is handed to each query of it). */
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- technicians
  user(id: string): Promise<{ id: string; name: string; role: string } | undefined> {
    return this.db.selectFrom('users').select(['id', 'name', 'role']).where('id', '=', id).executeTakeFirst();
  }
  async insertTechnician(row: Selectable<TechnicianTable>): Promise<void> {
    await this.db.insertInto('technicians').values(row).execute();
  }
  findTechnician(id: string): Promise<Selectable<TechnicianTable> | undefined> {
    return this.db.selectFrom('technicians').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async techniciansWithLoad(): Promise<(Selectable<TechnicianTable> & { load: number })[]> {
    const rows = await this.db.selectFrom('technicians')
      .selectAll('technicians')
      .select((eb) => eb.selectFrom('work_orders').select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('work_orders.technician_id', '=', 'technicians.id').where('work_orders.status', 'not in', ['done', 'cancelled']).as('load'))
      .orderBy('technicians.name').orderBy('technicians.id').execute();
    return rows.map((r) => ({ ...r, load: Number(r.load ?? 0) }));
  }

  // ---- work orders
  async insertWorkOrder(trx: Executor, row: WorkOrderRow, terminalIds: string[], items: ItemRow[], history: Omit<Selectable<WorkOrderHistoryTable>, 'seq'>): Promise<void> {
    await trx.insertInto('work_orders').values(row).execute();
    await insertInBatches(terminalIds.map((terminal_id) => ({ work_order_id: row.id, terminal_id })), (batch) => trx.insertInto('work_order_terminals').values(batch).execute());
    await insertInBatches(items, (batch) => trx.insertInto('work_order_items').values(batch).execute());
    await trx.insertInto('work_order_history').values({ ...history, seq: 1 }).execute();
  }

  /** One work order as `scope` may see it: technicians only their own. */
  findWorkOrder(id: string, scope: Scope, executor: Executor = this.db): Promise<WorkOrderRow | undefined> {
    return executor.selectFrom('work_orders').selectAll().where('id', '=', id)
      .$if(scope.kind === 'technician', (q) => q.where('technician_id', '=', scope.kind === 'technician' ? scope.userId : ''))
      .$if(scope.kind === 'merchant', (q) => q.where('id', '=', '')) // merchant users hold no work-order permission; belt and braces
      .executeTakeFirst();
  }

  /** Merchants' requests, newest first; a merchant-scoped caller gets those at their merchant's sites only. */
  listRequests(filter: { status?: WorkOrderStatus | undefined; limit: number }, scope: Scope): Promise<WorkOrderRow[]> {
    return this.db.selectFrom('work_orders').innerJoin('sites', 'sites.id', 'work_orders.site_id').selectAll('work_orders')
      .where('work_orders.source', '=', 'merchant_request')
      .$if(scope.kind === 'merchant', (q) => q.where('sites.merchant_id', '=', scope.kind === 'merchant' ? scope.merchantId : ''))
      .$if(scope.kind === 'technician', (q) => q.where('work_orders.technician_id', '=', scope.kind === 'technician' ? scope.userId : ''))
      .$if(!!filter.status, (q) => q.where('work_orders.status', '=', filter.status!))
      .orderBy('work_orders.created_at', 'desc').orderBy('work_orders.id').limit(filter.limit).execute();
  }

  listWorkOrders(filter: WorkOrderFilter & { limit: number }, scope: Scope): Promise<WorkOrderRow[]> {
    return this.db.selectFrom('work_orders').selectAll()
      .$if(scope.kind === 'technician', (q) => q.where('technician_id', '=', scope.kind === 'technician' ? scope.userId : ''))
      .$if(scope.kind === 'merchant', (q) => q.where('id', '=', ''))
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status!))
      .$if(!!filter.source, (q) => q.where('source', '=', filter.source!))
      .$if(!!filter.siteId, (q) => q.where('site_id', '=', filter.siteId!))
      .$if(!!filter.technicianId, (q) => q.where('technician_id', '=', filter.technicianId!))
      .$if(!!filter.terminalId, (q) => q.where('id', 'in', (eb) => eb.selectFrom('work_order_terminals').select('work_order_id').where('terminal_id', '=', filter.terminalId!)))
      .orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
  }

  /** Open work orders with a due date before `before`, for the escalation tick. */
  openDueBefore(before: string): Promise<(WorkOrderRow & { merchant_id: string })[]> {
    return this.db.selectFrom('work_orders').innerJoin('sites', 'sites.id', 'work_orders.site_id')
      .selectAll('work_orders').select('sites.merchant_id')
      .where('work_orders.status', 'not in', ['done', 'cancelled']).where('work_orders.due_at', 'is not', null).where('work_orders.due_at', '<=', before)
      .orderBy('work_orders.due_at').limit(10_000).execute();
  }

  async details(id: string, executor: Executor = this.db) {
    const [terminals, items, history, parts, followUps, photos] = await Promise.all([
      executor.selectFrom('work_order_terminals').select('terminal_id').where('work_order_id', '=', id).orderBy('terminal_id').execute(),
      executor.selectFrom('work_order_items').selectAll().where('work_order_id', '=', id).orderBy('seq').execute(),
      executor.selectFrom('work_order_history').selectAll().where('work_order_id', '=', id).orderBy('seq').execute(),
      executor.selectFrom('spare_part_moves').innerJoin('spare_parts', 'spare_parts.id', 'spare_part_moves.part_id')
        .select(['spare_part_moves.part_id', 'spare_parts.sku', 'spare_parts.depot', 'spare_part_moves.delta', 'spare_part_moves.by_name', 'spare_part_moves.at'])
        .where('spare_part_moves.work_order_id', '=', id).orderBy('spare_part_moves.at').orderBy('spare_part_moves.id').execute(),
      executor.selectFrom('work_orders').select('id').where('parent_id', '=', id).orderBy('created_at').orderBy('id').execute(),
      executor.selectFrom('work_order_photos').selectAll().where('work_order_id', '=', id).orderBy('taken_at').orderBy('id').execute(),
    ]);
    return { terminals: terminals.map((t) => t.terminal_id), items, history, parts, followUps: followUps.map((f) => f.id), photos };
  }

  async updateWorkOrder(trx: Executor, id: string, values: Partial<WorkOrderRow>): Promise<void> {
    await trx.updateTable('work_orders').set(values).where('id', '=', id).execute();
  }
  /** Changes the status only if it still is `from`: of two racing changes, one wins and the other is told. */
  async moveWorkOrder(trx: Executor, id: string, from: WorkOrderStatus, values: Partial<WorkOrderRow>): Promise<boolean> {
    const res = await trx.updateTable('work_orders').set(values).where('id', '=', id).where('status', '=', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
  async addHistory(trx: Executor, row: Omit<Selectable<WorkOrderHistoryTable>, 'seq'>): Promise<void> {
    const last = await trx.selectFrom('work_order_history').select((eb) => eb.fn.max('seq').as('seq')).where('work_order_id', '=', row.work_order_id).executeTakeFirst();
    await trx.insertInto('work_order_history').values({ ...row, seq: Number(last?.seq ?? 0) + 1 }).execute();
  }
  async answerItem(trx: Executor, workOrderId: string, itemId: string, values: Pick<ItemRow, 'result' | 'note' | 'answered_by' | 'answered_at'>): Promise<boolean> {
    const res = await trx.updateTable('work_order_items').set(values).where('id', '=', itemId).where('work_order_id', '=', workOrderId).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** A terminal's site and serial number (where a technician is sent). */
  terminalSite(terminalId: string, executor: Executor = this.db): Promise<{ id: string; site_id: string | null; serial_number: string } | undefined> {
    return executor.selectFrom('terminals').select(['id', 'site_id', 'serial_number']).where('id', '=', terminalId).executeTakeFirst();
  }

  // ---- photos
  async hasItem(workOrderId: string, itemId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('work_order_items').select('id').where('id', '=', itemId).where('work_order_id', '=', workOrderId).executeTakeFirst());
  }
  async insertPhoto(row: Selectable<WorkOrderPhotoTable>): Promise<void> {
    await this.db.insertInto('work_order_photos').values(row).execute();
  }
  findPhoto(workOrderId: string, photoId: string): Promise<Selectable<WorkOrderPhotoTable> | undefined> {
    return this.db.selectFrom('work_order_photos').selectAll().where('id', '=', photoId).where('work_order_id', '=', workOrderId).executeTakeFirst();
  }
}
