// The foundation's tables: estate, terminal protocol and the job layer.
// Written once for both dialects: only portable column types are used (see schema.ts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text')
    .addColumn('contact_phone', 'text')
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('time_zone', 'text')
    .addColumn('opening_hours', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sites_merchant').on('sites').column('merchant_id').execute();

  await db.schema
    .createTable('terminal_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('terminals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('serial_number', 'text', (c) => c.notNull().unique())
    .addColumn('model_id', 'text', (c) => c.notNull().references('terminal_models.id'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('app_version', 'text')
    .addColumn('firmware_version', 'text')
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('network_type', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  for (const column of ['site_id', 'model_id', 'status', 'app_version', 'firmware_version'] as const) {
    await db.schema.createIndex(`terminals_${column}`).on('terminals').column(column).execute();
  }

  await db.schema
    .createTable('terminal_tags')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('terminal_tags_pk', ['terminal_id', 'tag'])
    .execute();
  await db.schema.createIndex('terminal_tags_tag').on('terminal_tags').columns(['tag', 'terminal_id']).execute();

  await db.schema
    .createTable('terminal_health')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey().references('terminals.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addColumn('online', 'integer', (c) => c.notNull())
    .addColumn('offline_since', 'text')
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  // Online/offline filters and the offline sweep read this index, never the heartbeat history.
  await db.schema.createIndex('terminal_health_last_seen').on('terminal_health').column('last_seen_at').execute();
  await db.schema.createIndex('terminal_health_online').on('terminal_health').columns(['online', 'last_seen_at']).execute();

  await db.schema
    .createTable('heartbeats')
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('heartbeats_pk', ['terminal_id', 'seq'])
    .execute();
  await db.schema.createIndex('heartbeats_received_at').on('heartbeats').column('received_at').execute();

  await db.schema
    .createTable('terminal_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('terminal_credentials_terminal').on('terminal_credentials').column('terminal_id').execute();

  await db.schema
    .createTable('enrolment_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('terminal_id', 'text', (c) => c.references('terminals.id'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id'))
    .addColumn('model_id', 'text', (c) => c.references('terminal_models.id'))
    .addColumn('uses_left', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();

  await db.schema
    .createTable('terminal_commands')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('result', 'text')
    .execute();
  await db.schema.createIndex('terminal_commands_open').on('terminal_commands').columns(['terminal_id', 'status']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('interval_ms', 'bigint')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('done_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['done_at', 'run_at']).execute();

  await db.schema
    .createTable('job_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('job_runs_job').on('job_runs').columns(['job_id', 'scheduled_for']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'job_runs', 'jobs', 'terminal_commands', 'enrolment_codes', 'terminal_credentials',
    'heartbeats', 'terminal_health', 'terminal_tags', 'terminals', 'terminal_models', 'sites', 'merchants',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
