// Configuration campaigns (0030): a change that needs terminals out of service is held as a pending
// change instead of going live, then delivered by a campaign (waves, windows, payment-health halt like
// software); the terminals that already run it while the campaign goes on are its holders.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('config_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('delta', 'text', (c) => c.notNull()) // JSON: the parameters it sets (null: removes) at its level
    .addColumn('changes', 'text', (c) => c.notNull()) // JSON: old → new when it was made
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('version', 'integer') // the level's version it became once delivered everywhere
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('config_changes_scope').on('config_changes').columns(['level', 'scope_id', 'state']).execute();
  await db.schema.createTable('config_change_holders')
    .addColumn('change_id', 'text', (c) => c.notNull().references('config_changes.id'))
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('config_change_holders_pk', ['change_id', 'terminal_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('config_change_holders').ifExists().execute();
  await db.schema.dropTable('config_changes').ifExists().execute();
}
