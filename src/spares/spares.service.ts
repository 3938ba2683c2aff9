// Use cases of spare-part stock: depots and the stock kept there (restock, consumption by work orders,
// transfers, counts), every move in a ledger with who, when, why and the level it left (the moves
// themselves: ./stock-moves.ts). Backup terminals, swaps and custody: ./backup-terminals.service.ts.
import { randomUUID } from 'node:crypto';
import type { Actor, WorkOrdersService } from '../work-orders/work-orders.service.ts';
import type { WorkOrderView } from '../work-orders/work-orders.schemas.ts';
import { isClosed } from '../work-orders/work-order-states.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { Executor, PartRow, SparesRepository } from './spares.repository.ts';
import type {
  CountInput, DepotInput, DepotView, LedgerEntry, LedgerQuery, RestockInput, SparePartInput, SparePartPatch, SparePartView, TransferInput,
} from './spares.schemas.ts';
import type { StockMoves } from './stock-moves.ts';
import { isLow } from './stock.ts';

export class SparesService {
  constructor(
    private readonly repo: SparesRepository,
    private readonly stock: StockMoves,
    private readonly clock: Clock,
    private readonly workOrders: Pick<WorkOrdersService, 'findForUpdate' | 'getWorkOrder'>,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- depots
  async createDepot(input: DepotInput): Promise<DepotView> {
    if (await this.repo.findDepotByCode(this.repo.db, input.code)) throw refused('spares.code_taken', { what: 'depot', code: input.code }, { field: 'code', retryable: false });
    const now = this.now();
    const row = { id: randomUUID(), code: input.code, name: input.name, region: input.region ?? null, created_at: now, updated_at: now };
    await this.repo.insertDepot(this.repo.db, row);
    return { id: row.id, code: row.code, name: row.name, region: row.region, parts: 0, lowParts: 0, createdAt: now };
  }

  async listDepots(): Promise<{ items: DepotView[] }> {
    return {
      items: (await this.repo.listDepots()).map((d) => ({
        id: d.id, code: d.code, name: d.name, region: d.region, parts: Number(d.parts), lowParts: Number(d.low_parts), createdAt: d.created_at,
      })),
    };
  }

  // ---- stock
  /** A part's stock row at a depot, with its opening stock as the ledger's first receipt. */
  async createPart(input: SparePartInput, actor: Actor): Promise<SparePartView> {
    const id = randomUUID();
    await this.stock.transaction(this.now(), async ({ trx, at, move }) => {
      await this.ensureDepot(trx, input.depot, at);
      const row: PartRow = { id, depot: input.depot, sku: input.sku, name: input.name, quantity: 0, minimum: input.minimum ?? 0, created_at: at, updated_at: at, low_since: null };
      if (!(await this.repo.insertPart(trx, row, true))) throw refused('spares.part_exists', { sku: input.sku, depot: input.depot }, { field: 'sku', retryable: false });
      await move({ partId: id, kind: 'receipt', change: { put: input.quantity }, actor, reason: 'opening stock' });
    });
    return this.part(id);
  }

  async listParts(query: { depot?: string | undefined; belowMinimum?: boolean | undefined } = {}): Promise<{ items: SparePartView[] }> {
    return { items: (await this.repo.listParts(query)).map(toPart) };
  }

  async updatePart(id: string, patch: SparePartPatch): Promise<SparePartView> {
    await this.stock.transaction(this.now(), async ({ trx, at, recheck }) => {
      const part = (await this.repo.findPart(trx, id)) ?? orNotFound('spare part', id);
      await this.repo.updatePart(trx, id, { ...(patch.name !== undefined && { name: patch.name }), ...(patch.minimum !== undefined && { minimum: patch.minimum }), updated_at: at });
      await recheck({ ...part, minimum: patch.minimum ?? part.minimum });
    });
    return this.part(id);
  }

  async restock(id: string, input: RestockInput, actor: Actor): Promise<SparePartView> {
    await this.stock.transaction(this.now(), ({ move }) => move({ partId: id, kind: 'receipt', change: { put: input.quantity }, actor, reason: input.reason ?? null }));
    return this.part(id);
  }

  /** A count: the level becomes what was found, and the difference is booked as an adjustment with its reason. */
  async count(id: string, input: CountInput, actor: Actor): Promise<SparePartView> {
    await this.stock.transaction(this.now(), ({ move }) => move({ partId: id, kind: 'adjustment', change: { count: input.counted }, actor, reason: input.reason }));
    return this.part(id);
  }

  async transfer(input: TransferInput, actor: Actor) {
    const transferId = randomUUID();
    const toId = await this.stock.transaction(this.now(), async ({ trx, at, move }) => {
      const from = await this.repo.findPart(trx, input.partId);
      if (!from) throw invalidField('partId', 'spares.no_such', { what: 'part' });
      if (!(await this.repo.findDepotByCode(trx, input.toDepot))) throw invalidField('toDepot', 'spares.no_such', { what: 'depot' });
      if (input.toDepot === from.depot) throw invalidField('toDepot', 'spares.same_depot', { depot: from.depot });
      const reason = input.reason ?? null;
      await move({ partId: from.id, kind: 'transfer_out', change: { take: input.quantity }, actor, reason, transferId });
      await this.repo.insertPart(trx, {
        id: randomUUID(), depot: input.toDepot, sku: from.sku, name: from.name, quantity: 0, minimum: 0, created_at: at, updated_at: at, low_since: null,
      }, true);
      const to = (await this.repo.findPartByKey(trx, input.toDepot, from.sku))!;
      await move({ partId: to.id, kind: 'transfer_in', change: { put: input.quantity }, actor, reason, transferId });
      return to.id;
    });
    return { transferId, from: await this.part(input.partId), to: await this.part(toId) };
  }

  /** Parts used on a work order (a technician: their own), taken out of stock; never below zero. */
  async useParts(workOrderId: string, input: { partId: string; quantity: number }, actor: Actor): Promise<WorkOrderView> {
    await this.stock.transaction(this.now(), async ({ trx, at, move }) => {
      const order = await this.workOrders.findForUpdate(trx, workOrderId, actor.scope);
      if (isClosed(order.status)) throw refused('spares.work_order_closed', { status: order.status, action: 'parts' }, { retryable: false });
      if (!(await this.repo.findPart(trx, input.partId))) throw invalidField('partId', 'spares.no_such', { what: 'part' });
      await move({ partId: input.partId, kind: 'consumption', change: { take: input.quantity }, actor, workOrderId });
      await this.repo.touchWorkOrder(trx, workOrderId, at);
    });
    return this.workOrders.getWorkOrder(workOrderId, actor.scope);
  }

  async ledger(query: LedgerQuery): Promise<{ items: LedgerEntry[]; nextCursor: string | null }> {
    const limit = query.limit ?? 100;
    const key = decodeCursor(query.cursor);
    let after: { at: string; seq: number; id: string } | undefined;
    if (key !== undefined) {
      const [at, seq, id, extra] = key.split('|');
      if (!at || !id || extra !== undefined || !/^[0-9]{1,15}$/.test(seq ?? '')) throw invalidField('cursor', 'common.invalid_cursor');
      after = { at, seq: Number(seq), id };
    }
    const rows = await this.repo.ledger({ partId: query.partId, depot: query.depot, limit, after });
    const page = rows.slice(0, limit);
    const items = page.map((m) => ({
      id: m.id, partId: m.part_id, sku: m.sku, depot: m.depot, kind: m.kind, quantity: Number(m.delta),
      balance: m.balance === null ? null : Number(m.balance), reason: m.reason, by: m.by_name, at: m.at, workOrderId: m.work_order_id, transferId: m.transfer_id,
    }));
    const last = page.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(`${last.at}|${Number(last.seq ?? 0)}|${last.id}`) : null };
  }

  private async part(id: string): Promise<SparePartView> {
    return toPart((await this.repo.findPart(this.repo.db, id)) ?? orNotFound('spare part', id));
  }

  private async ensureDepot(trx: Executor, code: string, now: string): Promise<void> {
    await this.repo.insertDepot(trx, { id: randomUUID(), code, name: code, region: null, created_at: now, updated_at: now }, true);
  }
}

function toPart(row: PartRow): SparePartView {
  const quantity = Number(row.quantity);
  const minimum = Number(row.minimum);
  return { id: row.id, depot: row.depot, sku: row.sku, name: row.name, quantity, minimum, belowMinimum: isLow(quantity, minimum), lowSince: row.low_since };
}
