// A site's past trade imported from outside (an acquirer's settlement file): transactions and revenue
// per 15-minute bucket, so a new site's suggested maintenance window has a profile from day one. One
// row per site and bucket: importing the same file again changes nothing.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('site_trading_history')
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('bucket_start', 'text', (c) => c.notNull()) // UTC instant on a quarter hour
    .addColumn('transactions', 'integer', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('site_trading_history_pk', ['site_id', 'bucket_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('site_trading_history').execute();
}
