// Test harness: starts a throw-away PostgreSQL cluster on loopback and creates fresh databases in it.
import { execFile as execFileCb } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFile = promisify(execFileCb);
const PG_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'posfleet';

/** Finds the PostgreSQL bin dir (/usr/lib/postgresql/<version>/bin), preferring 15, else the newest. */
async function findPgBinDir(): Promise<string> {
  const versions = (await readdir(PG_ROOT).catch(() => [] as string[]))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  const chosen = versions.includes('15') ? '15' : versions[0];
  if (!chosen) throw new Error(`No PostgreSQL installation found under ${PG_ROOT}/*/bin (apt-get install postgresql)`);
  return join(PG_ROOT, chosen, 'bin');
}

/** Asks the OS for a free TCP port on loopback. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('Could not determine a free port'))));
    });
  });
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log file)');
  return text.split('\n').slice(-lines).join('\n');
}

export interface ThrowawayPostgres {
  url: string;
  /** Kills the cluster and removes its dir. */
  stop: () => Promise<void>;
  /** Shuts the server down as a failover or a minor upgrade does (`pg_ctl stop -m fast`): every connection ends. */
  shutDown: () => Promise<void>;
  /** Starts it again on the same port and data. */
  startAgain: () => Promise<void>;
}

/**
 * Starts a PostgreSQL cluster in a temp dir with a `posfleet` database; stop() kills it and removes the dir.
 * Tests run it with fsync off; `durable` keeps fsync on (benchmarks: a commit is a sync to disk, as in production).
 */
export async function startThrowawayPostgres(options: { durable?: boolean } = {}): Promise<ThrowawayPostgres> {
  const binDir = await findPgBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'posfleet-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'log');
  const isRoot = process.getuid?.() === 0;

  // initdb refuses to run as root, so as root we hand the dir to `postgres` and run the binaries via runuser.
  const run = (tool: string, args: string[]) =>
    isRoot
      ? execFile('runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args])
      : execFile(join(binDir, tool), args);
  if (isRoot) {
    const { stdout } = await execFile('id', ['-u', 'postgres']);
    const { stdout: gid } = await execFile('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }

  const stopCluster = async () => {
    await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  let port = 0;
  const start = () => run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${options.durable ? 'on' : 'off'} -c max_connections=200`, 'start']);
  try {
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '-E', 'UTF8', '--no-sync']);
    port = await freePort();
    await start();
    await run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, 'posfleet']);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const log = await tail(logFile);
    await stopCluster();
    throw new Error(`Failed to start throw-away PostgreSQL (${binDir}, port ${port}): ${detail}\n--- ${logFile} (tail) ---\n${log}`);
  }

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/posfleet`,
    stop: stopCluster,
    shutDown: async () => { await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']); },
    startAgain: async () => { await start(); },
  };
}

/** Creates a new, uniquely named database in the cluster of `baseUrl` and returns its URL. */
export async function createFreshPostgresDatabase(baseUrl: string, name?: string): Promise<string> {
  const dbName = name ?? `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
  if (!/^[a-z0-9_]{1,63}$/.test(dbName)) throw new Error(`Invalid database name: ${dbName}`);
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}
