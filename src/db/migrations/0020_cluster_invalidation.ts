// Several nodes on PostgreSQL: a change that ends what other nodes cache (a revoked terminal credential,
// a deleted terminal, a revoked API token, a disabled or re-roled account, a model's fault-rule
// thresholds) tells every node at once, on
// the `posfleet_invalidate` channel (LISTEN/NOTIFY, sent when the transaction commits). Triggers, not
// application code, so that every path (an API call, the CLI on another machine) is covered. SQLite is
// one process: nothing to tell.
import { SqliteAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`CREATE FUNCTION posfleet_notify_credential() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('posfleet_invalidate', 'terminal:' || NEW.terminal_id); RETURN NULL; END $$`.execute(db);
  await sql`CREATE FUNCTION posfleet_notify_terminal() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('posfleet_invalidate', 'terminal:' || NEW.id); RETURN NULL; END $$`.execute(db);
  await sql`CREATE FUNCTION posfleet_notify_thresholds() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('posfleet_invalidate', 'model:' || COALESCE(NEW.model_id, OLD.model_id)); RETURN NULL; END $$`.execute(db);
  await sql`CREATE FUNCTION posfleet_notify_access() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('posfleet_invalidate', 'access'); RETURN NULL; END $$`.execute(db);
  // Only the updates that end something: heartbeats update terminals all the time and must not pay for this.
  await sql`CREATE TRIGGER terminal_credentials_revoked AFTER UPDATE OF revoked_at ON terminal_credentials FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION posfleet_notify_credential()`.execute(db);
  await sql`CREATE TRIGGER terminals_deleted AFTER UPDATE OF deleted_at ON terminals FOR EACH ROW
    WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION posfleet_notify_terminal()`.execute(db);
  await sql`CREATE TRIGGER api_tokens_changed AFTER UPDATE OR DELETE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION posfleet_notify_access()`.execute(db);
  await sql`CREATE TRIGGER diagnostic_thresholds_changed AFTER INSERT OR UPDATE OR DELETE ON diagnostic_thresholds FOR EACH ROW
    EXECUTE FUNCTION posfleet_notify_thresholds()`.execute(db);
  await sql`CREATE TRIGGER users_access_changed AFTER UPDATE OF disabled_at, role, merchant_id OR DELETE ON users FOR EACH STATEMENT
    EXECUTE FUNCTION posfleet_notify_access()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`DROP TRIGGER users_access_changed ON users`.execute(db);
  await sql`DROP TRIGGER diagnostic_thresholds_changed ON diagnostic_thresholds`.execute(db);
  await sql`DROP TRIGGER api_tokens_changed ON api_tokens`.execute(db);
  await sql`DROP TRIGGER terminals_deleted ON terminals`.execute(db);
  await sql`DROP TRIGGER terminal_credentials_revoked ON terminal_credentials`.execute(db);
  await sql`DROP FUNCTION posfleet_notify_access()`.execute(db);
  await sql`DROP FUNCTION posfleet_notify_thresholds()`.execute(db);
  await sql`DROP FUNCTION posfleet_notify_terminal()`.execute(db);
  await sql`DROP FUNCTION posfleet_notify_credential()`.execute(db);
}
