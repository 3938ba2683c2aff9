// How terminals are written (Kysely only): each write together with the terminal's tags in one
// transaction, retiring a terminal with its credentials, and the CSV import (all rows, in chunks, in one
// transaction). Reads stay in estate.repository.ts.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, TerminalTable } from '../db/schema.ts';
import { DEFAULT_COMPONENTS } from './estate.rules.ts';
import type { CsvTerminalRow } from './terminal-csv.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Serials per statement of the import: well under both databases' parameter limits. */
const IMPORT_CHUNK = 500;

export class TerminalWrites {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: TerminalTable, tags: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('terminals').values(row).execute();
      await this.replaceTags(trx, row.id, tags);
    });
  }

  /** Changes a terminal's columns and, when given, replaces its tags. */
  async update(id: string, changes: Partial<TerminalTable>, tags: string[] | undefined): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('terminals').set(changes).where('id', '=', id).execute();
      if (tags !== undefined) await this.replaceTags(trx, id, tags);
    });
  }

  /** Soft delete: the terminal is retired and every credential it still has is revoked. */
  async retire(id: string, at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('terminals').set({ deleted_at: at, status: 'retired', updated_at: at }).where('id', '=', id).execute();
      await trx.updateTable('terminal_credentials').set({ revoked_at: at }).where('terminal_id', '=', id).where('revoked_at', 'is', null).execute();
    });
  }

  /**
   * Writes checked CSV rows: a serial already in the estate (deleted or not) is updated and brought back,
   * a new one is created with its model's components. One transaction: all rows or none.
   */
  async importRows(rows: CsvTerminalRow[], at: string, onProgress?: (done: number, total: number) => void): Promise<{ created: number; updated: number }> {
    const models = new Map((await this.db.selectFrom('terminal_models').select(['id', 'components']).execute()).map((m) => [m.id, m.components]));
    let created = 0;
    let updated = 0;
    await this.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += IMPORT_CHUNK) {
        const chunk = rows.slice(start, start + IMPORT_CHUNK);
        const existing = new Map(
          (await trx.selectFrom('terminals').select(['id', 'serial_number', 'deleted_at']).where('serial_number', 'in', chunk.map((r) => r.serialNumber)).execute())
            .map((t) => [t.serial_number, t]),
        );
        const fresh = chunk.filter((r) => !existing.has(r.serialNumber)).map((r) => ({ row: r, id: randomUUID() }));
        if (fresh.length) {
          await trx.insertInto('terminals').values(fresh.map(({ row, id }) => ({
            id, serial_number: row.serialNumber, model_id: row.modelId, site_id: row.siteId, status: row.status,
            app_version: row.appVersion, firmware_version: row.firmwareVersion, components: models.get(row.modelId) ?? JSON.stringify(DEFAULT_COMPONENTS),
            network_type: row.networkType, created_at: at, updated_at: at, deleted_at: null,
          }))).execute();
          const tags = fresh.flatMap(({ row, id }) => row.tags.map((tag) => ({ terminal_id: id, tag })));
          if (tags.length) await trx.insertInto('terminal_tags').values(tags).execute();
          created += fresh.length;
        }
        for (const row of chunk) {
          const current = existing.get(row.serialNumber);
          if (!current) continue;
          await trx.updateTable('terminals').set({
            model_id: row.modelId, site_id: row.siteId, status: row.status, app_version: row.appVersion,
            firmware_version: row.firmwareVersion, network_type: row.networkType, updated_at: at, deleted_at: null,
          }).where('id', '=', current.id).execute();
          await this.replaceTags(trx, current.id, row.tags);
          updated++;
        }
        onProgress?.(Math.min(start + IMPORT_CHUNK, rows.length), rows.length);
      }
    });
    return { created, updated };
  }

  private async replaceTags(executor: Executor, terminalId: string, tags: string[]): Promise<void> {
    await executor.deleteFrom('terminal_tags').where('terminal_id', '=', terminalId).execute();
    if (tags.length) await executor.insertInto('terminal_tags').values(tags.map((tag) => ({ terminal_id: terminalId, tag }))).execute();
  }
}
