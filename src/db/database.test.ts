import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isDiskFull, openDatabase } from './database.ts';

describe('a PostgreSQL server that does not answer', () => {
  it('fails a query as "database unavailable" after the connect timeout instead of hanging', async () => {
    // Accepts connections and never says a word, like a host behind a dropped route.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const db = openDatabase(`postgres://posfleet@127.0.0.1:${port}/posfleet`, { connectTimeoutMs: 300 });
    try {
      const error = await db.kysely.selectFrom('jobs').select('id').execute().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await db.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable or restarting database from a failed statement', () => {
    const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    expect(isDatabaseUnavailable(err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(err('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isDatabaseUnavailable(err('the database system is starting up', '57P03'))).toBe(true);
    expect(isDatabaseUnavailable(err('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([err('a', 'ECONNREFUSED'), err('b', 'ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(err('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(isDatabaseUnavailable(err('SQLITE_ERROR: too many SQL variables', 'SQLITE_ERROR'))).toBe(false);
    // A full disk: jobs pause and retry as for an outage; requests get their own 503 (storage_full).
    expect(isDiskFull(err('database or disk is full', 'SQLITE_FULL'))).toBe(true);
    expect(isDiskFull(err('could not extend file: No space left on device', '53100'))).toBe(true);
    expect(isDatabaseUnavailable(err('database or disk is full', 'SQLITE_FULL'))).toBe(true);
    expect(isDiskFull(err('SQLITE_ERROR: too many SQL variables', 'SQLITE_ERROR'))).toBe(false);
    // A webhook's refused connection is wrapped by fetch: not the database's.
    expect(isDatabaseUnavailable(Object.assign(new TypeError('fetch failed'), { cause: err('connect ECONNREFUSED', 'ECONNREFUSED') }))).toBe(false);
  });
});
