// Test helper: tells tests which PostgreSQL server (if any) the global setup made available.
import { inject } from 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    databaseUrlPg: string | undefined;
  }
}

/** URL of the shared PostgreSQL test server, or undefined in sqlite-only mode. */
export function postgresUrl(): string | undefined {
  return process.env.DATABASE_URL_PG || inject('databaseUrlPg') || undefined;
}
