// Opens the one database PosFleet stores everything in: embedded SQLite by default, PostgreSQL when
// DATABASE_URL is a postgres:// URL. Everything above this file speaks Kysely and does not care which.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { MAIN_THREAD, ThreadWriteLock } from './write-lock.ts';
import { isPostgresUrl } from './database-url.ts';
import { statementName } from './prepared.ts';

export type Dialect = 'sqlite' | 'postgres';

/** Where a repository's query runs: the database, or a transaction a service opened through a repository. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Whether queries through `db` go to PostgreSQL (a repository writes its array statements for it), not SQLite. */
export const onPostgres = (db: Kysely<Database>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** A SQLite file (not `:memory:`): its path and the lock its writing threads share (see write-lock.ts). */
  sqlite?: { file: string; synchronous: 'FULL' | 'NORMAL'; writeLock: SharedArrayBuffer };
  close(): Promise<void>;
}

// int8 (counts, sequence numbers) as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export { isPostgresUrl };

export interface OpenOptions {
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  poolSize?: number;
  /** How long a new PostgreSQL connection may take before the request fails as "database unavailable". */
  connectTimeoutMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * PostgreSQL: the heartbeat path's fixed statements (src/db/prepared.ts's `fixed`) are prepared once per
   * connection by name (default). Off for a pooler that does not keep them (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
  /** SQLite: the write lock shared with the thread that opened the file first (this one is another thread). */
  writeLock?: ThreadWriteLock;
}

/** Seconds a client is told to wait (Retry-After) when the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function openDatabase(url: string, options: OpenOptions = {}): Db {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000, keepAlive: true });
    // A restart or failover of PostgreSQL ends every connection, the idle ones too: unheard, that error
    // would end the process. The pool drops a broken client by itself; the next query opens a new one.
    const connectionLost = (error: Error) => options.log?.('database connection lost', { error: error.message });
    pool.on('error', connectionLost);
    pool.on('connect', (client) => {
      // A client taken out of the pool (between two statements of a transaction) hears it itself.
      client.on('error', connectionLost);
      if (options.preparedStatements !== false) prepareFixedStatements(client);
    });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  const synchronous = options.sqliteSynchronous ?? 'FULL';
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  cacheStatements(sqlite);
  // An in-memory database is one connection's own: no other thread can write it.
  const writeLock = file === ':memory:' ? undefined : options.writeLock ?? ThreadWriteLock.create(MAIN_THREAD);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialectKeepingCause(sqlite, writeLock) });
  return {
    kysely, dialect: 'sqlite', close: () => kysely.destroy(),
    ...(writeLock && { sqlite: { file, synchronous, writeLock: writeLock.buffer } }),
  };
}

/**
 * Kysely runs every query as `client.query(text, values)`: a fixed statement's text is sent with its name
 * instead, so `pg` parses it on this connection once and then only binds and executes it. A new
 * connection (after a restart of PostgreSQL) prepares it again by itself.
 */
function prepareFixedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' ? statementName(text) : undefined;
    return name ? query({ name, text, values: rest[0] }, ...rest.slice(1)) : query(text, ...rest);
  };
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL: the disk is full); Kysely's
 * ROLLBACK then fails with "cannot rollback - no transaction is active" and that error replaced the
 * real one. A rollback with no transaction open is skipped, so the caller sees why the write failed.
 *
 * With a write lock, a transaction holds it from BEGIN to its end, and a statement that writes outside
 * a transaction holds it while it runs; reads take no lock (WAL: they never wait for a writer).
 */
class SqliteDialectKeepingCause extends SqliteDialect {
  constructor(private readonly sqlite: SQLite.Database, private readonly lock: ThreadWriteLock | undefined) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    const { sqlite, lock } = this;
    const settled = () => { if (!sqlite.inTransaction) lock?.release(); };
    return new (class extends SqliteDriver {
      override async acquireConnection(): Promise<DatabaseConnection> {
        const connection = await super.acquireConnection();
        return lock ? lockingWrites(connection, sqlite, lock) : connection;
      }

      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        lock?.acquire();
        try {
          await super.beginTransaction(connection);
        } finally {
          settled();
        }
      }

      override async commitTransaction(connection: DatabaseConnection): Promise<void> {
        try {
          await super.commitTransaction(connection);
        } finally {
          settled();
        }
      }

      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        try {
          if (sqlite.inTransaction) await super.rollbackTransaction(connection);
        } finally {
          settled();
        }
      }
    })({ database: sqlite });
  }
}

