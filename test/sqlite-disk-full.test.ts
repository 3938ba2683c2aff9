// The disk under the SQLite database fills up: heartbeats and changes are refused with 503 and
// Retry-After (not 500), the log names the cause once, nothing acknowledged is lost, and the server
// takes writes again by itself when space returns.
//
// The disk really fills. As root (CI, on Debian) the database lives on a 16 MiB tmpfs that a filler file
// fills to the last byte: SQLite's writes to its WAL fail with ENOSPC. Without root (no mount), the
// same SQLITE_FULL path is reached with `PRAGMA max_page_count` pinned to the database's current size.
// Either way the test sends heartbeats until one is refused (bounded), so it does not depend on where
// in the WAL the space runs out; then it frees the space.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { createServices, type Services } from '../src/services.ts';
import { ADMIN_TOKEN, buildEstate, buildTerminal, enrolTerminal, heartbeatReport, type TestApp } from './support/app.ts';

/** A tmpfs mounted for the test, or undefined when this process may not mount one. */
function mountTmpfs(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes zeros until the volume has no byte left. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        return fillRest(fd);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function fillRest(fd: number): void {
  for (let size = 8 * 1024; size >= 1; size = Math.floor(size / 2)) {
    try { for (;;) writeSync(fd, Buffer.alloc(size)); } catch (error) { if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error; }
  }
}

describe('SQLite with a full disk', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'posfleet-disk-full-')), 'volume');
  mkdirSync(dir);
  const onTmpfs = mountTmpfs(dir);
  const filler = join(dir, 'filler');
  const logs: string[] = [];
  let services: Services;
  let t: Pick<TestApp, 'services' | 'api' | 'device'>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    services = await createServices(loadConfig({ DATABASE_URL: join(dir, 'posfleet.db'), POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN }));
    await services.access.bootstrap(ADMIN_TOKEN);
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } }));
    const app = await buildApp(services, { loggerInstance: logger });
    await app.ready();
    t = {
      services,
      api: (method, url, body) => app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(body !== undefined && { payload: body as object }) }),
      device: (url, credential, body) => app.inject({ method: 'POST', url, headers: credential ? { authorization: `Bearer ${credential}` } : {}, payload: body as object }),
    };
    close = async () => { await app.close(); await services.db.close(); };
  });
  afterAll(async () => {
    await close?.();
    if (onTmpfs) execFileSync('umount', ['--lazy', dir]);
  });

  it('refuses heartbeats and changes with 503, loses nothing acknowledged, and recovers when space returns', async () => {
    const estate = await buildEstate(t as TestApp);
    const terminal = await buildTerminal(t as TestApp, estate);
    const { credential } = await enrolTerminal(t as TestApp, terminal.serialNumber);

    if (onTmpfs) fill(filler);
    else {
      const { sql } = await import('kysely');
      const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(services.db.kysely);
      await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(services.db.kysely);
    }

    const acknowledged: number[] = [];
    let refused: Awaited<ReturnType<TestApp['device']>> | undefined;
    // Heartbeats with a large report, so the space runs out within a bounded number of them.
    const big = { diagnostics: 'x'.repeat(60_000) };
    for (let seq = 1; seq <= 2_000 && !refused; seq++) {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq, big));
      if (res.statusCode === 200) acknowledged.push(seq);
      else refused = res;
    }
    expect(refused, 'a heartbeat refused once the disk is full').toBeDefined();
    expect(refused!.statusCode).toBe(503);
    expect(refused!.headers['retry-after']).toBe('30');
    expect(refused!.json().error).toMatchObject({ code: 'storage_full' });
    expect(refused!.json().error.message).toContain('disk is full');

    // A change is refused the same way (under max_page_count a small row may still fit a page with room
    // left, hence the bounded loop), and the log names the cause once.
    let change: Awaited<ReturnType<TestApp['api']>> | undefined;
    for (let i = 0; i < 500 && (!change || change.statusCode === 201); i++) {
      change = await t.api('POST', '/api/v1/merchants', { name: `Full disk merchant ${i}`, timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    }
    expect(change!.statusCode).toBe(503);
    expect(change!.json().error.code).toBe('storage_full');
    const fullLines = logs.filter((line) => line.includes('database disk full'));
    expect(fullLines).toHaveLength(1);
    expect(logs.join('')).not.toContain('cannot rollback');

    // Space returns: the refused heartbeat is sent again and taken, with no restart.
    if (onTmpfs) rmSync(filler);
    else {
      const { sql } = await import('kysely');
      await sql.raw('pragma max_page_count = 1073741823').execute(services.db.kysely);
    }
    const next = acknowledged.length + 1;
    const retried = await t.device('/device/v1/heartbeat', credential, heartbeatReport(next, big));
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ seq: next, duplicate: false });
    expect((await t.api('POST', '/api/v1/merchants', { name: 'After the disk was full', timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).statusCode).toBe(201);

    const history = (await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats?limit=500`)).json();
    expect(history.items.map((h: { seq: number }) => h.seq).sort((a: number, b: number) => a - b)).toEqual([...acknowledged, next]);
  });
});
