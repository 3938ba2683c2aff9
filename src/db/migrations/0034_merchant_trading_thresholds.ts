// Suspicious-trading thresholds per merchant (0034): a merchant's overrides of the `trading` group, laid
// over its terminals' model thresholds (a jeweller's refunds are not a bakery's).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('merchant_trading_thresholds')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey().references('merchants.id'))
    .addColumn('settings', 'text', (c) => c.notNull()) // JSON: Partial<TradingThresholds>
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('merchant_trading_thresholds').ifExists().execute();
}
