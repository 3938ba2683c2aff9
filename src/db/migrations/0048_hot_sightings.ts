// PostgreSQL: room on every page of the tables rewritten for each terminal every second under load, so
// an update can stay on its row's page (a HOT update: no new index entry, the old version pruned with the
// page). Full pages sent every update of diagnostic_state and terminal_locations to a new page with a new
// primary-key entry: under heartbeat load each terminal gathered a dead row and index entry per second
// until autovacuum came, and the heartbeat batch's read of its terminals' rule state walked past them.
// Only pages written after this take the setting (no table rewrite); the tables are one row a terminal.
// SQLite has no such setting.
import { sql, SqliteAdapter, type Kysely } from 'kysely';

const TABLES = ['diagnostic_state', 'terminal_locations'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  for (const table of TABLES) await sql`ALTER TABLE ${sql.table(table)} SET (fillfactor = 50)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  for (const table of TABLES) await sql`ALTER TABLE ${sql.table(table)} RESET (fillfactor)`.execute(db);
}
