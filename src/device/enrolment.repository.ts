// Enrolment and credential queries: one-time codes, the terminal a code enrols, and its credentials.
// An enrolment reads and writes in one transaction (`enrolInTransaction`), so terminals enrolling
// together with one code each take one use.
import type { Insertable, Kysely } from 'kysely';
import type { Database, EnrolmentCodeTable, TerminalCredentialTable, TerminalTable } from '../db/schema.ts';

/** The reads and writes of one enrolment, inside its transaction. */
export class EnrolmentTransaction {
  constructor(private readonly trx: Kysely<Database>) {}

  codeByHash(codeHash: string) {
    return this.trx.selectFrom('enrolment_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  terminalBySerial(serialNumber: string) {
    return this.trx.selectFrom('terminals').select(['id', 'deleted_at', 'site_id', 'status']).where('serial_number', '=', serialNumber).executeTakeFirst();
  }

  /** Whether this terminal enrolled with this request id since `since` (a retry whose answer was lost). */
  async enrolledWithRequest(terminalId: string, requestId: string, since: string): Promise<boolean> {
    return !!(await this.trx.selectFrom('terminal_credentials').select('id').where('terminal_id', '=', terminalId)
      .where('enrolment_request_id', '=', requestId).where('created_at', '>', since).executeTakeFirst());
  }

  async modelComponents(modelId: string): Promise<string> {
    return (await this.trx.selectFrom('terminal_models').select('components').where('id', '=', modelId).executeTakeFirstOrThrow()).components;
  }

  async insertTerminal(row: Insertable<TerminalTable>): Promise<void> {
    await this.trx.insertInto('terminals').values(row).execute();
  }

  async placeTerminal(terminalId: string, siteId: string, now: string): Promise<void> {
    await this.trx.updateTable('terminals').set({ site_id: siteId, status: 'active', updated_at: now }).where('id', '=', terminalId).execute();
  }

  /**
   * Takes one use of the code, decremented in the database rather than from a value read before:
   * PostgreSQL re-checks the guard after a concurrent update, so the last use goes once. False when none was left.
   */
  async useCode(codeId: string): Promise<boolean> {
    const used = await this.trx.updateTable('enrolment_codes').set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
      .where('id', '=', codeId).where('uses_left', '>', 0).executeTakeFirst();
    return Number(used.numUpdatedRows) === 1;
  }

  /** Revokes the terminal's credentials but those of this enrolment request (when given: its retries all stay valid). */
  async revokeOtherCredentials(terminalId: string, now: string, keepRequestId?: string): Promise<void> {
    await this.trx.updateTable('terminal_credentials').set({ revoked_at: now }).where('terminal_id', '=', terminalId).where('revoked_at', 'is', null)
      .$if(keepRequestId !== undefined, (q) => q.where((eb) => eb.or([eb('enrolment_request_id', 'is', null), eb('enrolment_request_id', '!=', keepRequestId!)])))
      .execute();
  }

  async insertCredential(row: Insertable<TerminalCredentialTable>): Promise<void> {
    await this.trx.insertInto('terminal_credentials').values(row).execute();
  }
}

export class EnrolmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  enrolInTransaction<T>(work: (tx: EnrolmentTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new EnrolmentTransaction(trx)));
  }

  terminalBySerial(serialNumber: string) {
    return this.db.selectFrom('terminals').select(['id', 'deleted_at']).where('serial_number', '=', serialNumber).executeTakeFirst();
  }

  async terminalExists(terminalId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('terminals').select('id').where('id', '=', terminalId).executeTakeFirst());
  }

  async siteExists(siteId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst());
  }

  async modelExists(modelId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('terminal_models').select('id').where('id', '=', modelId).executeTakeFirst());
  }

  async insertCode(row: Insertable<EnrolmentCodeTable>): Promise<void> {
    await this.db.insertInto('enrolment_codes').values(row).execute();
  }

  /** Revokes every live credential of the terminal; answers how many. */
  async revokeCredentials(terminalId: string, now: string): Promise<number> {
    const result = await this.db.updateTable('terminal_credentials').set({ revoked_at: now })
      .where('terminal_id', '=', terminalId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
