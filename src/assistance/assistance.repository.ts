// Queries of remote assistance: uploaded files (logs, screenshots) and screen messages. Kysely only.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { ArtifactState, Database, ScreenMessageTable, TerminalArtifactTable } from '../db/schema.ts';

export type ArtifactRow = Selectable<TerminalArtifactTable>;
export type ScreenMessageRow = Selectable<ScreenMessageTable>;

export class AssistanceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- artifacts
  findUpload(terminalId: string, uploadId: string): Promise<ArtifactRow | undefined> {
    return this.db.selectFrom('terminal_artifacts').selectAll().where('terminal_id', '=', terminalId).where('upload_id', '=', uploadId).executeTakeFirst();
  }

  findArtifact(id: string): Promise<ArtifactRow | undefined> {
    return this.db.selectFrom('terminal_artifacts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Inserts unless the terminal already started an upload with this id (then nothing changes). */
  async insertArtifact(row: ArtifactRow): Promise<void> {
    await this.db.insertInto('terminal_artifacts').values(row).onConflict((oc) => oc.columns(['terminal_id', 'upload_id']).doNothing()).execute();
  }

  /** Moves a file on only from the state it was read in; false when another request moved it first. */
  async setArtifactState(id: string, from: ArtifactState, patch: Updateable<TerminalArtifactTable>): Promise<boolean> {
    const result = await this.db.updateTable('terminal_artifacts').set(patch).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  listForTerminal(terminalId: string, limit: number): Promise<ArtifactRow[]> {
    return this.db.selectFrom('terminal_artifacts').selectAll().where('terminal_id', '=', terminalId)
      .orderBy('taken_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  listForIncident(incidentId: string): Promise<ArtifactRow[]> {
    return this.db.selectFrom('terminal_artifacts').selectAll().where('incident_id', '=', incidentId).orderBy('taken_at', 'desc').orderBy('id', 'desc').execute();
  }

  storedBefore(before: string): Promise<Pick<ArtifactRow, 'id' | 'terminal_id' | 'stored_at'>[]> {
    return this.db.selectFrom('terminal_artifacts').select(['id', 'terminal_id', 'stored_at']).where('state', '=', 'stored').where('stored_at', '<', before).execute();
  }

  staleUploads(before: string): Promise<ArtifactRow[]> {
    return this.db.selectFrom('terminal_artifacts').selectAll().where('state', '=', 'uploading').where('created_at', '<', before).execute();
  }

  // ---- screen messages
  async insertMessage(row: ScreenMessageRow): Promise<void> {
    await this.db.insertInto('screen_messages').values(row).execute();
  }

  findMessage(id: string): Promise<ScreenMessageRow | undefined> {
    return this.db.selectFrom('screen_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listMessages(terminalId: string, limit: number): Promise<ScreenMessageRow[]> {
    return this.db.selectFrom('screen_messages').selectAll().where('terminal_id', '=', terminalId).orderBy('sent_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Marks a message shown (once: a repeat changes nothing). */
  async markShown(id: string, at: string): Promise<void> {
    await this.db.updateTable('screen_messages').set({ state: 'shown', shown_at: at }).where('id', '=', id).where('state', '=', 'sent').execute();
  }

  /** Records the acknowledgement once; false when it was acknowledged already. */
  async acknowledge(id: string, at: string, by: string): Promise<boolean> {
    const result = await this.db.updateTable('screen_messages')
      .set((eb) => ({ state: 'acknowledged', acknowledged_at: at, acknowledged_by: by, shown_at: eb.fn.coalesce('shown_at', eb.val(at)) }))
      .where('id', '=', id).where('state', '!=', 'acknowledged').executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
