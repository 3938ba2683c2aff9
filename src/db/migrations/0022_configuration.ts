// Terminal configuration: the parameter schemas applications declare, the values set at each level
// (fleet, merchant, site, saved group, terminal), every change as a numbered version of its level,
// and the saved groups of terminals values can be set for.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('config_schemas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull()) // JSON { name: ParameterSpec }
    .addColumn('package_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('config_schemas_version', ['application', 'version'])
    .execute();
  await db.schema.createTable('config_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('filter', 'text', (c) => c.notNull()) // JSON { merchantId?, siteId?, modelId?, tag? }
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('config_values')
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull()) // '' for the fleet
    .addColumn('parameter', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull()) // JSON
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('config_values_pk', ['level', 'scope_id', 'parameter'])
    .execute();
  await db.schema.createTable('config_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('values', 'text', (c) => c.notNull()) // JSON: the level's values after this change
    .addColumn('changes', 'text', (c) => c.notNull()) // JSON [{ parameter, old, new }]
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reverts_to', 'integer')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('config_versions_number', ['level', 'scope_id', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['config_versions', 'config_values', 'config_groups', 'config_schemas']) await db.schema.dropTable(table).execute();
}
