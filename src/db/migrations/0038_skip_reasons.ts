// Skip reasons (0038): a skipped install keeps why as a stable code beside its English prose, so the
// dashboard can say it in the reader's language. Installs skipped before this migration get their code
// from the prose the engine wrote then (the planner's and the settlement's sentences).
import type { Kysely } from 'kysely';

/** The code of each sentence the engine wrote for a skipped install, by how it reads (SQL LIKE). */
const FROM_PROSE: [code: string, pattern: string][] = [
  ['no_window', 'no maintenance window applies to terminal %'],
  ['longer_than_window', 'terminal % needs % more than its maintenance window%'],
  ['offline', 'terminal % is offline %'],
  ['locked', 'terminal % is locked %'],
  ['job_ended_before_install', 'its maintenance job % before the terminal began installing%'],
  ['job_aborted', 'its maintenance job % ended aborted'],
  ['job_missing', 'its maintenance job % ended missing'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollout_actions').addColumn('skip_reason', 'text').execute(); // SkipReason (src/rollouts/action-states.ts); null unless skipped
  for (const [code, pattern] of FROM_PROSE) {
    await db.updateTable('rollout_actions').set({ skip_reason: code })
      .where('state', '=', 'skipped').where('skip_reason', 'is', null).where('reason', 'like', pattern).execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollout_actions').dropColumn('skip_reason').execute();
}
