// Fault diagnostics: incidents raised by rules over heartbeats (and by the offline sweep and people),
// self-tests requested for them, suspicious-activity reports, per-model rule thresholds, and
// troubleshooting guide runs with every answer given.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Null for a site incident ("site network down").
    .addColumn('terminal_id', 'text')
    .addColumn('site_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // "<terminal or site:id>|<rule>" while open or acknowledged, null once resolved: the unique index
    // keeps one open incident per terminal and rule, on both databases, even with several nodes.
    .addColumn('open_key', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution', 'text')
    .addColumn('notified_count', 'integer', (c) => c.notNull())
    .addColumn('last_notified_at', 'text')
    .execute();
  await db.schema.createIndex('incidents_open_key').on('incidents').column('open_key').unique().execute();
  await db.schema.createIndex('incidents_terminal').on('incidents').columns(['terminal_id', 'status']).execute();
  await db.schema.createIndex('incidents_status').on('incidents').columns(['status', 'rule']).execute();
  await db.schema.createIndex('incidents_first_seen').on('incidents').columns(['first_seen_at', 'id']).execute();

  await db.schema
    .createTable('incident_self_tests')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('parts', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_self_tests_incident').on('incident_self_tests').column('incident_id').execute();

  await db.schema
    .createTable('suspicious_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('what', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('reported_by', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('suspicious_reports_terminal').on('suspicious_reports').column('terminal_id').execute();

  await db.schema
    .createTable('diagnostic_thresholds')
    .addColumn('model_id', 'text', (c) => c.primaryKey().references('terminal_models.id'))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('guide_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('guide_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('current_step', 'text')
    .addColumn('ended_at_step', 'text')
    .addColumn('escalation_parts', 'text')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('guide_runs_guide').on('guide_runs').columns(['guide_id', 'model_id']).execute();

  await db.schema
    .createTable('guide_answers')
    .addColumn('run_id', 'text', (c) => c.notNull().references('guide_runs.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('guide_answers_pk', ['run_id', 'position'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['guide_answers', 'guide_runs', 'diagnostic_thresholds', 'suspicious_reports', 'incident_self_tests', 'incidents']) {
    await db.schema.dropTable(table).execute();
  }
}
