// Use cases of backup terminals: pools of spares kept at a depot or a site, swaps that put a spare in a
// faulty terminal's place on a work order, and the faulty terminal's chain of custody until it is back
// in a pool or scrapped. Spare-part stock: ./spares.service.ts.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { Actor, WorkOrdersService } from '../work-orders/work-orders.service.ts';
import { isClosed } from '../work-orders/work-order-states.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { SwapFacts } from '../terminal-data/restores.service.ts';
import { canStep, isClosedCustody, nextSteps } from './custody-states.ts';
import type { CustodyRow, Executor, PoolRow, SparesRepository } from './spares.repository.ts';
import type { CustodyQuery, CustodyStepInput, CustodyView, PoolInput, PoolView, SwapInput, SwapView } from './spares.schemas.ts';

export class BackupTerminalsService {
  constructor(
    private readonly repo: SparesRepository,
    private readonly clock: Clock,
    private readonly workOrders: Pick<WorkOrdersService, 'findForUpdate'>,
    /** Queues the faulty terminal's newest backup for the spare; true when one was queued. */
    private readonly restores?: { onSwap(trx: Executor, swap: SwapFacts): Promise<boolean> },
    /** Tells the device protocol a terminal's credentials were revoked (its cache forgets them at once). */
    private readonly credentialsRevoked: (terminalId: string) => void = () => undefined,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- backup pools
  async createPool(input: PoolInput): Promise<PoolView> {
    if ((input.depotId === undefined) === (input.siteId === undefined)) throw invalidField(input.depotId ? 'siteId' : 'depotId', 'spares.pool_place');
    if (input.depotId && !(await this.repo.findDepot(input.depotId))) throw invalidField('depotId', 'spares.no_such', { what: 'depot' });
    if (input.siteId && !(await this.repo.siteExists(input.siteId))) throw invalidField('siteId', 'spares.no_such', { what: 'site' });
    if (await this.repo.findPoolByCode(input.code)) throw refused('spares.code_taken', { what: 'pool', code: input.code }, { field: 'code', retryable: false });
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
    const pool = (await this.repo.findPool(this.repo.db, id)) ?? orNotFound('backup pool', id);
    return toPool(pool, await this.repo.poolTerminals([id]));
  }

  /** Marks a terminal out of service (no site, in stock) as a spare of this pool. */
  async addToPool(poolId: string, terminalId: string, actor: Actor): Promise<PoolView> {
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.findPool(trx, poolId))) orNotFound('backup pool', poolId);
      const terminal = await this.repo.findTerminal(trx, terminalId);
      if (!terminal || terminal.deleted_at) throw invalidField('terminalId', 'spares.no_such', { what: 'terminal' });
      if (terminal.site_id) throw refused('spares.terminal_at_site', { serial: terminal.serial_number }, { field: 'terminalId' });
      if (terminal.status !== 'in_stock') throw refused('spares.terminal_not_in_stock', { serial: terminal.serial_number, status: terminal.status }, { field: 'terminalId' });
      if (await this.repo.openCustodyOf(trx, terminalId)) throw refused('spares.terminal_in_repair', { serial: terminal.serial_number }, { field: 'terminalId' });
      if (!(await this.repo.addToPool(trx, { terminal_id: terminalId, pool_id: poolId, added_by: actor.name, added_at: this.now() }))) {
        throw refused('spares.already_spare', { serial: terminal.serial_number }, { field: 'terminalId', retryable: false });
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
    const custodyId = await this.repo.transaction(async (trx) => {
      const order = await this.workOrders.findForUpdate(trx, workOrderId, actor.scope);
      if (isClosed(order.status)) throw refused('spares.work_order_closed', { status: order.status, action: 'swap' }, { retryable: false });
      const faulty = await this.repo.findTerminal(trx, input.faultyTerminalId);
      if (!faulty || faulty.deleted_at) throw invalidField('faultyTerminalId', 'spares.no_such', { what: 'terminal' });
      if (faulty.site_id !== order.site_id) throw invalidField('faultyTerminalId', 'spares.faulty_not_at_site', { serial: faulty.serial_number });
      if (input.spareTerminalId === faulty.id) throw invalidField('spareTerminalId', 'spares.spare_is_faulty');
      const spare = await this.repo.findTerminal(trx, input.spareTerminalId);
      if (!spare || spare.deleted_at) throw invalidField('spareTerminalId', 'spares.no_such', { what: 'terminal' });
      const backup = await this.repo.findBackup(trx, spare.id);
      if (!backup) throw invalidField('spareTerminalId', 'spares.not_a_spare', { serial: spare.serial_number });
      if (await this.repo.openCustodyOf(trx, faulty.id)) throw refused('spares.custody_open', { serial: faulty.serial_number }, { field: 'faultyTerminalId' });
      if (!(await this.repo.takeFromPool(trx, spare.id, backup.pool_id))) throw refused('spares.spare_taken', { serial: spare.serial_number }, { field: 'spareTerminalId', retryable: false });

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
    const terminalId = await this.repo.transaction(async (trx) => {
      const custody = (await this.repo.findCustody(trx, id, actor.scope)) ?? orNotFound('custody', id);
      const from = custody.state;
      if (!canStep(from, input.to)) throw refused('spares.custody_step', { serial: custody.serial_number, from, to: input.to }, { field: 'to', retryable: false });
      if (input.to === 'back_in_pool' && !input.poolId) throw invalidField('poolId', 'spares.pool_required');
      if (input.to !== 'back_in_pool' && input.poolId) throw invalidField('poolId', 'spares.pool_only_back', { to: input.to });
      if (input.poolId && !(await this.repo.findPool(trx, input.poolId))) throw invalidField('poolId', 'spares.no_such', { what: 'pool' });
      const now = this.now();
      const closes = isClosedCustody(input.to);
      const moved = await this.repo.stepCustody(trx, id, from, {
        state: input.to, ...(closes && { closed_at: now, open_terminal_id: null }), ...(input.poolId && { pool_id: input.poolId }),
      });
      if (!moved) throw refused('spares.custody_changed', {}, { field: 'to', retryable: true });
      if (input.to === 'back_in_pool') {
        await this.repo.updateTerminal(trx, custody.terminal_id, { status: 'in_stock', updated_at: now });
        if (!(await this.repo.addToPool(trx, { terminal_id: custody.terminal_id, pool_id: input.poolId!, added_by: actor.name, added_at: now }))) {
          throw refused('spares.already_spare', { serial: custody.serial_number }, { field: 'poolId', retryable: false });
        }
      }
      if (input.to === 'scrapped') {
        // Scrapped hardware is retired, and nothing may sign in as it again (it stays listed, retired, in the inventory).
        await this.repo.updateTerminal(trx, custody.terminal_id, { status: 'retired', updated_at: now });
        await this.repo.revokeCredentials(trx, custody.terminal_id, now);
      }
      await this.repo.addCustodyStep(trx, { id: randomUUID(), custody_id: id, from_state: from, to_state: input.to, by_id: actor.id, by_name: actor.name, at: now, note: input.note ?? null });
      return custody.terminal_id;
    });
    if (input.to === 'scrapped') this.credentialsRevoked(terminalId);
    return this.getCustody(id, actor.scope);
  }

  async getCustody(id: string, scope: Scope): Promise<CustodyView> {
    const row = (await this.repo.findCustody(this.repo.db, id, scope)) ?? orNotFound('custody', id);
    return (await this.custodyViews([row]))[0]!;
  }

  async listCustody(query: CustodyQuery, scope: Scope): Promise<{ items: CustodyView[] }> {
    return { items: await this.custodyViews(await this.repo.listCustody({ ...query, limit: query.limit ?? 100 }, scope)) };
  }

  private async custodyViews(rows: (CustodyRow & { serial_number: string })[]): Promise<CustodyView[]> {
    const steps = await this.repo.custodySteps(this.repo.db, rows.map((r) => r.id));
    const swaps = new Map((await this.repo.swaps(this.repo.db, rows.map((r) => r.swap_id).filter((x): x is string => x !== null))).map((s) => [s.id, s]));
    return rows.map((r) => {
      const s = r.swap_id ? swaps.get(r.swap_id) : undefined;
      return {
        id: r.id, terminalId: r.terminal_id, serialNumber: r.serial_number, workOrderId: r.work_order_id, swapId: r.swap_id,
        state: r.state, next: [...nextSteps(r.state)], poolId: r.pool_id, openedAt: r.opened_at, closedAt: r.closed_at,
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

function toPool(row: PoolRow, terminals: { terminal_id: string; serial_number: string; model_id: string; added_by: string; added_at: string }[]): PoolView {
  return {
    id: row.id, code: row.code, name: row.name, depotId: row.depot_id, siteId: row.site_id, createdAt: row.created_at,
    terminals: terminals.map((t) => ({ terminalId: t.terminal_id, serialNumber: t.serial_number, modelId: t.model_id, addedBy: t.added_by, addedAt: t.added_at })),
  };
}