/** The connection, with each statement that writes outside a transaction run under the write lock. */
function lockingWrites(connection: DatabaseConnection, sqlite: SQLite.Database, lock: ThreadWriteLock): DatabaseConnection {
  return {
    executeQuery: async (query) => {
      // prepare() is cached (below): asking whether a statement writes costs a map lookup.
      if (sqlite.inTransaction || sqlite.prepare(query.sql).readonly) return connection.executeQuery(query);
      lock.acquire();
      try {
        return await connection.executeQuery(query);
      } finally {
        lock.release();
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

/**
 * True when a write failed because the disk (or the database's size limit) is full: such a request is
 * answered 503 with Retry-After, nothing of it was written, and writes succeed again once space returns.
 */
export function isDiskFull(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code } = error as { code?: unknown };
  // SQLITE_FULL from SQLite; 53100 disk_full from PostgreSQL.
  return code === 'SQLITE_FULL' || code === '53100';
}

/** Prepared statements kept per SQL text, the most recently used ones (a bound, as IN lists vary in length). */
const STATEMENT_CACHE_SIZE = 500;
/**
 * And at most this much SQL text in all: a statement's native memory grows with its text (an IN list of
 * 30,000 ids: 90 KB of SQL, ~5 MB prepared), and each batch of a long IN list or multi-row insert has a
 * length of its own. With the count alone, the offline sweep over 300,000 silent terminals left 500 such
 * statements prepared: 4.5 GB resident outside the JS heap (bench/offline-sweep.bench.ts, 2026-12-08).
 */
const STATEMENT_CACHE_CHARS = 1_000_000;

/**
 * Kysely prepares every query it runs anew; preparing costs as much as running a small one. The same
 * SQL (with its placeholders) gets the statement prepared the first time, so the queries every
 * heartbeat batch runs are parsed by SQLite once.
 */
function cacheStatements(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite) as (...args: unknown[]) => SQLite.Statement;
  const cache = new Map<string, SQLite.Statement>();
  let chars = 0;
  sqlite.prepare = ((...args: unknown[]) => {
    const [sql] = args;
    // better-sqlite3's own calls (pragma, transactions) pass more arguments and may change the statement's mode.
    if (args.length !== 1 || typeof sql !== 'string') return prepare(...args);
    let statement = cache.get(sql);
    if (statement) cache.delete(sql);
    else {
      statement = prepare(sql);
      // One statement longer than the whole bound is used once and left to the collector.
      if (sql.length > STATEMENT_CACHE_CHARS) return statement;
      chars += sql.length;
      for (const oldest of cache.keys()) {
        if (cache.size < STATEMENT_CACHE_SIZE && chars <= STATEMENT_CACHE_CHARS) break;
        cache.delete(oldest);
        chars -= oldest.length;
      }
    }
    cache.set(sql, statement);
    return statement;
  }) as SQLite.Database['prepare'];
}

// PostgreSQL's SQLSTATE classes and codes that mean "not reachable now", not "this statement is wrong":
// 08 connection exception, 57P01-57P03 shutting down / restarting / starting up, 53300 too many connections.
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-3]|53300)$/;
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /^Connection terminated|^timeout exceeded when trying to connect|is not queryable/;

/**
 * True when an error says the database is away (stopped, restarting, unreachable) rather than that a
 * query failed: such a request is answered 503 with Retry-After, and background jobs pause. Only the
 * error itself is looked at, not its `cause`: a webhook's refused connection (fetch wraps it) is not
 * the database's.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // A full disk is not a wrong statement either: background jobs pause and retry their closing writes.
  if (isDiskFull(error)) return true;
  // Connecting to a name with several addresses fails with one error per address.
  return error instanceof AggregateError && error.errors.length > 0 && error.errors.every((inner) => isDatabaseUnavailable(inner));
}
