// Notification channels (e-mail addresses and webhook endpoints), the deliveries of each event to
// each channel, and every attempt at a delivery with its outcome.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // No foreign key: deleting a merchant must not fail on its channels (they simply stop hearing events).
    .addColumn('merchant_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('locale', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('notification_channels_merchant').on('notification_channels').columns(['merchant_id', 'deleted_at']).execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('notification_channels.id'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('site_id', 'text')
    .addColumn('dedupe_key', 'text')
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('round_start', 'integer', (c) => c.notNull())
    .addColumn('park_after', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('parked_at', 'text')
    .execute();
  // The same event (by key) reaches a channel once, however often its sender retries notify().
  await db.schema.createIndex('notification_deliveries_dedupe').on('notification_deliveries').columns(['channel_id', 'dedupe_key']).unique().execute();
  await db.schema.createIndex('notification_deliveries_status').on('notification_deliveries').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('notification_deliveries_merchant').on('notification_deliveries').columns(['merchant_id', 'created_at']).execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('notification_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .execute();
  // One row per attempt number: a duplicate run of the same attempt cannot record it twice.
  await db.schema.createIndex('notification_attempts_attempt').on('notification_attempts').columns(['delivery_id', 'attempt']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['notification_attempts', 'notification_deliveries', 'notification_channels']) await db.schema.dropTable(table).execute();
}
