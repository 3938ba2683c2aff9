// Security in depth (0034): suspicious-trading thresholds per merchant (its overrides of the `trading`
// group, laid over its terminals' model thresholds: a jeweller's refunds are not a bakery's), and the kind
// of a terminal's lock (a tamper or relocation lock is lifted only with a second person's approval), and
// a person's own e-mail channel (four-eyes requests are mailed to those who may approve them).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('merchant_trading_thresholds')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey().references('merchants.id'))
    .addColumn('settings', 'text', (c) => c.notNull()) // JSON: Partial<TradingThresholds>
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('terminal_locks').addColumn('kind', 'text', (c) => c.notNull().defaultTo('manual')).execute();
  // A person's own e-mail channel (the approvals they may decide are mailed to them): not listed with the others.
  await db.schema.alterTable('notification_channels').addColumn('user_id', 'text').execute();
  await db.schema.createIndex('notification_channels_user').on('notification_channels').column('user_id').unique().where(sql.ref('user_id'), 'is not', null).execute();
  // Locks the rules made before kinds existed say so in their reason.
  await sql`UPDATE terminal_locks SET kind = 'tamper' WHERE reason LIKE 'tamper alert%'`.execute(db);
  await sql`UPDATE terminal_locks SET kind = 'relocation' WHERE reason LIKE 'relocated:%'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notification_channels_user').ifExists().execute();
  await db.schema.alterTable('notification_channels').dropColumn('user_id').execute();
  await db.schema.alterTable('terminal_locks').dropColumn('kind').execute();
  await db.schema.dropTable('merchant_trading_thresholds').ifExists().execute();
}
