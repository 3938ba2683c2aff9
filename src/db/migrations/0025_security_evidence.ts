// Security evidence (0025): each terminal model's PCI PTS POI approval number and its expiry, and the
// training records per site (PCI DSS 9.5.1.3: staff trained to detect tampering and substitution).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('terminal_models').addColumn('pts_approval_number', 'text').execute();
  await db.schema.alterTable('terminal_models').addColumn('pts_expires_at', 'text').execute();
  await db.schema.createTable('training_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('person_name', 'text', (c) => c.notNull())
    .addColumn('trained_on', 'text', (c) => c.notNull())
    .addColumn('topics', 'text', (c) => c.notNull())
    .addColumn('trainer', 'text')
    .addColumn('notes', 'text')
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('training_records_site').on('training_records').columns(['site_id', 'trained_on']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('training_records').execute();
  for (const column of ['pts_expires_at', 'pts_approval_number']) await db.schema.alterTable('terminal_models').dropColumn(column).execute();
}
