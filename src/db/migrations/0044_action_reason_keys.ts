// Action reasons as catalogue sentences (0044): why an install was skipped, failed, cancelled or put back in
// the queue is kept as the message catalogue's key and its parameters (JSON) beside the English `reason`,
// so the campaign page and API clients say it in the reader's language. Rows from before keep their English
// text only (the page shows that, or the skip code's words).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollout_actions').addColumn('reason_key', 'text').execute(); // a key of src/shared/messages/*.json; null: English only
  await db.schema.alterTable('rollout_actions').addColumn('reason_params', 'text').execute(); // JSON SaidParams (src/shared/messages/said.ts)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollout_actions').dropColumn('reason_params').execute();
  await db.schema.alterTable('rollout_actions').dropColumn('reason_key').execute();
}
