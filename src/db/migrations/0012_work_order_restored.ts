// When a working terminal was back at the site for a work order's merchant (a repair done on site, or
// a backup terminal swapped in): merchant-restored time is measured to here, repair time to `done`.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('work_orders').addColumn('restored_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('work_orders').dropColumn('restored_at').execute();
}
