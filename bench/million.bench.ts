// `npx tsx bench/million.bench.ts`: server memory with a large fleet. BENCH_MILLION_TERMINALS (1000000) terminals are
// enrolled by writing their records and credentials straight into the SQLite file in batches (enrolling a million one
// by one over HTTP takes hours), then every one of them sends a heartbeat over HTTP (node:http, keep-alive,
// BENCH_MILLION_CONCURRENCY (64) requests in flight; not the SDK, which is too heavy per terminal) to the server as
// `npm start` ships it. Reported: heartbeats answered and stored, and the server's resident memory (now and at its peak).
// BENCH_MILLION_KEEP=1 keeps the database file (its path is printed); BENCH_MILLION_DATABASE=FILE starts the server on such
// a file instead of enrolling (a server starting with the whole fleet enrolled), and every terminal heartbeats again.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { hashSecret } from '../src/shared/secrets.ts';
import { heartbeatReport } from '../test/support/app.ts';

const REUSED = process.env.BENCH_MILLION_DATABASE;
const KEEP = process.env.BENCH_MILLION_KEEP === '1' || !!REUSED;
const CONCURRENCY = Number(process.env.BENCH_MILLION_CONCURRENCY ?? 64);
/** Heartbeats stop being sent after this many seconds (the figures then say how many terminals were heard from). */
const HEARTBEAT_SECONDS = Number(process.env.BENCH_MILLION_SECONDS ?? Infinity);
const ADMIN = 'bench-admin-token';
const dir = mkdtempSync(join(tmpdir(), 'posfleet-million-'));
const file = REUSED ?? join(dir, 'posfleet.db');
/** Heartbeats and terminals in the file before this run (a reused file holds the earlier run's). */
const already = (() => {
  if (!REUSED) return { heartbeats: 0, terminals: 0, seq: 0 };
  const db = new SQLite(REUSED, { readonly: true });
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
  const found = { heartbeats: count('SELECT count(*) AS n FROM heartbeats'), terminals: count("SELECT count(*) AS n FROM terminals WHERE serial_number LIKE 'BENCH-%'"), seq: count('SELECT max(seq) AS n FROM heartbeats') };
  db.close();
  return found;
})();
const TERMINALS = REUSED ? already.terminals : Number(process.env.BENCH_MILLION_TERMINALS ?? 1_000_000);

const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('server-process.ts', import.meta.url)), 'posfleet'], {
  env: { ...process.env, DATABASE_URL: file, POSFLEET_ADMIN_TOKEN: ADMIN, BENCH_CACHE_SIZES: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
});
const lines: string[] = [];
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
await new Promise<void>((resolve, reject) => {
  createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).on('line', (line) => lines.push(line) && resolve());
  void exited.then(() => reject(new Error('the server exited before listening')));
});
const url = (JSON.parse(lines[0]!) as { url: string }).url;
/** The server's resident memory now (VmRSS) and at its peak so far (VmHWM), in MB, as the kernel counts it. */
function serverMemory(): { rssMb: number; peakMb: number } {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return { rssMb: NaN, peakMb: NaN };
  }
}
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(path: string, body: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, {
      method: 'POST', agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(body);
  });
}
const admin = async <T>(path: string, body: unknown) => {
  const { status, text } = await post(path, JSON.stringify(body), ADMIN);
  if (status >= 300) throw new Error(`POST ${path}: ${status} ${text}`);
  return JSON.parse(text) as T;
};

