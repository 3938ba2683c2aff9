// Waiting codes (0042): a due job that has not started keeps why as a stable code (WaitingCode,
// src/shared/job-states.ts) beside its English sentence, so the dashboard and the campaign page say it in the
// reader's language instead of matching the prose. Jobs waiting before this migration get their code from
// the sentence written then.
import type { Kysely } from 'kysely';

/** The code of each sentence the start gate and the continuity rule wrote, by how it reads (SQL LIKE). */
const FROM_PROSE: [code: string, pattern: string][] = [
  ['no_fitting_window', 'no occurrence of maintenance window % fits %'],
  ['window_closed', '%moved to the next maintenance window%'],
  ['backup_not_fresh', '%no backup terminal has sent a healthy heartbeat%'],
  ['last_in_service', '%must stay%'],
  ['share_limit', '%may be down at once%'],
  ['terminal_offline', '%is offline%'],
  ['terminal_locked', '%is locked%'],
  ['already_in_maintenance', '%already in maintenance%'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('maintenance_jobs').addColumn('waiting_code', 'text').execute(); // null unless waiting_reason is set
  for (const [code, pattern] of FROM_PROSE) {
    await db.updateTable('maintenance_jobs').set({ waiting_code: code })
      .where('waiting_reason', 'is not', null).where('waiting_code', 'is', null).where('waiting_reason', 'like', pattern).execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('maintenance_jobs').dropColumn('waiting_code').execute();
}
