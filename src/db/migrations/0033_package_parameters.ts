// Parameter schemas in signed packages (0033): an application package may carry its parameter schema in
// its manifest, covered by the signature; publishing the package registers it as the application
// version's schema.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('packages').addColumn('parameters', 'text').execute(); // JSON { [parameter]: ParameterSpec }, null: none
}
