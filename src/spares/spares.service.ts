// Use cases of spares and backup terminals: depots and the stock kept there (restock, consumption by
// work orders, transfers, counts), every move in a ledger with who, when, why and the level it left;
// operators told once when a level falls below its minimum; pools of backup terminals; swaps that put a
// spare in a faulty terminal's place; and the faulty terminal's chain of custody until it is back in a
// pool or scrapped.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { Database } from '../db/schema.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import type { Actor, WorkOrdersService } from '../work-orders/work-orders.service.ts';
import type { WorkOrderView } from '../work-orders/work-orders.schemas.ts';
import { isClosed, type WorkOrderStatus } from '../work-orders/work-order-states.ts';
import { AppError, conflict, invalid, orNotFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, encodeCursor } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { SwapFacts } from '../terminal-data/restores.service.ts';
import { canStep, isClosedCustody, nextSteps, type CustodyState } from './custody-states.ts';
import { SparesRepository, type CustodyRow, type Executor, type Level, type MoveRow, type PartRow, type PoolRow } from './spares.repository.ts';
import type {
  CountInput, CustodyQuery, CustodyStepInput, CustodyView, DepotInput, DepotView, LedgerEntry, LedgerQuery, PoolInput, PoolView, RestockInput, SparePartInput, SparePartPatch,
  SparePartView, SwapInput, SwapView, TransferInput,
} from './spares.schemas.ts';
import { countDelta, isLow, lowStockChange, type MoveKind } from './stock.ts';