const credential = (i: number) => `pft_bench${i.toString(36).padStart(8, '0')}`;
try {
  const started = Date.now();
  if (!REUSED) {
    const model = await admin<{ id: string }>('/api/v1/terminal-models', {
      code: 'BENCH-A920', vendor: 'PAX', model: 'A920',
      components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await admin<{ id: string }>('/api/v1/merchants', { name: 'Bench Merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const sites: string[] = [];
    for (let s = 0; s < 100; s++) sites.push((await admin<{ id: string }>('/api/v1/sites', { merchantId: merchant.id, code: `BENCH-${s}`, name: `Bench Site ${s}` })).id);

    // The enrolment's rows, as DeviceService.enrol writes them, 10,000 per transaction (each waits its turn for the write lock).
    const db = new SQLite(file);
    db.pragma('busy_timeout = 10000');
    const components = (db.prepare('SELECT components FROM terminal_models WHERE id = ?').get(model.id) as { components: string }).components;
    const terminal = db.prepare(`INSERT INTO terminals (id, serial_number, model_id, site_id, status, app_version, firmware_version, components, network_type, created_at, updated_at, deleted_at)
      VALUES (?, ?, ?, ?, 'active', '3.2.0', 'fw-1', ?, NULL, ?, ?, NULL)`);
    const cred = db.prepare('INSERT INTO terminal_credentials (id, terminal_id, token_hash, created_at, revoked_at, enrolment_request_id) VALUES (?, ?, ?, ?, NULL, NULL)');
    const ids: string[] = new Array(TERMINALS);
    const enrol = db.transaction((from: number, to: number, now: string) => {
      for (let i = from; i < to; i++) {
        ids[i] = randomUUID();
        terminal.run(ids[i], `BENCH-${i}`, model.id, sites[i % sites.length], components, now, now);
        cred.run(randomUUID(), ids[i], hashSecret(credential(i)), now);
      }
    });
    for (let i = 0; i < TERMINALS; i += 10_000) {
      enrol(i, Math.min(TERMINALS, i + 10_000), new Date().toISOString());
      if ((i + 10_000) % 100_000 === 0) console.log(`  ${i + 10_000} enrolled, ${((Date.now() - started) / 1000).toFixed(0)} s, server RSS ${serverMemory().rssMb} MB`);
    }
    db.close();
  }
  console.log(`${REUSED ? 'found' : 'enrolled'} ${TERMINALS} terminals in ${((Date.now() - started) / 1000).toFixed(0)} s; server RSS ${serverMemory().rssMb} MB; load ${load()}`);

  // One heartbeat per terminal, CONCURRENCY at a time.
  const { seq: _seq, sentAt: _sentAt, ...report } = heartbeatReport(0);
  const rest = JSON.stringify(report).slice(1);
  let next = 0;
  let ok = 0;
  const failures = new Map<string, number>();
  const beatStarted = Date.now();
  let okBefore = 0;
  const progress = setInterval(() => {
    const { rssMb, peakMb } = serverMemory();
    console.log(`  ${ok} heartbeats answered, ${((Date.now() - beatStarted) / 1000).toFixed(0)} s, ${Math.round((ok - okBefore) / 30)}/s; server RSS ${rssMb} MB (peak ${peakMb}); load ${load()}`);
    okBefore = ok;
  }, 30_000);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < TERMINALS && Date.now() - beatStarted < HEARTBEAT_SECONDS * 1000) {
      const i = next++;
      const body = `{"seq":${already.seq + 1},"sentAt":"${new Date().toISOString()}",${rest}`;
      try {
        const { status } = await post('/device/v1/heartbeat', body, credential(i));
        if (status === 200) ok++;
        else failures.set(String(status), (failures.get(String(status)) ?? 0) + 1);
      } catch (error) {
        failures.set(String(error), (failures.get(String(error)) ?? 0) + 1);
      }
    }
  }));
  clearInterval(progress);
  const seconds = (Date.now() - beatStarted) / 1000;
  agent.destroy();
  // What the server holds once every terminal has been heard from (the writer has flushed its last batch by now).
  const afterRun = serverMemory();
  child.kill('SIGTERM');
  await exited;
  const server = JSON.parse(lines[1] ?? '{}') as {
    rssMb?: number; maxRssMb?: number; heapUsedMb?: number; heapTotalMb?: number; externalMb?: number; arrayBuffersMb?: number; caches?: Record<string, number>;
  };
  const check = new SQLite(file, { readonly: true });
  const stored = (check.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n - already.heartbeats;
  const latest = (check.prepare('SELECT count(*) AS n FROM terminal_health').get() as { n: number }).n;
  check.close();
  console.table([{
    terminals: TERMINALS, 'heartbeats 200': ok, stored, 'terminals with a latest state': latest,
    failures: JSON.stringify(Object.fromEntries(failures)), 'heartbeats/s': Math.round(ok / seconds),
    'server RSS at end MB': afterRun.rssMb, 'server peak RSS MB': Math.max(afterRun.peakMb, Math.round(server.maxRssMb ?? NaN)),
    'JS heap used MB': Math.round(server.heapUsedMb ?? NaN), 'JS heap total MB': Math.round(server.heapTotalMb ?? NaN),
    'external MB': Math.round(server.externalMb ?? NaN), load: load(),
  }]);
  console.log(`${new Date().toISOString()}; the server's largest in-memory collections (entries):`);
  console.table(Object.entries(server.caches ?? {}).sort(([, a], [, b]) => b - a).map(([collection, entries]) => ({ collection, entries })));
  process.exitCode = ok === TERMINALS && stored === ok ? 0 : 1;
} finally {
  if (child.exitCode === null) child.kill('SIGTERM');
  await exited;
  if (KEEP) console.log(`the database is kept: BENCH_MILLION_DATABASE=${file}`);
  else rmSync(dir, { recursive: true, force: true });
  if (REUSED) rmSync(dir, { recursive: true, force: true });
}
