// The CLI against databases, through the real `posfleet` process: only `migrate` (and `serve`) change a
// schema; every other command refuses a database that is empty or not up to date, and changes nothing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { createServices } from '../src/services.ts';
import { startTestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { posfleetEntry } from './support/cli.ts';

interface Run { code: number; stdout: string; stderr: string }

const posfleet = (databaseUrl: string, ...args: string[]): Promise<Run> =>
  promisify(execFile)(process.execPath, [posfleetEntry(), ...args, '--database-url', databaseUrl], { env: { ...process.env, DATABASE_URL: '', POSFLEET_ADMIN_TOKEN: '' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

async function tablesOf(databaseUrl: string): Promise<string[]> {
  const db = openDatabase(databaseUrl);
  try {
    const rows = db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db.kysely)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(db.kysely);
    return rows.rows.map((r) => r.name);
  } finally {
    await db.close();
  }
}

describe.each(databases())('the CLI on $name', (kind) => {
  it('refuses to work on a database without the PosFleet schema, changing nothing, until `migrate` made it', { timeout: 180_000 }, async () => {
    const url = await kind.fresh();
    const csv = join(mkdtempSync(join(tmpdir(), 'posfleet-cli-')), 'terminals.csv');
    writeFileSync(csv, 'serial_number,model_code,site_code\nSN-1,M-1,S-1\n');
    for (const args of [['audit', 'verify'], ['export'], ['token', 'create'], ['import', csv], ['maintenance', 'figures']]) {
      const run = await posfleet(url, ...args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toContain(kind.name === 'sqlite'
        ? `posfleet: no PosFleet database at ${url}: check --database-url (or DATABASE_URL), or create one with \`posfleet migrate\``
        : 'posfleet: this database has no PosFleet schema yet');
      expect(run.stdout).toBe('');
    }
    if (kind.name === 'sqlite') {
      expect(existsSync(url)).toBe(false); // not even created
      await openDatabase(url).close(); // an empty SQLite file: refused like an empty PostgreSQL database
      const run = await posfleet(url, 'audit', 'verify');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('posfleet: this database has no PosFleet schema yet');
    }
    expect(await tablesOf(url)).toEqual([]);
    expect((await posfleet(url, 'export')).stderr).toContain('run `posfleet migrate` (or start the server) first; nothing was changed');

    const migrated = await posfleet(url, 'migrate');
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('database schema up to date');
    expect(await tablesOf(url)).toContain('audit_log');
    const verified = await posfleet(url, 'audit', 'verify');
    expect(verified).toMatchObject({ code: 0, stdout: 'audit log intact: 0 entries verified\n' });
  });

  it('refuses a database an older PosFleet made, naming the first migration it lacks', { timeout: 120_000 }, async () => {
    const url = await kind.fresh();
    expect((await posfleet(url, 'migrate')).code).toBe(0);
    const db = openDatabase(url);
    const [last] = (await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db.kysely)).rows;
    await sql`delete from kysely_migration where name = ${last!.name}`.execute(db.kysely);
    await db.close();
    const run = await posfleet(url, 'export');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`this database was made by an older PosFleet (1 migration to run, from ${last!.name})`);
  });

  it('makes a token for the first admin, whoever that is, or for the account named by --email', { timeout: 180_000 }, async () => {
    const url = await kind.fresh();
    expect((await posfleet(url, 'migrate')).code).toBe(0);
    const none = await posfleet(url, 'token', 'create');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('this database has no enabled admin account; start the server once (it creates admin@posfleet.local), or give --email');

    // An installation whose first admin is not admin@posfleet.local.
    const setup = await createServices(loadConfig({ DATABASE_URL: url }));
    await setup.access.createUser({ email: 'it@limetea.cn', name: 'IT', role: 'admin', password: 'first admin 2026 ok' });
    await setup.access.createUser({ email: 'ops@limetea.cn', name: 'Ops', role: 'operator', password: 'an operator 2026 ok' });
    await setup.db.close();

    const forAdmin = await posfleet(url, 'token', 'create', '--name', 'backup script');
    expect(forAdmin.code, forAdmin.stderr).toBe(0);
    const forOps = await posfleet(url, 'token', 'create', '--email', 'OPS@limetea.cn');
    expect(forOps.code, forOps.stderr).toBe(0);
    const unknown = await posfleet(url, 'token', 'create', '--email', 'nobody@limetea.cn');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no enabled account has the e-mail nobody@limetea.cn');

    const t = await startTestApp(url);
    try {
      const me = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).json();
      expect(await me(forAdmin.stdout.trim())).toMatchObject({ name: 'IT', role: 'admin', via: 'token' });
      expect(await me(forOps.stdout.trim())).toMatchObject({ name: 'Ops', role: 'operator' });
      const tokens = (await t.services.access.listTokens((await t.services.access.tokenOwner('it@limetea.cn')).id));
      expect(tokens.map((k) => k.name)).toEqual(['backup script']);
    } finally {
      await t.close();
    }
  });
});
