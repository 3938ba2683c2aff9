// Forecasts the shop acts on (0032): each terminal model's paper roll length (receipts per roll), and
// per terminal what the daily forecast job remembers between its passes (the receipts meter and its
// rate, battery capacity samples, card reads per day, and which forecasts are open since when).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('terminal_models').addColumn('receipts_per_roll', 'integer', (c) => c.notNull().defaultTo(300)).execute();
  await db.schema.createTable('shop_forecasts')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull()) // JSON ForecastState (src/merchant/shop-forecasts.ts)
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('shop_forecasts').execute();
  await db.schema.alterTable('terminal_models').dropColumn('receipts_per_roll').execute();
}
