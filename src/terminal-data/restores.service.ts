// Restores: a backup put back onto a terminal. A swap queues the faulty terminal's newest good backup
// for the spare (the spare's work order counts it restored only once the spare confirms); a terminal
// whose SDK starts with no saved state (first start, factory reset) is offered its own newest backup;
// an operator may ask for one. The terminal asks for its offer with a one-time public key, receives
// the data key wrapped for it, downloads, decrypts, hands the data to the POS application, confirms.
import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/database.ts';
import type { Clock } from '../shared/time.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { rewrap } from './backup-envelope.ts';
import type { BackupsService } from './backups.service.ts';
import type { EscrowKey } from './escrow-key.ts';
import type { BackupRow, RestoreRow, TerminalDataRepository } from './terminal-data.repository.ts';
import type { RestoreInput, RestoreOffer, RestoreResultInput, RestoreView } from './terminal-data.schemas.ts';

export interface SwapFacts {
  swapId: string;
  workOrderId: string;
  faultyTerminalId: string;
  spareTerminalId: string;
  by: string;
  at: string;
}

export class RestoresService {
  constructor(
    private readonly repo: TerminalDataRepository,
    private readonly backups: BackupsService,
    private readonly escrow: () => Promise<EscrowKey>,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * In the swap's transaction: queues the faulty terminal's newest stored backup for the spare. True
   * when one was queued: the work order's restored time then waits for the spare's confirmation.
   */
  async onSwap(trx: Executor, swap: SwapFacts): Promise<boolean> {
    const newest = (await this.repo.storedBackups(swap.faultyTerminalId, trx))[0];
    if (!newest) return false;
    await this.repo.endPendingRestores(trx, swap.spareTerminalId, swap.at, 'replaced by the restore of a swap');
    await this.repo.insertRestore(trx, {
      id: randomUUID(), terminal_id: swap.spareTerminalId, backup_id: newest.id, source_terminal_id: swap.faultyTerminalId, reason: 'swap',
      swap_id: swap.swapId, work_order_id: swap.workOrderId, state: 'pending', requested_by: swap.by, requested_at: swap.at, ended_at: null, detail: null,
    });
    return true;
  }

  /** An operator asks for a restore onto a terminal (its own newest backup unless told otherwise). */
  async request(terminalId: string, input: RestoreInput, by: string): Promise<RestoreView> {
    const target = (await this.repo.terminal(terminalId)) ?? orNotFound('terminal', terminalId);
    let backup: BackupRow | undefined;
    if (input.backupId) {
      backup = await this.repo.findBackup(input.backupId);
      if (!backup) throw invalidField('backupId', 'terminal_data.no_such', { what: 'backup' });
      if (input.sourceTerminalId && backup.terminal_id !== input.sourceTerminalId) throw invalidField('backupId', 'terminal_data.backup_of_other_terminal');
      if (backup.state !== 'stored') throw refused('terminal_data.backup_not_stored', { state: backup.state, action: 'restore' }, { field: 'backupId', retryable: false });
    } else {
      const source = input.sourceTerminalId ?? terminalId;
      const sourceTerminal = await this.repo.terminal(source);
      if (!sourceTerminal) throw invalidField('sourceTerminalId', 'terminal_data.no_such', { what: 'terminal' });
      backup = (await this.repo.storedBackups(source))[0];
      if (!backup) throw refused('terminal_data.no_stored_backup', { serial: sourceTerminal.serial_number }, { field: input.sourceTerminalId ? 'sourceTerminalId' : 'backupId' });
    }
    const now = this.now();
    const row: RestoreRow = {
      id: randomUUID(), terminal_id: target.id, backup_id: backup.id, source_terminal_id: backup.terminal_id, reason: 'manual', swap_id: null, work_order_id: null,
      state: 'pending', requested_by: by, requested_at: now, ended_at: null, detail: null,
    };
    await this.repo.endPendingRestores(this.repo.executor, target.id, now, 'replaced by a newer restore request');
    await this.repo.insertRestore(this.repo.executor, row);
    return view(row);
  }

  async list(terminalId: string): Promise<{ items: RestoreView[] }> {
    return { items: (await this.repo.listRestores(terminalId, 50)).map(view) };
  }

  /**
   * What a terminal should restore now: its pending restore, or, when its SDK starts with no saved
   * state, its own newest backup (a factory reset). A backup that no longer verifies at rest is
   * skipped for the next newest of the same terminal.
   */
  async offer(terminalId: string, input: { publicKeySpki: string; fresh: boolean }): Promise<RestoreOffer> {
    let pending = await this.repo.pendingRestore(terminalId);
    if (!pending && input.fresh) {
      const own = (await this.repo.storedBackups(terminalId))[0];
      if (!own) return { restore: null };
      pending = {
        id: randomUUID(), terminal_id: terminalId, backup_id: own.id, source_terminal_id: terminalId, reason: 'factory_reset', swap_id: null, work_order_id: null,
        state: 'pending', requested_by: 'terminal', requested_at: this.now(), ended_at: null, detail: null,
      };
      await this.repo.insertRestore(this.repo.executor, pending);
    }
    if (!pending) return { restore: null };
    const backup = await this.goodBackup(pending);
    if (!backup) {
      await this.repo.endRestore(this.repo.executor, pending.id, 'failed', this.now(), 'no backup of the source terminal verifies');
      return { restore: null };
    }
    const source = await this.repo.terminal(backup.terminal_id);
    let wrappedKey: string;
    try {
      wrappedKey = await rewrap(backup.wrapped_key, (await this.escrow()).privateKey, input.publicKeySpki);
    } catch {
      throw invalidField('publicKeySpki', 'terminal_data.bad_public_key');
    }
    return {
      restore: {
        restoreId: pending.id, reason: pending.reason, backupId: backup.id, sourceSerialNumber: source?.serial_number ?? backup.terminal_id,
        sha256: backup.sha256, sizeBytes: Number(backup.size_bytes), iv: backup.iv, wrappedKey,
      },
    };
  }

  /** The encrypted bytes of the backup a terminal's pending restore names (only its own restore). */
  async data(terminalId: string, restoreId: string): Promise<Buffer> {
    const restore = await this.repo.findRestore(restoreId);
    if (!restore || restore.terminal_id !== terminalId) return orNotFound('restore', restoreId);
    if (restore.state !== 'pending') throw refused('terminal_data.restore_ended', { state: restore.state }, { retryable: false });
    return (await this.backups.download(restore.source_terminal_id, restore.backup_id)).bytes;
  }

  /** The terminal says how the restore went; a confirmed swap restore puts the spare in service. */
  async result(terminalId: string, restoreId: string, input: RestoreResultInput): Promise<RestoreView> {
    const restore = await this.repo.findRestore(restoreId);
    if (!restore || restore.terminal_id !== terminalId) return orNotFound('restore', restoreId);
    const state = input.status === 'restored' ? 'confirmed' : 'failed';
    if (restore.state !== 'pending') {
      if (restore.state === state) return view(restore); // a repeated report
      throw refused('terminal_data.restore_ended', { state: restore.state }, { field: 'status', retryable: false });
    }
    const now = this.now();
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.endRestore(trx, restoreId, state, now, input.detail ?? null))) throw refused('terminal_data.restore_changed', {}, { field: 'status', retryable: true });
      if (state === 'confirmed' && restore.work_order_id) await this.repo.markSwapRestored(trx, restore.work_order_id, now);
    });
    return view((await this.repo.findRestore(restoreId))!);
  }

  /** The newest backup of the restore's source that still verifies, the named one first. */
  private async goodBackup(restore: RestoreRow): Promise<BackupRow | undefined> {
    const named = await this.repo.findBackup(restore.backup_id);
    if (named?.state === 'stored' && (await this.backups.verifyAtRest(named))) return named;
    for (const candidate of await this.repo.storedBackups(restore.source_terminal_id)) {
      if (await this.backups.verifyAtRest(candidate)) {
        await this.repo.repointRestore(restore.id, candidate.id);
        return candidate;
      }
    }
    return undefined;
  }
}

function view(row: RestoreRow): RestoreView {
  return {
    id: row.id, terminalId: row.terminal_id, backupId: row.backup_id, sourceTerminalId: row.source_terminal_id, reason: row.reason, state: row.state,
    swapId: row.swap_id, workOrderId: row.work_order_id, requestedBy: row.requested_by, requestedAt: row.requested_at, endedAt: row.ended_at, detail: row.detail,
  };
}
