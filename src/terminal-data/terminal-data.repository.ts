// Queries of terminal data: backups, restores, baselines. Kysely only; the services decide.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { BackupState, BaselineTable, TerminalBackupTable, TerminalRestoreTable } from '../db/schema.ts';

export type BackupRow = Selectable<TerminalBackupTable>;
export type RestoreRow = Selectable<TerminalRestoreTable>;
export type BaselineRow = Selectable<BaselineTable>;

export interface TerminalFacts {
  id: string;
  serial_number: string;
  site_id: string | null;
  model_id: string;
  status: string;
  app_version: string | null;
  firmware_version: string | null;
  merchant_id: string | null;
}

export class TerminalDataRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** For writes outside a transaction. */
  get executor(): Executor {
    return this.db;
  }

  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- backups
  findUpload(terminalId: string, uploadId: string): Promise<BackupRow | undefined> {
    return this.db.selectFrom('terminal_backups').selectAll().where('terminal_id', '=', terminalId).where('upload_id', '=', uploadId).executeTakeFirst();
  }

  findBackup(id: string, executor: Executor = this.db): Promise<BackupRow | undefined> {
    return executor.selectFrom('terminal_backups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Inserts unless the terminal already started an upload with this id (then nothing changes). */
  async insertBackup(row: BackupRow): Promise<void> {
    await this.db.insertInto('terminal_backups').values(row).onConflict((oc) => oc.columns(['terminal_id', 'upload_id']).doNothing()).execute();
  }

  /** Moves a backup on only from the state it was read in; false when another request moved it first. */
  async setBackupState(id: string, from: BackupState, patch: Updateable<TerminalBackupTable>): Promise<boolean> {
    const result = await this.db.updateTable('terminal_backups').set(patch).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  listBackups(terminalId: string, state: BackupState | undefined, limit: number): Promise<BackupRow[]> {
    let query = this.db.selectFrom('terminal_backups').selectAll().where('terminal_id', '=', terminalId);
    if (state) query = query.where('state', '=', state);
    return query.orderBy('taken_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Stored backups of one terminal, newest first: candidates for a restore. */
  storedBackups(terminalId: string, executor: Executor = this.db): Promise<BackupRow[]> {
    return executor.selectFrom('terminal_backups').selectAll().where('terminal_id', '=', terminalId).where('state', '=', 'stored')
      .orderBy('stored_at', 'desc').orderBy('id', 'desc').execute();
  }

  allStored(): Promise<Pick<BackupRow, 'id' | 'terminal_id' | 'kind' | 'stored_at'>[]> {
    return this.db.selectFrom('terminal_backups').select(['id', 'terminal_id', 'kind', 'stored_at']).where('state', '=', 'stored').execute();
  }

  staleUploads(before: string): Promise<BackupRow[]> {
    return this.db.selectFrom('terminal_backups').selectAll().where('state', '=', 'uploading').where('created_at', '<', before).execute();
  }

  // ---- restores
  async insertRestore(executor: Executor, row: RestoreRow): Promise<void> {
    await executor.insertInto('terminal_restores').values(row).execute();
  }

  pendingRestore(terminalId: string, executor: Executor = this.db): Promise<RestoreRow | undefined> {
    return executor.selectFrom('terminal_restores').selectAll().where('terminal_id', '=', terminalId).where('state', '=', 'pending')
      .orderBy('requested_at', 'desc').executeTakeFirst();
  }

  findRestore(id: string): Promise<RestoreRow | undefined> {
    return this.db.selectFrom('terminal_restores').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async endPendingRestores(executor: Executor, terminalId: string, at: string, detail: string): Promise<void> {
    await executor.updateTable('terminal_restores').set({ state: 'cancelled', ended_at: at, detail }).where('terminal_id', '=', terminalId).where('state', '=', 'pending').execute();
  }

  async endRestore(executor: Executor, id: string, state: 'confirmed' | 'failed', at: string, detail: string | null): Promise<boolean> {
    const result = await executor.updateTable('terminal_restores').set({ state, ended_at: at, detail }).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async repointRestore(id: string, backupId: string): Promise<void> {
    await this.db.updateTable('terminal_restores').set({ backup_id: backupId }).where('id', '=', id).execute();
  }

  listRestores(terminalId: string, limit: number): Promise<RestoreRow[]> {
    return this.db.selectFrom('terminal_restores').selectAll().where('terminal_id', '=', terminalId).orderBy('requested_at', 'desc').limit(limit).execute();
  }

  // ---- terminals (what terminal data needs to know of them)
  terminal(id: string, executor: Executor = this.db): Promise<TerminalFacts | undefined> {
    return executor.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.site_id', 'terminals.model_id', 'terminals.status', 'terminals.app_version', 'terminals.firmware_version', 'sites.merchant_id'])
      .where('terminals.id', '=', id).where('terminals.deleted_at', 'is', null).executeTakeFirst();
  }

  async markSwapRestored(executor: Executor, workOrderId: string, at: string): Promise<void> {
    await executor.updateTable('work_orders').set({ restored_at: at, updated_at: at }).where('id', '=', workOrderId).where('restored_at', 'is', null).execute();
  }

  // ---- baselines
  async insertBaseline(row: BaselineRow): Promise<void> {
    await this.db.insertInto('baselines').values(row).execute();
  }

  baselineByName(name: string): Promise<BaselineRow | undefined> {
    return this.db.selectFrom('baselines').selectAll().where('name', '=', name).executeTakeFirst();
  }

  findBaseline(id: string): Promise<BaselineRow | undefined> {
    return this.db.selectFrom('baselines').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listBaselines(): Promise<BaselineRow[]> {
    return this.db.selectFrom('baselines').selectAll().orderBy('name').execute();
  }

  async updateBaseline(id: string, set: Omit<BaselineRow, 'id' | 'created_by' | 'created_at'>): Promise<void> {
    await this.db.updateTable('baselines').set(set).where('id', '=', id).execute();
  }

  async deleteBaseline(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('baselines').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The terminals a baseline's filter matches today (in service: at a site, not retired). */
  groupTerminals(filter: Pick<BaselineRow, 'merchant_id' | 'site_id' | 'model_id' | 'tag'>): Promise<TerminalFacts[]> {
    let query = this.db.selectFrom('terminals').innerJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.site_id', 'terminals.model_id', 'terminals.status', 'terminals.app_version', 'terminals.firmware_version', 'sites.merchant_id'])
      .where('terminals.deleted_at', 'is', null).where('terminals.status', '=', 'active');
    if (filter.merchant_id) query = query.where('sites.merchant_id', '=', filter.merchant_id);
    if (filter.site_id) query = query.where('terminals.site_id', '=', filter.site_id);
    if (filter.model_id) query = query.where('terminals.model_id', '=', filter.model_id);
    if (filter.tag) {
      const tag = filter.tag;
      query = query.where((eb) => eb.exists(eb.selectFrom('terminal_tags').select('terminal_tags.terminal_id').whereRef('terminal_tags.terminal_id', '=', 'terminals.id').where('terminal_tags.tag', '=', tag)));
    }
    return query.orderBy('terminals.serial_number').execute();
  }

  /**
   * The newest campaign action of each terminal for a package of this kind and version: how delivery
   * of the baseline's version is going (open → waiting, failed → failed).
   */
  deliveries(terminalIds: string[], kind: 'application' | 'firmware', version: string): Promise<{ terminal_id: string; state: string; updated_at: string }[]> {
    if (terminalIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('rollout_actions').innerJoin('packages', 'packages.id', 'rollout_actions.package_id')
      .select(['rollout_actions.terminal_id', 'rollout_actions.state', 'rollout_actions.updated_at'])
      .where('rollout_actions.terminal_id', 'in', terminalIds).where('packages.kind', '=', kind).where('packages.version', '=', version)
      .orderBy('rollout_actions.updated_at', 'desc').execute();
  }
}