export class SparesService {
  readonly repo: SparesRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly workOrders: Pick<WorkOrdersService, 'findForUpdate' | 'getWorkOrder'>,
    private readonly notifications: NotificationService,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void,
    /** Queues the faulty terminal's newest backup for the spare; true when one was queued. */
    private readonly restores?: { onSwap(trx: Executor, swap: SwapFacts): Promise<boolean> },
  ) {
    this.repo = new SparesRepository(db);
  }

  private now = () => this.clock().toISOString();

  // ---- depots
  async createDepot(input: DepotInput): Promise<DepotView> {
    if (await this.repo.findDepotByCode(this.db, input.code)) throw conflict(`a depot with code ${input.code} exists`, 'code');
    const now = this.now();
    const row = { id: randomUUID(), code: input.code, name: input.name, region: input.region ?? null, created_at: now, updated_at: now };
    await this.repo.insertDepot(this.db, row);
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
    const now = this.now();
    const row: PartRow = {
      id: randomUUID(), depot: input.depot, sku: input.sku, name: input.name, quantity: input.quantity, minimum: input.minimum ?? 0, created_at: now, updated_at: now, low_since: null,
    };
    const low = await this.db.transaction().execute(async (trx) => {
      await this.ensureDepot(trx, input.depot, now);
      if (!(await this.repo.insertPart(trx, row, true))) throw conflict(`part ${input.sku} already exists at depot ${input.depot}`, 'sku');
      await this.repo.insertMove(trx, move(row.id, 'receipt', row.quantity, row.quantity, actor, now, { reason: 'opening stock' }));
      return this.afterMove(trx, row.id, { ...row }, now);
    });
    await this.tellIfLow(low);
    return this.part(row.id);
  }

  async listParts(query: { depot?: string | undefined; belowMinimum?: boolean | undefined } = {}): Promise<{ items: SparePartView[] }> {
    return { items: (await this.repo.listParts(query)).map(toPart) };
  }

  async updatePart(id: string, patch: SparePartPatch): Promise<SparePartView> {
    const now = this.now();
    const low = await this.db.transaction().execute(async (trx) => {
      const part = (await this.repo.findPart(trx, id)) ?? orNotFound('spare part', id);
      await this.repo.updatePart(trx, id, { ...(patch.name !== undefined && { name: patch.name }), ...(patch.minimum !== undefined && { minimum: patch.minimum }), updated_at: now });
      return this.afterMove(trx, id, { ...part, minimum: patch.minimum ?? part.minimum }, now);
    });
    await this.tellIfLow(low);
    return this.part(id);
  }

  async restock(id: string, input: RestockInput, actor: Actor): Promise<SparePartView> {
    const now = this.now();
    const low = await this.db.transaction().execute(async (trx) => {
      const level = (await this.repo.put(trx, id, input.quantity, now)) ?? orNotFound('spare part', id);
      await this.repo.insertMove(trx, move(id, 'receipt', input.quantity, level.quantity, actor, now, { reason: input.reason ?? null }));
      return this.afterMove(trx, id, level, now);
    });
    await this.tellIfLow(low);
    return this.part(id);
  }

  /** A count: the level becomes what was found, and the difference is booked as an adjustment with its reason. */
  async count(id: string, input: CountInput, actor: Actor): Promise<SparePartView> {
    const now = this.now();
    const low = await this.db.transaction().execute(async (trx) => {
      const part = (await this.repo.findPart(trx, id)) ?? orNotFound('spare part', id);
      const delta = countDelta(Number(part.quantity), input.counted);
      const level = await this.repo.setCounted(trx, id, Number(part.quantity), input.counted, now);
      if (!level) throw conflict(`stock of ${part.sku} at ${part.depot} changed meanwhile: count again`, 'counted');
      await this.repo.insertMove(trx, move(id, 'adjustment', delta, level.quantity, actor, now, { reason: input.reason }));
      return this.afterMove(trx, id, level, now);
    });
    await this.tellIfLow(low);
    return this.part(id);
  }

  async transfer(input: TransferInput, actor: Actor) {
    const now = this.now();
    const transferId = randomUUID();
    const { toId, lows } = await this.db.transaction().execute(async (trx) => {
      const from = await this.repo.findPart(trx, input.partId);
      if (!from) throw invalid('partId', `spare part ${input.partId} does not exist`);
      if (!(await this.repo.findDepotByCode(trx, input.toDepot))) throw invalid('toDepot', `depot ${input.toDepot} does not exist`);
      if (input.toDepot === from.depot) throw invalid('toDepot', `is the depot the stock is at (${from.depot})`);
      const left = await this.repo.take(trx, from.id, input.quantity, now);
      if (!left) throw await this.notEnough(trx, from);
      await this.repo.insertPart(trx, {
        id: randomUUID(), depot: input.toDepot, sku: from.sku, name: from.name, quantity: 0, minimum: 0, created_at: now, updated_at: now, low_since: null,
      }, true);
      const to = (await this.repo.findPartByKey(trx, input.toDepot, from.sku))!;
      const arrived = (await this.repo.put(trx, to.id, input.quantity, now))!;
      const reason = input.reason ?? null;
      await this.repo.insertMove(trx, move(from.id, 'transfer_out', -input.quantity, left.quantity, actor, now, { reason, transferId }));
      await this.repo.insertMove(trx, move(to.id, 'transfer_in', input.quantity, arrived.quantity, actor, now, { reason, transferId }));
      return { toId: to.id, lows: [await this.afterMove(trx, from.id, left, now), await this.afterMove(trx, to.id, arrived, now)] };
    });
    for (const low of lows) await this.tellIfLow(low);
    return { transferId, from: await this.part(input.partId), to: await this.part(toId) };
  }

  /** Parts used on a work order (a technician: their own), taken out of stock; never below zero. */
  async useParts(workOrderId: string, input: { partId: string; quantity: number }, actor: Actor): Promise<WorkOrderView> {
    const now = this.now();
    const low = await this.db.transaction().execute(async (trx) => {
      const order = await this.workOrders.findForUpdate(trx, workOrderId, actor.scope);
      if (isClosed(order.status as WorkOrderStatus)) throw conflict(`work order ${workOrderId} is ${order.status}: no more parts can be booked on it`);
      const part = await this.repo.findPart(trx, input.partId);
      if (!part) throw invalid('partId', `spare part ${input.partId} does not exist`);
      const left = await this.repo.take(trx, part.id, input.quantity, now);
      if (!left) throw await this.notEnough(trx, part);
      await this.repo.insertMove(trx, move(part.id, 'consumption', -input.quantity, left.quantity, actor, now, { workOrderId }));
      await this.repo.touchWorkOrder(trx, workOrderId, now);
      return this.afterMove(trx, part.id, left, now);
    });
    await this.tellIfLow(low);
    return this.workOrders.getWorkOrder(workOrderId, actor.scope);
  }

  async ledger(query: LedgerQuery): Promise<{ items: LedgerEntry[]; nextCursor: string | null }> {
    const limit = query.limit ?? 100;
    const key = decodeCursor(query.cursor);
    let after: { at: string; seq: number; id: string } | undefined;
    if (key !== undefined) {
      const [at, seq, id, extra] = key.split('|');
      if (!at || !id || extra !== undefined || !/^[0-9]{1,15}$/.test(seq ?? '')) throw invalid('cursor', 'is not a cursor returned by this endpoint');
      after = { at, seq: Number(seq), id };
    }
    const rows = await this.repo.ledger({ partId: query.partId, depot: query.depot, limit, after });
    const page = rows.slice(0, limit);
    const items = page.map((m) => ({
      id: m.id, partId: m.part_id, sku: m.sku, depot: m.depot, kind: (m.kind as MoveKind | null), quantity: Number(m.delta),
      balance: m.balance === null ? null : Number(m.balance), reason: m.reason, by: m.by_name, at: m.at, workOrderId: m.work_order_id, transferId: m.transfer_id,
    }));
    const last = page.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(`${last.at}|${Number(last.seq ?? 0)}|${last.id}`) : null };
  }

  private async part(id: string): Promise<SparePartView> {
    return toPart((await this.repo.findPart(this.db, id)) ?? orNotFound('spare part', id));
  }

  private async ensureDepot(trx: Executor, code: string, now: string): Promise<void> {
    await this.repo.insertDepot(trx, { id: randomUUID(), code, name: code, region: null, created_at: now, updated_at: now }, true);
  }

  private async notEnough(trx: Executor, part: PartRow): Promise<AppError> {
    const inStock = Number((await this.repo.findPart(trx, part.id))?.quantity ?? 0);
    return new AppError('conflict', `only ${inStock} of ${part.sku} in stock at ${part.depot}`, 'quantity', { inStock });
  }

  /**
   * After every move: a level that fell below its minimum raises the shortage flag (one statement, so of
   * two racing moves only one raises it) and the caller tells operators after commit; a level back at
   * its minimum clears it, so the next shortage is told again. Returns the part id to tell about, if any.
   */
  private async afterMove(trx: Executor, partId: string, level: Level, now: string): Promise<string | null> {
    const change = lowStockChange(Number(level.quantity), Number(level.minimum), level.low_since !== null);
    if (change === 'raise') return (await this.repo.raiseLow(trx, partId, now)) ? partId : null;
    if (change === 'clear') await this.repo.clearLow(trx, partId);
    return null;
  }

  /** Tells fleet-wide channels (operators) about a shortage; after commit, so a refused move tells nobody. */
  private async tellIfLow(partId: string | null): Promise<void> {
    if (!partId) return;
    const part = await this.repo.findPart(this.db, partId);
    if (!part?.low_since) return;
    try {
      await this.notifications.notify({
        event: 'sparepart.low_stock', merchantId: null, key: `sparepart.low_stock:${part.id}:${part.low_since}`,
        data: { partId: part.id, sku: part.sku, name: part.name, depot: part.depot, quantity: Number(part.quantity), minimum: Number(part.minimum), since: part.low_since },
      });
    } catch (error) {
      // The stock move is committed: a notice that could not be queued is logged, not turned into a failed move.
      this.log?.('low-stock notice failed', { partId, error: String(error) });
    }
  }

  // ---- backup pools
  async createPool(input: PoolInput): Promise<PoolView> {
    if ((input.depotId === undefined) === (input.siteId === undefined)) throw invalid(input.depotId ? 'siteId' : 'depotId', 'give exactly one of depotId and siteId');
    if (input.depotId && !(await this.repo.findDepot(input.depotId))) throw invalid('depotId', `depot ${input.depotId} does not exist`);
    if (input.siteId && !(await this.repo.siteExists(input.siteId))) throw invalid('siteId', `site ${input.siteId} does not exist`);
    if (await this.repo.findPoolByCode(input.code)) throw conflict(`a backup pool with code ${input.code} exists`, 'code');
    const row: PoolRow = { id: randomUUID(), code: input.code, name: input.name, depot_id: input.depotId ?? null, site_id: input.siteId ?? null, created_at: this.now() };
    await this.repo.insertPool(row);
    return this.getPool(row.id);
  }

  async listPools(): Promise<{ items: PoolView[] }> {
    const pools = await this.repo.listPools();
    const terminals = await this.repo.poolTerminals(pools.map((p) => p.id));
    return { items: pools.map((p) => toPool(p, terminals.filter((t) => t.pool_id === p.id))) };
  }

  async getPool(id: string): Promise<PoolView> {
    const pool = (await this.repo.findPool(this.db, id)) ?? orNotFound('backup pool', id);
    return toPool(pool, await this.repo.poolTerminals([id]));
  }

  /** Marks a terminal out of service (no site, in stock) as a spare of this pool. */
  async addToPool(poolId: string, terminalId: string, actor: Actor): Promise<PoolView> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.repo.findPool(trx, poolId))) orNotFound('backup pool', poolId);
      const terminal = await this.repo.findTerminal(trx, terminalId);
      if (!terminal || terminal.deleted_at) throw invalid('terminalId', `terminal ${terminalId} does not exist`);
      if (terminal.site_id) throw conflict(`terminal ${terminal.serial_number} is in service at a site: a spare is at none`, 'terminalId');
      if (terminal.status !== 'in_stock') throw conflict(`terminal ${terminal.serial_number} is ${terminal.status}: only a terminal in stock can be a spare`, 'terminalId');
      if (await this.repo.openCustodyOf(trx, terminalId)) throw conflict(`terminal ${terminal.serial_number} is on its way to or in repair`, 'terminalId');
      if (!(await this.repo.addToPool(trx, { terminal_id: terminalId, pool_id: poolId, added_by: actor.name, added_at: this.now() }))) {
        throw conflict(`terminal ${terminal.serial_number} is already a spare in a pool`, 'terminalId');
      }
    });
    return this.getPool(poolId);
  }

  // ---- swaps
  /**
   * On a work order (a technician: their own), a spare from a pool takes a faulty terminal's place at the
   * work order's site: its site, tags, network type, terminal maintenance windows and preventive tasks.
   * The faulty terminal leaves the site for repair with a chain of custody starting at_site, and the work
   * order's merchant-restored time is now.
   */
  async swap(workOrderId: string, input: SwapInput, actor: Actor): Promise<SwapView> {
    const now = this.now();
    const custodyId = await this.db.transaction().execute(async (trx) => {
      const order = await this.workOrders.findForUpdate(trx, workOrderId, actor.scope);
      if (isClosed(order.status as WorkOrderStatus)) throw conflict(`work order ${workOrderId} is ${order.status}: no swap can be made on it`);
      const faulty = await this.repo.findTerminal(trx, input.faultyTerminalId);
      if (!faulty || faulty.deleted_at) throw invalid('faultyTerminalId', `terminal ${input.faultyTerminalId} does not exist`);
      if (faulty.site_id !== order.site_id) throw invalid('faultyTerminalId', `terminal ${faulty.serial_number} is not at the work order's site`);
      if (input.spareTerminalId === faulty.id) throw invalid('spareTerminalId', 'is the faulty terminal');
      const spare = await this.repo.findTerminal(trx, input.spareTerminalId);
      if (!spare || spare.deleted_at) throw invalid('spareTerminalId', `terminal ${input.spareTerminalId} does not exist`);
      const backup = await this.repo.findBackup(trx, spare.id);
      if (!backup) throw invalid('spareTerminalId', `terminal ${spare.serial_number} is not a backup terminal in any pool`);
      if (await this.repo.openCustodyOf(trx, faulty.id)) throw conflict(`terminal ${faulty.serial_number} already has an open chain of custody`, 'faultyTerminalId');
      if (!(await this.repo.takeFromPool(trx, spare.id, backup.pool_id))) throw conflict(`spare ${spare.serial_number} was taken meanwhile`, 'spareTerminalId');

      const tags = await this.repo.tagsOf(trx, faulty.id);
      await this.repo.replaceTags(trx, spare.id, tags);
      await this.repo.replaceTags(trx, faulty.id, []);
      const networkType = faulty.network_type ?? spare.network_type;
      await this.repo.updateTerminal(trx, spare.id, { site_id: faulty.site_id, status: 'active', network_type: networkType, updated_at: now });
      await this.repo.updateTerminal(trx, faulty.id, { site_id: null, status: 'in_repair', updated_at: now });
      const windowIds = await this.repo.retargetWindows(trx, faulty.id, spare.id, now);
      const planTaskIds = await this.repo.movePlanTasks(trx, faulty.id, spare.id);
      await this.repo.addWorkOrderTerminal(trx, workOrderId, faulty.id);
      await this.repo.addWorkOrderTerminal(trx, workOrderId, spare.id);

      const swapId = randomUUID();
      await this.repo.insertSwap(trx, {
        id: swapId, work_order_id: workOrderId, site_id: order.site_id, faulty_terminal_id: faulty.id, spare_terminal_id: spare.id, pool_id: backup.pool_id,
        moved: JSON.stringify({ tags, networkType, windowIds, planTaskIds }), by_id: actor.id, by_name: actor.name, at: now, note: input.note ?? null,
      });
      const id = randomUUID();
      await this.repo.insertCustody(trx, {
        id, terminal_id: faulty.id, open_terminal_id: faulty.id, swap_id: swapId, work_order_id: workOrderId, state: 'at_site', pool_id: null, opened_at: now, closed_at: null,
      });
      await this.repo.addCustodyStep(trx, { id: randomUUID(), custody_id: id, from_state: null, to_state: 'at_site', by_id: actor.id, by_name: actor.name, at: now, note: input.note ?? `swapped for ${spare.serial_number}` });
      // With a backup to restore, the spare is in service (the merchant restored) once it confirms the restore.
      const restoring = await this.restores?.onSwap(trx, { swapId, workOrderId, faultyTerminalId: faulty.id, spareTerminalId: spare.id, by: actor.name, at: now });
      if (!restoring) await this.repo.markRestored(trx, workOrderId, now);
      return id;
    });
    return (await this.getCustody(custodyId, actor.scope)).swap!;
  }

  // ---- custody
  async step(id: string, input: CustodyStepInput, actor: Actor): Promise<CustodyView> {
    await this.db.transaction().execute(async (trx) => {
      const custody = (await this.repo.findCustody(trx, id, actor.scope)) ?? orNotFound('custody', id);
      const from = custody.state as CustodyState;
      if (!canStep(from, input.to)) throw conflict(`terminal ${custody.serial_number} cannot go from ${from} to ${input.to}`, 'to');
      if (input.to === 'back_in_pool' && !input.poolId) throw invalid('poolId', 'is required to go back_in_pool: the pool the terminal joins');
      if (input.to !== 'back_in_pool' && input.poolId) throw invalid('poolId', `is only for back_in_pool, not ${input.to}`);
      if (input.poolId && !(await this.repo.findPool(trx, input.poolId))) throw invalid('poolId', `backup pool ${input.poolId} does not exist`);
      const now = this.now();
      const closes = isClosedCustody(input.to);
      const moved = await this.repo.stepCustody(trx, id, from, {
        state: input.to, ...(closes && { closed_at: now, open_terminal_id: null }), ...(input.poolId && { pool_id: input.poolId }),
      });
      if (!moved) throw conflict(`custody ${id} changed meanwhile: try again`, 'to');
      if (input.to === 'back_in_pool') {
        await this.repo.updateTerminal(trx, custody.terminal_id, { status: 'in_stock', updated_at: now });
        if (!(await this.repo.addToPool(trx, { terminal_id: custody.terminal_id, pool_id: input.poolId!, added_by: actor.name, added_at: now }))) {
          throw conflict(`terminal ${custody.serial_number} is already a spare in a pool`, 'poolId');
        }
      }
      if (input.to === 'scrapped') await this.repo.updateTerminal(trx, custody.terminal_id, { status: 'retired', updated_at: now });
      await this.repo.addCustodyStep(trx, { id: randomUUID(), custody_id: id, from_state: from, to_state: input.to, by_id: actor.id, by_name: actor.name, at: now, note: input.note ?? null });
    });
    return this.getCustody(id, actor.scope);
  }

  async getCustody(id: string, scope: Scope): Promise<CustodyView> {
    const row = (await this.repo.findCustody(this.db, id, scope)) ?? orNotFound('custody', id);
    return (await this.custodyViews([row]))[0]!;
  }

  async listCustody(query: CustodyQuery, scope: Scope): Promise<{ items: CustodyView[] }> {
    return { items: await this.custodyViews(await this.repo.listCustody({ ...query, limit: query.limit ?? 100 }, scope)) };
  }

  private async custodyViews(rows: (CustodyRow & { serial_number: string })[]): Promise<CustodyView[]> {
    const steps = await this.repo.custodySteps(this.db, rows.map((r) => r.id));
    const swaps = new Map((await this.repo.swaps(this.db, rows.map((r) => r.swap_id).filter((x): x is string => x !== null))).map((s) => [s.id, s]));
    return rows.map((r) => {
      const s = r.swap_id ? swaps.get(r.swap_id) : undefined;
      return {
        id: r.id, terminalId: r.terminal_id, serialNumber: r.serial_number, workOrderId: r.work_order_id, swapId: r.swap_id,
        state: r.state as CustodyState, next: [...nextSteps(r.state as CustodyState)], poolId: r.pool_id, openedAt: r.opened_at, closedAt: r.closed_at,
        steps: steps.filter((x) => x.custody_id === r.id).map((x) => ({ from: x.from_state, to: x.to_state, by: x.by_name, at: x.at, note: x.note })),
        swap: s ? {
          id: s.id, workOrderId: s.work_order_id, siteId: s.site_id, faultyTerminalId: s.faulty_terminal_id, spareTerminalId: s.spare_terminal_id, poolId: s.pool_id,
          moved: { tags: [], networkType: null, windowIds: [], planTaskIds: [], ...parseJson<Partial<SwapView['moved']>>(s.moved, {}) },
          by: s.by_name, at: s.at, note: s.note, restoredAt: s.restored_at, custodyId: r.id,
        } : null,
      };
    });
  }
}

