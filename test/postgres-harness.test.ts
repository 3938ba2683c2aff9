// Smoke test for the PostgreSQL test harness (global setup cluster + fresh per-file databases).
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresUrl } from './support/env.ts';
import { createFreshPostgresDatabase } from './support/postgres.ts';

const baseUrl = postgresUrl();

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!baseUrl)('postgres harness', () => {
  it('connects to the shared server', async () => {
    const { rows } = await withClient(baseUrl!, (c) => c.query<{ version: string }>('select version()'));
    expect(rows[0]?.version).toMatch(/PostgreSQL/);
  });

  it('creates a fresh database that accepts DDL', async () => {
    const url = await createFreshPostgresDatabase(baseUrl!);
    expect(url).not.toBe(baseUrl);
    await withClient(url, async (c) => {
      await c.query('CREATE TABLE probe (id integer PRIMARY KEY)');
      await c.query('INSERT INTO probe VALUES (1)');
      const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM probe');
      expect(rows[0]?.n).toBe(1);
    });
  });
});
