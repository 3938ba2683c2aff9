// The database matrix: every storage test runs on a fresh SQLite file and, when a PostgreSQL server is
// available (the global setup starts one), on a fresh PostgreSQL database too.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUrl } from './env.ts';
import { createFreshPostgresDatabase } from './postgres.ts';

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  /** A URL of a new, empty database. */
  fresh(): Promise<string>;
}

export function databases(): DatabaseKind[] {
  const kinds: DatabaseKind[] = [{ name: 'sqlite', fresh: async () => join(mkdtempSync(join(tmpdir(), 'posfleet-')), 'test.db') }];
  const pg = postgresUrl();
  if (pg) kinds.push({ name: 'postgres', fresh: () => createFreshPostgresDatabase(pg) });
  return kinds;
}
