// Remote assistance (0028): files a terminal uploads when asked (its logs, gzip-compressed; a
// screenshot, PNG) kept under a retention setting and linked to the incident they were asked for;
// messages an operator puts on a terminal's screen until the shop's staff acknowledge them; and what
// guides learned per model (the order of their steps, the steps that never help), with the order
// each guide run was given.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('terminal_artifacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('command_id', 'text')
    .addColumn('incident_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('original_bytes', 'integer', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .addColumn('chunk_size', 'integer', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'text')
    .addColumn('refused_reason', 'text')
    .addColumn('pruned_at', 'text')
    .addUniqueConstraint('terminal_artifacts_upload', ['terminal_id', 'upload_id'])
    .execute();
  await db.schema.createIndex('terminal_artifacts_terminal').on('terminal_artifacts').columns(['terminal_id', 'taken_at']).execute();
  await db.schema.createIndex('terminal_artifacts_incident').on('terminal_artifacts').columns(['incident_id']).execute();
  await db.schema.createIndex('terminal_artifacts_state').on('terminal_artifacts').columns(['state', 'stored_at']).execute();

  await db.schema.createTable('screen_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('command_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('sent_by', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('shown_at', 'text')
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .execute();
  await db.schema.createIndex('screen_messages_terminal').on('screen_messages').columns(['terminal_id', 'sent_at']).execute();

  await db.schema.createTable('guide_learning')
    .addColumn('guide_id', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    // JSON: the learned step order, each step's figures, and the steps flagged as never helping.
    .addColumn('step_order', 'text', (c) => c.notNull())
    .addColumn('figures', 'text', (c) => c.notNull())
    .addColumn('flagged', 'text', (c) => c.notNull())
    .addColumn('runs', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('guide_learning_pk', ['guide_id', 'model_id'])
    .execute();
  await db.schema.alterTable('guide_runs').addColumn('step_order', 'text').execute();
  await db.schema.createIndex('guide_runs_learning').on('guide_runs').columns(['guide_id', 'model_id', 'started_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('guide_runs_learning').execute();
  await db.schema.alterTable('guide_runs').dropColumn('step_order').execute();
  await db.schema.dropTable('guide_learning').execute();
  await db.schema.dropTable('screen_messages').execute();
  await db.schema.dropTable('terminal_artifacts').execute();
}
