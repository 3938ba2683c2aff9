// PCI DSS evidence: the device inspections of requirement 9.5.1.2 (the photo itself lives in DATA_DIR;
// the row keeps its file name and SHA-256 so the evidence can be checked for later changes).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('inspections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('inspected_at', 'text', (c) => c.notNull())
    .addColumn('inspector_id', 'text')
    .addColumn('inspector_name', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('serial_matches', 'integer', (c) => c.notNull())
    .addColumn('seal_intact', 'integer', (c) => c.notNull())
    .addColumn('seal_number', 'text')
    .addColumn('tamper_signs', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('photo_file', 'text')
    .addColumn('photo_content_type', 'text')
    .addColumn('photo_size', 'integer')
    .addColumn('photo_sha256', 'text')
    .execute();
  // The latest inspection of each terminal is what the overdue report and the report read.
  await db.schema.createIndex('inspections_terminal_at').on('inspections').columns(['terminal_id', 'inspected_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('inspections').execute();
}
