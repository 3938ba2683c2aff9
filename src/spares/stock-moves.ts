// Every stock move, written once: the level changes (never below zero), the ledger books the move with
// the level it left, the shortage flag is raised or cleared, and after commit operators are told once
// per shortage. Restock, counts, transfers, parts used on a work order and opening stock all come here.
import { randomUUID } from 'node:crypto';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { orNotFound, refused } from '../shared/errors.ts';
import type { Actor } from '../work-orders/work-orders.service.ts';
import type { Executor, MoveRow, PartRow, SparesRepository } from './spares.repository.ts';
import { lowStockChange, stockMove, type MoveKind, type StockChange } from './stock.ts';

/** One move as its caller describes it; the quantity and balance the ledger shows are worked out here. */
export interface MoveInput {
  partId: string;
  kind: MoveKind;
  change: StockChange;
  actor: Actor;
  reason?: string | null;
  workOrderId?: string;
  transferId?: string;
}

/** What a caller does inside a stock transaction. */
export interface StockTransaction {
  readonly trx: Executor;
  readonly at: string;
  /** Makes one move; refuses (and so rolls the transaction back) when there is not that much in stock. */
  move(input: MoveInput): Promise<PartRow>;
  /** A part's minimum changed without a move: the shortage flag follows its level. */
  recheck(part: PartRow): Promise<void>;
}

// A move is worked out on the level it read and written only if the level is still that one; a move
// that lost the race to another reads again (each retry means another move went through).
const MAX_TRIES = 20;

export class StockMoves {
  constructor(
    private readonly repo: SparesRepository,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  /** Runs `work` in one transaction at `at`; the shortages its moves started are told after commit. */
  async transaction<T>(at: string, work: (stock: StockTransaction) => Promise<T>): Promise<T> {
    const shortages: string[] = [];
    const result = await this.repo.transaction((trx) => work({
      trx, at,
      move: (input) => this.move(trx, input, at, shortages),
      recheck: async (part) => {
        const change = lowStockChange(Number(part.quantity), Number(part.minimum), part.low_since !== null);
        if (await this.settleFlag(trx, part.id, change, at)) shortages.push(part.id);
      },
    }));
    for (const partId of shortages) await this.tellIfLow(partId);
    return result;
  }

  private async move(trx: Executor, input: MoveInput, at: string, shortages: string[]): Promise<PartRow> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const part = (await this.repo.findPart(trx, input.partId)) ?? orNotFound('spare part', input.partId);
      const level = Number(part.quantity);
      const outcome = stockMove({ quantity: level, minimum: Number(part.minimum), flagged: part.low_since !== null }, input.change);
      if (!outcome) throw refused('spares.not_enough_stock', { level, sku: part.sku, depot: part.depot }, { field: 'quantity', details: { inStock: level } });
      if (!(await this.repo.setLevel(trx, part.id, level, outcome.balance, at))) {
        // A count is of the level the counter saw: if stock moved meanwhile, the count is stale.
        if ('count' in input.change) throw refused('spares.count_stale', { sku: part.sku, depot: part.depot }, { field: 'counted', retryable: false });
        continue;
      }
      await this.repo.insertMove(trx, ledgerRow(input, outcome.delta, outcome.balance, at));
      if (await this.settleFlag(trx, part.id, outcome.lowStock, at)) shortages.push(part.id);
      return { ...part, quantity: outcome.balance, updated_at: at };
    }
    throw refused('spares.stock_busy', {}, { field: 'partId', retryable: true });
  }

  /**
   * Raises the shortage flag when the level fell below its minimum (one conditional statement, so of two
   * racing moves only one raises it: true for that one), clears it once the level is back at its
   * minimum, so the next shortage is told again.
   */
  private async settleFlag(trx: Executor, partId: string, change: 'raise' | 'clear' | 'keep', at: string): Promise<boolean> {
    if (change === 'raise') return this.repo.raiseLow(trx, partId, at);
    if (change === 'clear') await this.repo.clearLow(trx, partId);
    return false;
  }

  /** Tells fleet-wide channels (operators) about a shortage; after commit, so a refused move tells nobody. */
  private async tellIfLow(partId: string): Promise<void> {
    const part = await this.repo.findPart(this.repo.db, partId);
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
}

function ledgerRow(input: MoveInput, delta: number, balance: number, at: string): Omit<MoveRow, 'seq'> {
  return {
    id: randomUUID(), part_id: input.partId, work_order_id: input.workOrderId ?? null, delta, by_name: input.actor.name, at, kind: input.kind,
    reason: input.reason ?? null, by_id: input.actor.id, balance, transfer_id: input.transferId ?? null,
  };
}
