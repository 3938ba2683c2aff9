// Vitest global setup: provides a PostgreSQL server URL (DATABASE_URL_PG or a throw-away cluster) to all test workers.
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from './support/postgres.ts';
import './support/env.ts'; // ProvidedContext typing for 'databaseUrlPg'

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  let url = process.env.DATABASE_URL_PG || undefined;
  let stop: (() => Promise<void>) | undefined;
  if (!url && process.env.POSFLEET_TEST_DATABASES?.trim() !== 'sqlite') {
    const pg = await startThrowawayPostgres();
    url = pg.url;
    stop = pg.stop;
  }
  // Both channels: env for anything that reads process.env, provide/inject as the documented Vitest route.
  if (url) process.env.DATABASE_URL_PG = url;
  project.provide('databaseUrlPg', url);
  return stop;
}
