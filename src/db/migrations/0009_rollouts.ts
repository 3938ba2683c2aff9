// Software rollouts: publishers' keys, signed packages, campaigns with their waves, one action per
// (campaign, terminal) with every feedback received for it, versions seen changing on terminals, and
// the attributes hawkBit clients send (configData).
import { SqliteAdapter, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('publisher_keys')
    .addColumn('id', 'text', (c) => c.primaryKey()) // fingerprint of the public key
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull()) // PEM (SPKI)
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema.createTable('packages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('compatible_models', 'text', (c) => c.notNull()) // JSON array of model ids
    .addColumn('min_installed_version', 'text')
    .addColumn('security_patch', 'integer', (c) => c.notNull())
    .addColumn('release_notes', 'text', (c) => c.notNull()) // JSON { "zh-CN": ..., "en": ... }
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull().references('publisher_keys.id'))
    // Filled in when the content arrived and matched the hash and signature: only then is it assignable.
    .addColumn('sha1', 'text')
    .addColumn('md5', 'text')
    .addColumn('uploaded_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('packages_kind_name_version', ['kind', 'name', 'version'])
    .execute();

  await db.schema.createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull().references('packages.id'))
    .addColumn('rollback_of', 'text')
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('current_wave', 'integer', (c) => c.notNull())
    .addColumn('halt', 'text') // JSON: why it stopped, with the figures
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();

  await db.schema.createTable('campaign_waves')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('wave', 'integer', (c) => c.notNull())
    .addColumn('percent', 'real', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('installed_at', 'text') // every action of the wave finished: observation starts
    .addColumn('ended_at', 'text')
    .addColumn('verdict', 'text') // JSON: the figures the wave was judged by
    .addPrimaryKeyConstraint('campaign_waves_pk', ['campaign_id', 'wave'])
    .execute();

  // Integer ids: hawkBit clients parse the action id as a number.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema.createTable('rollout_actions')
    .addColumn('id', 'integer', (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('wave', 'integer', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull().references('packages.id'))
    .addColumn('previous_version', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('maintenance_job_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('rollout_actions_terminal').on('rollout_actions').columns(['terminal_id', 'state']).execute();
  await db.schema.createIndex('rollout_actions_wave').on('rollout_actions').columns(['campaign_id', 'wave', 'state']).execute();
  await db.schema.createIndex('rollout_actions_job').on('rollout_actions').columns(['maintenance_job_id']).execute();

  // Integer ids, in the order received: reports often share a millisecond (a retry, a burst after a reconnect).
  await db.schema.createTable('action_feedback')
    .addColumn('id', 'integer', (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('action_id', 'integer', (c) => c.notNull().references('rollout_actions.id'))
    // The terminal's own id for the report, so a retry is recognised; NULLs never collide.
    .addColumn('report_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull()) // what it changed, or why nothing
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('action_feedback_report').on('action_feedback').columns(['action_id', 'report_id']).unique().execute();

  await db.schema.createTable('version_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_version', 'text')
    .addColumn('to_version', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('version_changes_terminal').on('version_changes').columns(['terminal_id', 'at']).execute();

  await db.schema.createTable('ddi_config_data')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey().references('terminals.id'))
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['ddi_config_data', 'version_changes', 'action_feedback', 'rollout_actions', 'campaign_waves', 'campaigns', 'packages', 'publisher_keys']) {
    await db.schema.dropTable(table).execute();
  }
}
