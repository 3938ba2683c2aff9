// Placement changes (0045): each node's configuration cache knows where every terminal is (merchant, site,
// model, tags). Instead of re-reading the whole estate every minute to notice what moved, every change of
// a terminal's place is written by a trigger into `placement_changes` (a terminal created, moved to
// another site or model, retired or deleted, its tags changed; a site given to another merchant), and
// each node reads only the rows after the last one it saw. Triggers, not application code, so that every
// writer is covered (the estate API, enrolment, a spare swap, the CSV import, the CLI, another node), on
// SQLite and PostgreSQL alike. Heartbeats update other columns and do not fire them.
import { SqliteAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema.createTable('placement_changes')
    .addColumn('seq', sqlite ? 'integer' : 'bigint', (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('terminal_id', 'text') // the terminal whose place changed, or null for a whole site
    .addColumn('site_id', 'text') // a site given to another merchant: all its terminals
    .addColumn('changed_at', 'bigint', (c) => c.notNull()) // the database's clock, ms since 1970: pruning needs no node's clock
    .execute();
  await db.schema.createIndex('placement_changes_changed_at').on('placement_changes').column('changed_at').execute();
  if (sqlite) {
    const now = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
    const log = (who: string) => sql.raw(`INSERT INTO placement_changes (terminal_id, site_id, changed_at) VALUES (${who}, ${now})`);
    await sql`CREATE TRIGGER terminals_placed AFTER INSERT ON terminals BEGIN ${log('NEW.id, NULL')}; END`.execute(db);
    await sql`CREATE TRIGGER terminals_moved AFTER UPDATE OF site_id, model_id, deleted_at ON terminals
      WHEN OLD.site_id IS NOT NEW.site_id OR OLD.model_id IS NOT NEW.model_id OR OLD.deleted_at IS NOT NEW.deleted_at BEGIN ${log('NEW.id, NULL')}; END`.execute(db);
    await sql`CREATE TRIGGER terminals_removed AFTER DELETE ON terminals BEGIN ${log('OLD.id, NULL')}; END`.execute(db);
    await sql`CREATE TRIGGER terminal_tags_added AFTER INSERT ON terminal_tags BEGIN ${log('NEW.terminal_id, NULL')}; END`.execute(db);
    await sql`CREATE TRIGGER terminal_tags_removed AFTER DELETE ON terminal_tags BEGIN ${log('OLD.terminal_id, NULL')}; END`.execute(db);
    await sql`CREATE TRIGGER sites_merchant_changed AFTER UPDATE OF merchant_id ON sites
      WHEN OLD.merchant_id IS NOT NEW.merchant_id BEGIN ${log('NULL, NEW.id')}; END`.execute(db);
    return;
  }
  const now = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
  await sql.raw(`CREATE FUNCTION posfleet_terminal_placed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO placement_changes (terminal_id, site_id, changed_at) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, NULL, ${now}); RETURN NULL; END $$`).execute(db);
  await sql.raw(`CREATE FUNCTION posfleet_terminal_tagged() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO placement_changes (terminal_id, site_id, changed_at) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.terminal_id ELSE NEW.terminal_id END, NULL, ${now}); RETURN NULL; END $$`).execute(db);
  await sql.raw(`CREATE FUNCTION posfleet_site_placed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO placement_changes (terminal_id, site_id, changed_at) VALUES (NULL, NEW.id, ${now}); RETURN NULL; END $$`).execute(db);
  await sql`CREATE TRIGGER terminals_placed AFTER INSERT OR DELETE ON terminals FOR EACH ROW EXECUTE FUNCTION posfleet_terminal_placed()`.execute(db);
  await sql`CREATE TRIGGER terminals_moved AFTER UPDATE OF site_id, model_id, deleted_at ON terminals FOR EACH ROW
    WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.model_id IS DISTINCT FROM NEW.model_id OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION posfleet_terminal_placed()`.execute(db);
  await sql`CREATE TRIGGER terminal_tags_changed AFTER INSERT OR DELETE ON terminal_tags FOR EACH ROW EXECUTE FUNCTION posfleet_terminal_tagged()`.execute(db);
  await sql`CREATE TRIGGER sites_merchant_changed AFTER UPDATE OF merchant_id ON sites FOR EACH ROW
    WHEN (OLD.merchant_id IS DISTINCT FROM NEW.merchant_id) EXECUTE FUNCTION posfleet_site_placed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  if (sqlite) {
    for (const name of ['terminals_placed', 'terminals_moved', 'terminals_removed', 'terminal_tags_added', 'terminal_tags_removed', 'sites_merchant_changed']) await sql.raw(`DROP TRIGGER ${name}`).execute(db);
  } else {
    await sql`DROP TRIGGER sites_merchant_changed ON sites`.execute(db);
    await sql`DROP TRIGGER terminal_tags_changed ON terminal_tags`.execute(db);
    await sql`DROP TRIGGER terminals_moved ON terminals`.execute(db);
    await sql`DROP TRIGGER terminals_placed ON terminals`.execute(db);
    await sql`DROP FUNCTION posfleet_site_placed()`.execute(db);
    await sql`DROP FUNCTION posfleet_terminal_tagged()`.execute(db);
    await sql`DROP FUNCTION posfleet_terminal_placed()`.execute(db);
  }
  await db.schema.dropTable('placement_changes').execute();
}
