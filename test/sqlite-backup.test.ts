// `posfleet backup` takes a consistent copy of the SQLite database while the server runs under
// heartbeat load (a real server on loopback, terminals beating, operators changing things), and
// `posfleet restore` puts it back once the server is stopped (refused while it runs). The restored
// database's audit chain verifies, and it holds every heartbeat acknowledged before the backup began,
// each terminal's as an unbroken run of seqs that agrees with its latest state: one instant's snapshot.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/services.ts';
import { heartbeatReport } from './support/app.ts';
import { ADMIN_TOKEN, enrolmentSite, operatorApi, sleep, startTestServer, waitFor, type TestServer } from './support/server.ts';
import { posfleetEntry } from './support/cli.ts';

const TERMINALS = 6;
/** Generous: a request or command that takes this long has hung, whatever the machine's load. */
const HANG = 60_000;

interface Run { code: number; stdout: string; stderr: string }
const posfleet = (...args: string[]): Promise<Run> =>
  promisify(execFile)(process.execPath, [posfleetEntry(), ...args], { env: { ...process.env, DATABASE_URL: '', POSFLEET_ADMIN_TOKEN: '' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('SQLite backup and restore', () => {
  let server: TestServer | undefined;
  beforeAll(async () => { server = await startTestServer({ prefix: 'posfleet-backup' }); }, HANG);
  afterAll(async () => { await server?.close(); });

  it('backs up under heartbeat load, refuses to restore under a running server, and restores a database whose audit chain and heartbeats hold', async () => {
    const api = operatorApi(server!);
    const databaseFile = server!.databaseFile;
    const { code } = await enrolmentSite(api, 'BKP', TERMINALS, 'Backup');
    const post = (path: string, body: unknown, credential?: string) => fetch(server!.url + path, {
      method: 'POST', signal: AbortSignal.timeout(HANG),
      headers: { 'content-type': 'application/json', ...(credential && { authorization: `Bearer ${credential}` }) },
      body: JSON.stringify(body),
    });
    const terminals = await Promise.all(Array.from({ length: TERMINALS }, async (_, i) => {
      const enrolled = await post('/device/v1/enrol', { serialNumber: `BKP-${i}`, code });
      expect(enrolled.status).toBe(201);
      const { terminalId, credential } = await enrolled.json() as { terminalId: string; credential: string };
      return { terminalId, credential, acknowledged: 0 };
    }));

    // Terminals beat as fast as they are answered; an operator keeps making audited changes.
    let loading = true;
    const load = Promise.all([
      ...terminals.map(async (t) => {
        while (loading) {
          const answer = await post('/device/v1/heartbeat', heartbeatReport(t.acknowledged + 1), t.credential);
          expect(answer.status).toBe(200);
          t.acknowledged++;
        }
      }),
      (async () => {
        for (let i = 0; loading; i++) {
          await api('POST', '/api/v1/merchants', { name: `Merchant during backup ${i}`, timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
          await sleep(20); // pacing, not waiting for something
        }
      })(),
    ]);
    const failed = load.then(() => undefined, (error: unknown) => error);

    const backup = join(mkdtempSync(join(tmpdir(), 'posfleet-backup-file-')), 'posfleet-backup.db');
    let beforeBackup: number[] = [];
    let afterBackup: number[] = [];
    try {
      await waitFor(() => terminals.every((t) => t.acknowledged >= 20), HANG, 'heartbeats before the backup');
      beforeBackup = terminals.map((t) => t.acknowledged);
      const made = await posfleet('backup', backup, '--database-url', databaseFile);
      afterBackup = terminals.map((t) => t.acknowledged);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toContain(`written to ${backup}`);
      // The load went on through the backup and after it.
      await waitFor(() => terminals.every((t, i) => t.acknowledged >= afterBackup[i]! + 5), HANG, 'heartbeats after the backup');

      expect((await posfleet('backup', backup, '--database-url', databaseFile)).stderr).toContain('exists already');
      const refused = await posfleet('restore', backup, '--database-url', databaseFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is in use (a PosFleet server is running on it): stop the server, run the restore, then start the server again; nothing was changed');
    } finally {
      loading = false;
      expect(await failed).toBeUndefined();
    }
    await server!.close();
    server = undefined;

    const restored = await posfleet('restore', backup, '--database-url', databaseFile);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/the database it replaced is kept as .*\.replaced-/);

    const services = await createServices(loadConfig({ DATABASE_URL: databaseFile, POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN }), undefined, undefined, { schema: 'existing' });
    try {
      const audit = await services.audit.verify();
      expect(audit).toMatchObject({ ok: true });
      const rows = await services.db.kysely.selectFrom('heartbeats').select(['terminal_id', 'seq']).execute();
      const health = await services.db.kysely.selectFrom('terminal_health').select(['terminal_id', 'seq']).execute();
      terminals.forEach((t, i) => {
        const seqs = rows.filter((r) => r.terminal_id === t.terminalId).map((r) => Number(r.seq)).sort((a, b) => a - b);
        // Every heartbeat acknowledged before the backup began; none acknowledged after it ended.
        expect(seqs.length).toBeGreaterThanOrEqual(beforeBackup[i]!);
        expect(seqs.length).toBeLessThanOrEqual(afterBackup[i]! + 1);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
        expect(Number(health.find((h) => h.terminal_id === t.terminalId)?.seq)).toBe(seqs.length);
      });
    } finally {
      await services.db.close();
    }
  }, 240_000);
});

describe('backup and restore on PostgreSQL', () => {
  it('names the PostgreSQL procedure instead', async () => {
    const run = await posfleet('backup', join(tmpdir(), 'never-written.db'), '--database-url', 'postgres://posfleet@127.0.0.1:1/posfleet');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pg_dump');
    expect(run.stderr).toContain('WAL archiving');
    expect(existsSync(join(tmpdir(), 'never-written.db'))).toBe(false);
  });
});
