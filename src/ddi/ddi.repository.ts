// What the hawkBit DDI API reads and writes itself (Kysely only): a controller's serial number, an
// artifact's extra hashes, the device's attributes (ddi_config_data), the cancellation it has yet to
// confirm, and its last contact when it polls.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export class DdiRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The terminal's serial number (its controllerId), and whether it was deleted. */
  terminal(terminalId: string): Promise<{ serial_number: string; deleted_at: string | null } | undefined> {
    return this.db.selectFrom('terminals').select(['serial_number', 'deleted_at']).where('id', '=', terminalId).executeTakeFirst();
  }

  /** The package's SHA-1 and MD5, which DDI clients check besides its SHA-256. */
  packageHashes(packageId: string): Promise<{ sha1: string | null; md5: string | null }> {
    return this.db.selectFrom('packages').select(['sha1', 'md5']).where('id', '=', packageId).executeTakeFirstOrThrow();
  }

  /** Whether the device sent its attributes and no update of it succeeded since. */
  async configDataCurrent(terminalId: string): Promise<boolean> {
    const row = await this.db.selectFrom('ddi_config_data').select('updated_at').where('terminal_id', '=', terminalId).executeTakeFirst();
    const updatedSince = row && await this.db.selectFrom('rollout_actions').select('id')
      .where('terminal_id', '=', terminalId).where('state', '=', 'succeeded').where('finished_at', '>', row.updated_at).limit(1).executeTakeFirst();
    return !!row && !updatedSince;
  }

  /** The device's attributes as stored (JSON), if it sent any. */
  async configData(terminalId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('ddi_config_data').select('attributes').where('terminal_id', '=', terminalId).executeTakeFirst();
    return row?.attributes;
  }

  /**
   * Writes the device's attributes over `previous` (undefined: over none stored). False when another
   * request changed (or first stored) them meanwhile: nothing was written.
   */
  async writeConfigData(terminalId: string, previous: string | undefined, attributes: string, at: string): Promise<boolean> {
    const written = previous !== undefined
      ? await this.db.updateTable('ddi_config_data').set({ attributes, updated_at: at }).where('terminal_id', '=', terminalId).where('attributes', '=', previous).executeTakeFirst()
      : await this.db.insertInto('ddi_config_data').values({ terminal_id: terminalId, attributes, updated_at: at }).onConflict((oc) => oc.column('terminal_id').doNothing()).executeTakeFirst();
    const count = 'numUpdatedRows' in written ? written.numUpdatedRows : written.numInsertedOrUpdatedRows ?? 0n;
    return Number(count) === 1;
  }

  /** The device's last cancelled action it had heard of (over DDI) and has not confirmed cancelling. */
  async cancelToConfirm(terminalId: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('rollout_actions').select('rollout_actions.id')
      .where('terminal_id', '=', terminalId).where('state', '=', 'cancelled')
      .where((eb) => eb.exists(eb.selectFrom('action_feedback').select('action_feedback.id').whereRef('action_feedback.action_id', '=', 'rollout_actions.id').where('source', '=', 'ddi')))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('action_feedback').select('action_feedback.id').whereRef('action_feedback.action_id', '=', 'rollout_actions.id').where('source', '=', 'ddi-cancel'))))
      .orderBy('rollout_actions.id', 'desc').executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /** The terminal was heard from at `at`: online, its last contact moved (a health row made if it has none). */
  async touch(terminalId: string, at: string): Promise<void> {
    const updated = await this.db.updateTable('terminal_health').set({ last_seen_at: at, online: 1, offline_since: null }).where('terminal_id', '=', terminalId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await this.db.insertInto('terminal_health')
        .values({ terminal_id: terminalId, seq: 0, last_seen_at: at, reported_at: at, online: 1, offline_since: null, report: JSON.stringify({ via: 'hawkBit DDI' }) })
        .onConflict((oc) => oc.column('terminal_id').doUpdateSet({ last_seen_at: at }))
        .execute();
    }
  }
}
