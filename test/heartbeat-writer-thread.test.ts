// On a SQLite file, heartbeat batches are written and synced by a thread of their own while the event
// loop writes everything else. The server is killed with SIGKILL while terminals heartbeat and an
// operator makes changes: every acknowledged heartbeat is in the file afterwards, and no request failed
// because the two writers met on the file.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { heartbeatReport } from './support/app.ts';
import { ADMIN_TOKEN, freePort, operatorApi, poll, waitFor } from './support/server.ts';

const HANG = 30_000;
/** A fresh server migrates its database first: on a loaded machine that took 40 s. */
const START = 150_000;

describe('the SQLite heartbeat writer thread', () => {
  it('keeps every acknowledged heartbeat through SIGKILL, with operator changes written alongside', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'posfleet-writer-thread-')), 'posfleet.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawn(process.execPath, ['bin/posfleet.mjs', 'serve'], {
      env: { ...process.env, DATABASE_URL: file, PORT: String(port), POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    try {
      await poll(() => fetch(`${url}/health`).then((r) => (r.ok ? true : undefined), () => undefined), START, 'the server listening');
      const api = operatorApi({ url });
      const model = await api('POST', '/api/v1/terminal-models', {
        code: 'THREAD-A920', vendor: 'PAX', model: 'A920',
        components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
      });
      const merchant = await api('POST', '/api/v1/merchants', { name: 'Thread Merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
      const site = await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'THREAD-1', name: 'Thread Site' });
      const { code } = await api('POST', '/api/v1/enrolment-codes', { modelId: model.id, siteId: site.id, uses: 20 });
      const terminals = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${url}/device/v1/enrol`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber: `THREAD-${i}`, code }),
        });
        const { terminalId, credential } = (await res.json()) as { terminalId: string; credential: string };
        return { terminalId, credential, acknowledged: [] as number[] };
      }));

      const failures: string[] = [];
      let running = true;
      let changes = 0;
      const heartbeating = terminals.map(async (t) => {
        for (let seq = 1; running; seq++) {
          const res = await fetch(`${url}/device/v1/heartbeat`, {
            method: 'POST', headers: { authorization: `Bearer ${t.credential}`, 'content-type': 'application/json' },
            body: JSON.stringify(heartbeatReport(seq)),
          }).catch(() => undefined); // cut off by the kill: not acknowledged
          if (!res) return;
          if (res.status === 200) t.acknowledged.push(seq);
          else if (running) failures.push(`heartbeat ${res.status} ${await res.text()}`);
        }
      });
      // Changes written by the event loop's connection while the thread writes batches.
      const operating = (async () => {
        for (let i = 0; running; i++) {
          const res = await fetch(`${url}/api/v1/merchants`, {
            method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `Merchant ${i}`, timeZone: 'Asia/Shanghai', locale: 'zh-CN' }),
          }).catch(() => undefined);
          if (!res) return;
          if (res.status === 201) changes++;
          else if (running) failures.push(`change ${res.status} ${await res.text()}`);
        }
      })();

      await waitFor(() => terminals.every((t) => t.acknowledged.length >= 5) && changes >= 5, HANG, 'heartbeats and changes under way');
      server.kill('SIGKILL');
      await exited;
      running = false;
      await Promise.all([...heartbeating, operating]);
      expect(failures).toEqual([]);

      const db = new SQLite(file, { readonly: true });
      try {
        const stored = new Set((db.prepare('SELECT terminal_id, seq FROM heartbeats').all() as { terminal_id: string; seq: number }[])
          .map((r) => `${r.terminal_id} ${r.seq}`));
        const lost = terminals.flatMap((t) => t.acknowledged.map((seq) => `${t.terminalId} ${seq}`).filter((key) => !stored.has(key)));
        expect(lost).toEqual([]);
        // The latest state is the newest acknowledged heartbeat, or one stored just before the kill cut its answer off.
        const latest = new Map((db.prepare('SELECT terminal_id, seq FROM terminal_health').all() as { terminal_id: string; seq: number }[])
          .map((r) => [r.terminal_id, r.seq]));
        for (const t of terminals) expect(latest.get(t.terminalId)).toBeGreaterThanOrEqual(Math.max(...t.acknowledged));
      } finally {
        db.close();
      }
    } finally {
      server.kill('SIGKILL');
      await exited;
    }
  }, 300_000);
});
