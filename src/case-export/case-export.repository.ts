// Case-export queries only: what a case bundle holds besides the case itself — the terminal's
// heartbeats and the audit entries about the terminal, the case or its incident within the period, and
// the terminal's device inspections.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Rows per list in one bundle: a case spans days, not years (a longer one says it was cut). */
export const BUNDLE_ROW_LIMIT = 50_000;

export class CaseExportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  heartbeats(terminalId: string, from: string, to: string) {
    return this.db.selectFrom('heartbeats').select(['seq', 'received_at', 'report']).where('terminal_id', '=', terminalId)
      .where('received_at', '>=', from).where('received_at', '<=', to).orderBy('seq').limit(BUNDLE_ROW_LIMIT).execute();
  }

  auditEntries(objectIds: string[], from: string, to: string) {
    return this.db.selectFrom('audit_log').selectAll().where('object_id', 'in', objectIds).where('at', '>=', from).where('at', '<=', to)
      .orderBy('seq').limit(BUNDLE_ROW_LIMIT).execute();
  }

  inspections(terminalId: string, from: string, to: string) {
    return this.db.selectFrom('inspections').selectAll().where('terminal_id', '=', terminalId).where('inspected_at', '>=', from).where('inspected_at', '<=', to)
      .orderBy('inspected_at').execute();
  }
}
