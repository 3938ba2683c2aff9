// Diagnostics, second part: rule streaks and card-read windows kept in the database (so several API
// nodes agree and a restart forgets nothing), the link drops the flapping rule counts, and suspicious-
// activity reports as cases with an owner, a status and a history.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per terminal whose rules are part-way to opening or resolving an incident; written once per
  // heartbeat batch. seq: the newest heartbeat folded in, so an older batch never overwrites a newer one.
  await db.schema
    .createTable('diagnostic_state')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('streaks', 'text', (c) => c.notNull())
    .addColumn('cards', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Each time the offline sweep found a terminal's link gone (online → offline).
  await db.schema
    .createTable('link_drops')
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('dropped_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('link_drops_pk', ['terminal_id', 'dropped_at'])
    .execute();
  await db.schema.createIndex('link_drops_at').on('link_drops').column('dropped_at').execute();

  // A report is a case: open → investigating → resolved | dismissed, with an owner.
  await db.schema.alterTable('suspicious_reports').addColumn('status', 'text', (c) => c.notNull().defaultTo('open')).execute();
  await db.schema.alterTable('suspicious_reports').addColumn('owner_id', 'text').execute();
  await db.schema.alterTable('suspicious_reports').addColumn('updated_at', 'text').execute();
  await db.schema.createIndex('suspicious_reports_status').on('suspicious_reports').columns(['status', 'reported_at']).execute();
  await db.schema
    .createTable('suspicious_case_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('suspicious_reports.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    // JSON: what changed, e.g. { "status": ["open", "investigating"], "ownerId": [null, "…"] }
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('suspicious_case_events_case').on('suspicious_case_events').columns(['case_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('suspicious_case_events').execute();
  await db.schema.dropIndex('suspicious_reports_status').execute();
  for (const column of ['updated_at', 'owner_id', 'status']) await db.schema.alterTable('suspicious_reports').dropColumn(column).execute();
  await db.schema.dropTable('link_drops').execute();
  await db.schema.dropTable('diagnostic_state').execute();
}
