import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import type { HeartbeatRow } from './sqlite-heartbeat-thread.ts';

let db: Db | undefined;
let dir: string | undefined;
afterEach(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function withTerminal() {
  dir = mkdtempSync(join(tmpdir(), 'posfleet-thread-'));
  db = openDatabase(join(dir, 'test.db'));
  await migrateToLatest(db);
  const now = new Date().toISOString();
  await db.kysely.insertInto('terminal_models').values({ id: 'm1', code: 'A920', vendor: 'PAX', model: 'A920', components: '{}', created_at: now, updated_at: now }).execute();
  await db.kysely.insertInto('terminals').values({
    id: 't1', serial_number: 'S1', model_id: 'm1', site_id: null, status: 'in_stock', app_version: '1.0', firmware_version: 'fw-1',
    components: '{}', network_type: null, created_at: now, updated_at: now, deleted_at: null,
  }).execute();
  return db;
}

const row = (seq: number, app = '1.0'): HeartbeatRow => ['t1', seq, `2026-12-07T00:00:0${seq}.000Z`, `2026-12-07T00:00:0${seq}.000Z`, JSON.stringify({ seq }), app, 'fw-1', 1];

describe('the SQLite heartbeat writer thread', () => {
  it('answers only once the rows are committed, readable by another connection, and a retried seq is not stored twice', async () => {
    const db = await withTerminal();
    expect(await db.heartbeatThread!.write([row(1), row(2)])).toMatchObject({ stored: [0, 1] });
    expect(await db.heartbeatThread!.write([row(2), row(3)])).toMatchObject({ stored: [1] });
    const seqs = await db.kysely.selectFrom('heartbeats').select('seq').orderBy('seq').execute();
    expect(seqs.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
  });

  it('keeps the newest heartbeat as the latest state when an older one arrives late', async () => {
    const db = await withTerminal();
    await db.heartbeatThread!.write([row(5)]);
    await db.heartbeatThread!.write([row(4)]);
    expect(await db.kysely.selectFrom('terminal_health').select(['seq', 'report']).executeTakeFirstOrThrow()).toEqual({ seq: 5, report: '{"seq":5}' });
  });

  it('records a changed version on the terminal and in its version history, in the batch', async () => {
    const db = await withTerminal();
    expect(await db.heartbeatThread!.write([row(1, '1.1')])).toMatchObject({ versioned: [0] });
    expect(await db.kysely.selectFrom('terminals').select(['app_version', 'firmware_version']).executeTakeFirstOrThrow()).toEqual({ app_version: '1.1', firmware_version: 'fw-1' });
    expect(await db.kysely.selectFrom('version_changes').select(['kind', 'from_version', 'to_version']).execute()).toEqual([{ kind: 'application', from_version: '1.0', to_version: '1.1' }]);
  });

  it('refuses a batch it cannot write with the database error, and writes the next one', async () => {
    const db = await withTerminal();
    const unknownTerminal: HeartbeatRow = ['nope', 1, '2026-12-07T00:00:01.000Z', '2026-12-07T00:00:01.000Z', '{}', '1.0', 'fw-1', 0];
    await expect(db.heartbeatThread!.write([unknownTerminal])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(await db.kysely.selectFrom('heartbeats').select('seq').execute()).toEqual([]);
    expect(await db.heartbeatThread!.write([row(1)])).toMatchObject({ stored: [0] });
  });
});
