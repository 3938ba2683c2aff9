// A lock (tamper, an operator's) is lifted only with a recorded reason: what the inspection found.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('terminal_locks').addColumn('lift_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('terminal_locks').dropColumn('lift_reason').execute();
}
