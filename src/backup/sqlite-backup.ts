// Online backup and restore of PosFleet's SQLite database (the `posfleet backup` and `restore`
// commands). A backup is SQLite's online backup API (through better-sqlite3) run in one step, so it is
// a snapshot of one instant, taken under a read transaction: in WAL mode the server keeps writing
// meanwhile and waits for nothing. PostgreSQL has its own tools (README, "Backups").
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';

export class BackupError extends Error {}

export interface BackupResult {
  file: string;
  pages: number;
  bytes: number;
}

/** Pages per backup step: all of them, so the copy is one snapshot and never restarts under writes. */
const ALL_PAGES = 2 ** 31 - 1;

/** Writes a consistent copy of the database at `source` to `target` (a new file), while a server may run on it. */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (existsSync(target)) throw new BackupError(`${target} exists already: give a new file name (a backup never overwrites)`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  const copy = new SQLite(partial);
  let pages: number;
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the backup failed its integrity check: ${String(check)}`);
    // One self-contained file: no -wal or -shm beside it to lose when it is copied elsewhere.
    copy.pragma('journal_mode = DELETE');
    pages = Number(copy.pragma('page_count', { simple: true }));
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  return { file: target, pages, bytes: statSync(target).size };
}

export interface RestoreResult {
  /** Where the database that was replaced is kept (none when there was none). */
  replacedKeptAt: string | undefined;
}

/**
 * Puts a backup back as the database at `target`. Refused while any process (a running server) has
 * the database open: leaving WAL mode needs sole access, so SQLite itself tells. The database it replaces
 * is kept beside it.
 */
export function restoreSqlite(backup: string, target: string, now: Date = new Date()): RestoreResult {
  if (!existsSync(backup)) throw new BackupError(`no backup at ${backup}`);
  const check = new SQLite(backup, { readonly: true, fileMustExist: true });
  try {
    const result = check.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new BackupError(`${backup} is not a sound database (${String(result)}): nothing was changed`);
    const tables = check.prepare(`select count(*) as n from sqlite_master where type = 'table' and name in ('heartbeats', 'audit_log', 'kysely_migration')`).get() as { n: number };
    if (tables.n < 3) throw new BackupError(`${backup} is not a PosFleet database: nothing was changed`);
  } finally {
    check.close();
  }
  let replacedKeptAt: string | undefined;
  if (existsSync(target)) {
    const current = new SQLite(target, { fileMustExist: true, timeout: 0 });
    try {
      current.pragma('journal_mode = DELETE');
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new BackupError(`${target} is in use (a PosFleet server is running on it): stop the server, run the restore, then start the server again; nothing was changed`);
      }
      throw error;
    } finally {
      current.close();
    }
    replacedKeptAt = `${target}.replaced-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, replacedKeptAt);
  }
  for (const leftover of ['-wal', '-shm', '-journal']) rmSync(`${target}${leftover}`, { force: true });
  const partial = `${target}.restoring`;
  copyFileSync(backup, partial);
  renameSync(partial, target);
  return { replacedKeptAt };
}