function move(partId: string, kind: MoveKind, delta: number, balance: number, actor: Actor, at: string, o: { reason?: string | null; workOrderId?: string; transferId?: string }): Omit<MoveRow, 'seq'> {
  return {
    id: randomUUID(), part_id: partId, work_order_id: o.workOrderId ?? null, delta, by_name: actor.name, at, kind, reason: o.reason ?? null, by_id: actor.id,
    balance: Number(balance), transfer_id: o.transferId ?? null,
  };
}

function toPart(row: PartRow): SparePartView {
  const quantity = Number(row.quantity);
  const minimum = Number(row.minimum);
  return { id: row.id, depot: row.depot, sku: row.sku, name: row.name, quantity, minimum, belowMinimum: isLow(quantity, minimum), lowSince: row.low_since };
}

function toPool(row: PoolRow, terminals: { terminal_id: string; serial_number: string; model_id: string; added_by: string; added_at: string }[]): PoolView {
  return {
    id: row.id, code: row.code, name: row.name, depotId: row.depot_id, siteId: row.site_id, createdAt: row.created_at,
    terminals: terminals.map((t) => ({ terminalId: t.terminal_id, serialNumber: t.serial_number, modelId: t.model_id, addedBy: t.added_by, addedAt: t.added_at })),
  };
}
