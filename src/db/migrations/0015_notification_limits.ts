// Quiet hours and rate limits of notification channels: the settings, the channel's current rate
// window (a counter on the channel row, so several API nodes on one PostgreSQL share it), and held
// deliveries that are later folded into one digest.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notification_channels').addColumn('quiet_start', 'text').execute();
  await db.schema.alterTable('notification_channels').addColumn('quiet_end', 'text').execute();
  await db.schema.alterTable('notification_channels').addColumn('quiet_time_zone', 'text').execute();
  await db.schema.alterTable('notification_channels').addColumn('rate_max', 'integer').execute();
  await db.schema.alterTable('notification_channels').addColumn('rate_period_minutes', 'integer').execute();
  await db.schema.alterTable('notification_channels').addColumn('rate_window_start', 'text').execute();
  await db.schema.alterTable('notification_channels').addColumn('rate_window_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.alterTable('notification_deliveries').addColumn('held_until', 'text').execute();
  await db.schema.alterTable('notification_deliveries').addColumn('held_reason', 'text').execute();
  await db.schema.alterTable('notification_deliveries').addColumn('digest_id', 'text').execute();
  // The digest job looks for a channel's held deliveries that are due.
  await db.schema.createIndex('notification_deliveries_held').on('notification_deliveries').columns(['channel_id', 'status', 'held_until']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notification_deliveries_held').execute();
  for (const column of ['held_until', 'held_reason', 'digest_id']) await db.schema.alterTable('notification_deliveries').dropColumn(column).execute();
  for (const column of ['quiet_start', 'quiet_end', 'quiet_time_zone', 'rate_max', 'rate_period_minutes', 'rate_window_start', 'rate_window_count']) {
    await db.schema.alterTable('notification_channels').dropColumn(column).execute();
  }
}
