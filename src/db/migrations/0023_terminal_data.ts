// Terminal data (0023): encrypted backups a terminal takes of its own data (uploaded in chunks, kept
// with their SHA-256, size and kind under a retention policy), restores of a backup onto a terminal
// (a swapped-in spare, a terminal reinstalled after a factory reset) that count only once the terminal
// confirms, and baselines: the software a saved group of terminals must have.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('terminal_backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    // The terminal's own id for the upload: asking again with it resumes, never starts a second one.
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('chunk_size', 'integer', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('iv', 'text', (c) => c.notNull())
    .addColumn('maintenance_job_id', 'text')
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'text')
    .addColumn('refused_reason', 'text')
    .addColumn('pruned_at', 'text')
    .addUniqueConstraint('terminal_backups_upload', ['terminal_id', 'upload_id'])
    .execute();
  await db.schema.createIndex('terminal_backups_terminal').on('terminal_backups').columns(['terminal_id', 'state', 'taken_at']).execute();

  await db.schema.createTable('terminal_restores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('backup_id', 'text', (c) => c.notNull().references('terminal_backups.id'))
    .addColumn('source_terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('swap_id', 'text')
    .addColumn('work_order_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('terminal_restores_terminal').on('terminal_restores').columns(['terminal_id', 'state']).execute();

  await db.schema.createTable('baselines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'text')
    .addColumn('site_id', 'text')
    .addColumn('model_id', 'text')
    .addColumn('tag', 'text')
    .addColumn('app_version', 'text')
    .addColumn('firmware_version', 'text')
    // Set once the parameters capability lands (an effective configuration version); unused until then.
    .addColumn('configuration_version', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('baselines').execute();
  await db.schema.dropTable('terminal_restores').execute();
  await db.schema.dropTable('terminal_backups').execute();
}
