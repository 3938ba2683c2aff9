// `npx tsx bench/downloads.bench.ts`: signed package downloads and hawkBit polls against one real PosFleet
// server (SQLite, its own process), each against a baseline measured in the same run.
//  1. Downloads: every enrolled terminal, offered the package by a one-wave campaign, downloads the whole
//     package at once with its own credential; the baseline is the same file served by a plain
//     node:http + fs.createReadStream server (its own process) at the same concurrency, measured before
//     and after. Every download's byte count is checked, and a sample's SHA-256; one download is cut off
//     and resumed with Range and If-Range, and must hash to the signed SHA-256.
//  2. Polls: requests/s of hawkBit DDI polls (GET /DEFAULT/controller/v1/<serial>) against heartbeats
//     (POST /device/v1/heartbeat) over the same terminals, both answering with the terminal's deployment.
// Figures only: nothing here fails on speed (the machine is shared and noisy); wrong bytes or failed
// requests make the exit code 1, since a broken server must not look fast.
// Env: BENCH_DOWNLOAD_TERMINALS (1000), BENCH_PACKAGE_MB (8), BENCH_DOWNLOAD_ROUNDS (1: downloads per terminal),
// BENCH_HASH_EVERY (25: every n-th download is hashed), BENCH_CONNECTIONS (50) and BENCH_SECONDS (5) for polls
// and heartbeats, BENCH_SYNC (FULL; or NORMAL). Bounded: sizes are capped and the whole run stops after 240 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request, type Result } from 'autocannon';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { heartbeatReport } from '../test/support/app.ts';
import { heartbeatRequests } from './support.ts';

/** A whole number from the environment, kept within [min, max] so every loop stays bounded. */
function envInt(name: string, fallback: number, min: number, max: number): number {
  const value = Math.round(Number(process.env[name] ?? fallback));
  return Number.isFinite(value) ? Math.max(min, Math.min(value, max)) : fallback;
}

const TERMINALS = envInt('BENCH_DOWNLOAD_TERMINALS', 1000, 1, 5000);
const PACKAGE_MB = envInt('BENCH_PACKAGE_MB', 8, 1, 64);
const ROUNDS = envInt('BENCH_DOWNLOAD_ROUNDS', 1, 1, 5);
const HASH_EVERY = envInt('BENCH_HASH_EVERY', 25, 1, 1_000_000);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50, 1, 1000);
const SECONDS = envInt('BENCH_SECONDS', 5, 1, 30);
// The heartbeat bench takes a list (FULL,NORMAL): this one runs its first.
const SYNC = process.env.BENCH_SYNC?.split(',')[0]?.trim().toUpperCase() === 'NORMAL' ? 'NORMAL' : 'FULL';
const ADMIN = 'bench-admin-token';
/** Terminals per site: planning allows one job at a time per site, so a site holds no more than its window fits. */
const PER_SITE = 40;
/** Connections being opened at once, well under the listen backlog (see openConnections). */
const CONNECTING = 128;
const REQUEST_TIMEOUT_MS = 60_000;
const DEADLINE_MS = 240_000;
const STATIC_MODE = 'static-file-server';
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- child processes

/** What a child reports when stopped: its CPU time since measure() (server-process.ts and the static server alike). */
interface ChildStats { cpuUs: number }
interface Server { url: string; measure(): void; stop(): Promise<ChildStats | undefined> }

const children = new Set<ChildProcess>();

/** Runs a server in its own node process, so the load generator has its own event loop (and core); it prints its URL first. */
async function startChild(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line) && resolve());
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening`)));
  });
  await listening;
  return {
    url: (JSON.parse(lines[0]!) as { url: string }).url,
    measure: () => child.kill('SIGUSR2'),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      return lines[1] ? (JSON.parse(lines[1]) as ChildStats) : undefined;
    },
  };
}

const startPosFleet = (dir: string) => startChild([fileURLToPath(new URL('server-process.ts', import.meta.url)), 'posfleet'], {
  HOST: '127.0.0.1', DATABASE_URL: join(dir, 'posfleet.db'), DATA_DIR: join(dir, 'data'), POSFLEET_ADMIN_TOKEN: ADMIN, SQLITE_SYNCHRONOUS: SYNC,
  ENROL_RATE_LIMIT_PER_MINUTE: '1000000', MAX_PACKAGE_MB: String(PACKAGE_MB + 1), DDI_TENANT: 'DEFAULT', PUBLIC_URL: '',
});
const startStatic = (file: string) => startChild([fileURLToPath(import.meta.url), STATIC_MODE, file]);

/**
 * The baseline: GET /package answers the file with node:http, an fs.stat (as any file server needs for
 * Content-Length) and fs.createReadStream, nothing else. Same child protocol as server-process.ts.
 */
async function serveStatic(file: string): Promise<void> {
  let cpuAtStart = process.cpuUsage();
  const server = createServer((req, res) => {
    if (req.url !== '/package') return res.writeHead(404).end();
    stat(file).then(({ size }) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      pipeline(createReadStream(file), res, () => {});
    }, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.on('SIGUSR2', () => (cpuAtStart = process.cpuUsage()));
  process.once('SIGTERM', () => {
    const cpu = process.cpuUsage(cpuAtStart);
    process.stdout.write(`${JSON.stringify({ cpuUs: cpu.user + cpu.system })}\n`);
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
}

// ---------------------------------------------------------------- setup through the API

async function call<T>(base: string, method: string, path: string, body?: unknown, authorization = `Bearer ${ADMIN}`): Promise<T> {
  const raw = Buffer.isBuffer(body);
  const res = await fetch(base + path, {
    method,
    headers: { ...(authorization && { authorization }), ...(body !== undefined && { 'content-type': raw ? 'application/octet-stream' : 'application/json' }) },
    ...(body !== undefined && { body: raw ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface Fleet { serials: string[]; credentials: string[]; packageId: string; size: number; sha256: string; file: string }

/**
 * An estate of TERMINALS enrolled terminals over sites of PER_SITE, each with one heartbeat (app 3.2.0);
 * a maintenance window open now; a publisher key; an 8 MiB signed package (app 3.3.0) with its content;
 * and a one-wave campaign that offers it to every terminal.
 */
async function buildFleet(base: string, dir: string): Promise<Fleet> {
  const post = <T>(path: string, body: unknown) => call<T>(base, 'POST', path, body);
  const model = await post<{ id: string }>('/api/v1/terminal-models', {
    code: 'BENCH-A920', vendor: 'PAX', model: 'A920',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
  });
  const merchant = await post<{ id: string }>('/api/v1/merchants', { name: 'Bench Merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
  const serials = Array.from({ length: TERMINALS }, (_, i) => `BENCH-DL-${String(i).padStart(5, '0')}`);
  const credentials: string[] = [];
  for (let s = 0; s * PER_SITE < TERMINALS; s++) {
    const site = await post<{ id: string }>('/api/v1/sites', { merchantId: merchant.id, code: `BENCH-${s}`, name: `Bench Site ${s}` });
    const ofSite = serials.slice(s * PER_SITE, (s + 1) * PER_SITE);
    const { code } = await post<{ code: string }>('/api/v1/enrolment-codes', { modelId: model.id, siteId: site.id, uses: ofSite.length });
    const enrolled = await Promise.all(ofSite.map((serialNumber) => call<{ credential: string }>(base, 'POST', '/device/v1/enrol', { serialNumber, code }, '')));
    credentials.push(...enrolled.map((e) => e.credential));
  }
  for (let i = 0; i < TERMINALS; i += 100) {
    await Promise.all(credentials.slice(i, i + 100).map((c) => call(base, 'POST', '/device/v1/heartbeat', heartbeatReport(1), `Bearer ${c}`)));
  }
  // Open since a minute ago for 24 hours: every terminal's install fits, so every action is offered at once.
  await post('/api/v1/maintenance/windows', {
    name: 'bench: open now', target: { merchantId: merchant.id },
    schedule: { kind: 'once', start: new Date(Date.now() - 60_000).toISOString(), durationMinutes: 1440 },
  });

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = await post<{ id: string }>('/api/v1/publisher-keys', { name: 'bench publisher', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  const content = randomBytes(PACKAGE_MB * MiB);
  const facts = { kind: 'application', name: 'bench-pos-app', version: '3.3.0', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  const pkg = await post<{ id: string }>('/api/v1/packages', {
    ...facts, fileName: 'bench-pos-app-3.3.0.apk', signature: signPackage(facts, privateKey), keyId: key.id, compatibleModels: [model.id],
  });
  const uploaded = await call<{ ready: boolean }>(base, 'PUT', `/api/v1/packages/${pkg.id}/content`, content);
  if (!uploaded.ready) throw new Error('the package content was accepted but the package is not ready');
  const campaign = await post<{ id: string }>('/api/v1/campaigns', { name: 'bench rollout', packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [100], seed: 1 });

  // Only terminals with an offered action may download: list them.
  const offered = new Set<string>();
  const states = new Map<string, number>();
  let cursor: string | null = null;
  for (let pages = 0; pages <= TERMINALS / 1000 + 1; pages++) {
    const page: { items: { serialNumber: string; state: string }[]; nextCursor: string | null } =
      await call(base, 'GET', `/api/v1/campaigns/${campaign.id}/actions?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const a of page.items) {
      states.set(a.state, (states.get(a.state) ?? 0) + 1);
      if (['scheduled', 'downloading', 'downloaded', 'installing', 'installed'].includes(a.state)) offered.add(a.serialNumber);
    }
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  console.log(`  campaign ${campaign.id}: actions ${JSON.stringify(Object.fromEntries(states))}`);
  if (!offered.size) throw new Error('no terminal was offered the package: nothing to download');
  if (offered.size < TERMINALS) console.warn(`  only ${offered.size} of ${TERMINALS} terminals were offered the package: only they download`);
  const keep = serials.flatMap((s, i) => (offered.has(s) ? [i] : []));
  return {
    serials: keep.map((i) => serials[i]!), credentials: keep.map((i) => credentials[i]!), packageId: pkg.id, size: facts.size, sha256: facts.sha256,
    // PackageStore's layout (DATA_DIR/packages/<id>.pkg): the baseline serves the very file PosFleet streams.
    file: join(dir, 'data', 'packages', `${pkg.id}.pkg`),
  };
}

// ---------------------------------------------------------------- downloads

interface Download { path: string; headers: Record<string, string> }
interface Fetched { status: number; headers: IncomingHttpHeaders; bytes: number; sha256: string | undefined; firstByteMs: number }

/** One GET, on `socket` if given (else on a connection of its own), counting the bytes and hashing them if asked. */
function fetchFile(base: string, job: Download, hash: boolean, socket?: Socket): Promise<Fetched> {
  const started = performance.now();
  return new Promise<Fetched>((resolve, reject) => {
    const req = request(base + job.path, { headers: job.headers, ...(socket ? { createConnection: () => socket } : { agent: false }) }, (res) => {
      const firstByteMs = performance.now() - started;
      const digest = hash ? createHash('sha256') : undefined;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        digest?.update(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: digest?.digest('hex'), firstByteMs }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject).end();
  });
}

/**
 * Opens n connections before a round of downloads starts, CONNECTING at a time: a burst of 1,000
 * connects overflows the server's accept queue (Node's listen backlog: 511), the kernel drops them and
 * TCP retries only after 1, 3, 7 s..., which would measure TCP's back-off rather than the server.
 */
async function openConnections(base: string, n: number): Promise<Socket[]> {
  const { hostname, port } = new URL(base);
  const sockets: Socket[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONNECTING, n) }, async () => {
    for (let i = next++; i < n; i = next++) {
      sockets[i] = await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket.setTimeout(0)));
        socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
        socket.on('error', reject); // later errors reach the request using it
      });
    }
  }));
  return sockets;
}

interface DownloadRun {
  name: string; downloads: number; ok: number; bytes: number; seconds: number; hashed: number; firstByteMaxMs: number;
  /** The most downloads under way at one moment. */
  peak: number;
  problems: Map<string, number>; cpuUs: number | undefined;
  /** This process's CPU time while downloading: near the wall time, the client rather than the server sets the pace. */
  clientCpuUs: number;
}

/**
 * The jobs in rounds of `concurrency`: each round's connections are opened first, then all its downloads
 * start at once (the time counted is theirs). Every answer's size is checked, every HASH_EVERY-th one's SHA-256.
 */
async function downloadRun(name: string, server: Server, jobs: Download[], concurrency: number, expected: { size: number; sha256: string; header: boolean }): Promise<DownloadRun> {
  const run: DownloadRun = { name, downloads: jobs.length, ok: 0, bytes: 0, seconds: 0, hashed: 0, firstByteMaxMs: 0, peak: 0, problems: new Map(), cpuUs: undefined, clientCpuUs: 0 };
  let running = 0;
  const problem = (text: string) => run.problems.set(text, (run.problems.get(text) ?? 0) + 1);
  const download = async (i: number, socket: Socket) => {
    const hash = i % HASH_EVERY === 0;
    try {
      run.peak = Math.max(run.peak, ++running);
      const got = await fetchFile(server.url, jobs[i]!, hash, socket).finally(() => running--);
      run.bytes += got.bytes;
      run.firstByteMaxMs = Math.max(run.firstByteMaxMs, got.firstByteMs);
      if (got.status !== 200) problem(`status ${got.status}`);
      else if (got.bytes !== expected.size || Number(got.headers['content-length']) !== expected.size) problem(`${got.bytes} bytes (content-length ${got.headers['content-length']}), not ${expected.size}`);
      else if (expected.header && got.headers['x-content-sha256'] !== expected.sha256) problem(`x-content-sha256 ${got.headers['x-content-sha256']}`);
      else if (got.sha256 !== undefined && got.sha256 !== expected.sha256) problem(`SHA-256 ${got.sha256}, not the signed ${expected.sha256}`);
      else run.ok++;
      if (got.sha256 !== undefined) run.hashed++;
    } catch (error) {
      problem((error as Error).message);
    }
  };
  server.measure();
  for (let first = 0; first < jobs.length; first += concurrency) {
    const round = Math.min(concurrency, jobs.length - first);
    let sockets: Socket[];
    try {
      sockets = await openConnections(server.url, round);
    } catch (error) {
      problem(`connect: ${(error as Error).message}`);
      break;
    }
    const started = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(sockets.map((socket, k) => download(first + k, socket)));
    run.seconds += (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    run.clientCpuUs += used.user + used.system;
    for (const socket of sockets) socket.destroy();
  }
  run.cpuUs = (await server.stop())?.cpuUs;
  return run;
}

/** Cuts a download off after a third of the package, resumes it with Range and If-Range, and checks the whole. Returns a problem, or null. */
async function resumedDownload(base: string, job: Download, size: number, sha256: string): Promise<string | null> {
  const cut = Math.floor(size / 3);
  const first = await new Promise<{ chunks: Buffer[]; etag: string | undefined; status: number }>((resolve, reject) => {
    const req = request(base + job.path, { agent: false, headers: job.headers }, (res) => {
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('error', () => {}); // the cut below aborts the response on purpose
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= cut) {
          req.destroy();
          resolve({ chunks, etag: res.headers.etag, status: res.statusCode ?? 0 });
        }
      });
      res.on('end', () => resolve({ chunks, etag: res.headers.etag, status: res.statusCode ?? 0 }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error))).end();
  });
  if (first.status !== 200 || !first.etag) return `first part: status ${first.status}, ETag ${first.etag}`;
  const head = Buffer.concat(first.chunks);
  if (head.length >= size) return 'the first part was not cut off';
  const rest = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request(base + job.path, { agent: false, headers: { ...job.headers, range: `bytes=${head.length}-`, 'if-range': first.etag! } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', reject).end();
  });
  const range = `bytes ${head.length}-${size - 1}/${size}`;
  if (rest.status !== 206 || rest.headers['content-range'] !== range) return `resume: status ${rest.status}, Content-Range ${rest.headers['content-range']} (expected 206, ${range})`;
  const whole = createHash('sha256').update(head).update(rest.body).digest('hex');
  if (whole !== sha256) return `resumed file: SHA-256 ${whole}, not the signed ${sha256}`;
  console.log(`  resumed download: cut after ${head.length} bytes, then 206 ${range} (If-Range ${first.etag}); SHA-256 of the whole matches the signed one`);
  return null;
}

// ---------------------------------------------------------------- heartbeats and hawkBit polls

/** Poll n is terminal n % T's, as its hawkBit client would send it. */
function pollRequests(serials: string[], credentials: string[]): Request[] {
  let n = 0;
  const paths = serials.map((s) => `/DEFAULT/controller/v1/${encodeURIComponent(s)}`);
  const headers = credentials.map((c) => ({ authorization: `TargetToken ${c}`, accept: 'application/hal+json' }));
  return [{
    method: 'GET', path: paths[0],
    setupRequest: (req) => {
      const i = n++ % paths.length;
      return { ...req, path: paths[i], headers: { ...headers[i] } };
    },
  }];
}

const load = (url: string, requests: Request[], duration: number) => autocannon({ url, connections: CONNECTIONS, duration, requests });
const settle = () => new Promise((r) => setTimeout(r, 300)); // requests still in flight when autocannon stops
const perSecond = (r: Result) => r['2xx'] / r.duration;

/**
 * Both answers must have looked the deployment up, else the comparison would be of a cheaper path. A
 * hawkBit client is offered it only once its window is open (installAllowed), as SWUpdate installs at once.
 */
async function checkAnswers(base: string, fleet: Fleet): Promise<void> {
  const beat = await call<{ deployment: { actionId: number; state: string; installAllowed: boolean } | null }>(base, 'POST', '/device/v1/heartbeat', heartbeatReport(2), `Bearer ${fleet.credentials[0]}`);
  const poll = await call<{ _links: { deploymentBase?: { href: string } } }>(base, 'GET', `/DEFAULT/controller/v1/${fleet.serials[0]}`, undefined, `TargetToken ${fleet.credentials[0]}`);
  if (!beat.deployment || (beat.deployment.installAllowed && !poll._links.deploymentBase)) {
    throw new Error(`no deployment in the answers: heartbeat ${JSON.stringify(beat.deployment)}, poll ${JSON.stringify(poll._links)}`);
  }
  console.log(`  heartbeat answer: deployment ${JSON.stringify(beat.deployment)}; poll answer: ${poll._links.deploymentBase ? `deploymentBase ${poll._links.deploymentBase.href}` : 'no deploymentBase until the window opens'}`);
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'posfleet-bench-downloads-'));
  const deadline = setTimeout(() => {
    console.error(`downloads bench: stopped after ${DEADLINE_MS / 1000} s`);
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  let honest = true;
  try {
    console.log(`PosFleet downloads bench: ${TERMINALS} terminals, a ${PACKAGE_MB} MiB signed package, ${ROUNDS} download(s) per terminal; ` +
      `polls and heartbeats: ${CONNECTIONS} connections, ${SECONDS} s per run; SQLite synchronous=${SYNC}`);
    const posfleet = await startPosFleet(dir);
    const started = performance.now();
    const fleet = await buildFleet(posfleet.url, dir);
    console.log(`  set up ${TERMINALS} terminals, the package and the campaign in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const downloadJob = (i: number): Download => ({ path: `/device/v1/packages/${fleet.packageId}/content`, headers: { authorization: `Bearer ${fleet.credentials[i]}` } });

    // Correctness first: a resumed download, and the deployment in both answers.
    const resumeProblem = await resumedDownload(posfleet.url, downloadJob(0), fleet.size, fleet.sha256);
    if (resumeProblem) {
      honest = false;
      console.error(`  resumed download FAILED: ${resumeProblem}`);
    }
    await checkAnswers(posfleet.url, fleet);

    // Polls against heartbeats: each poll run compared with the mean of the heartbeat runs just before and after it.
    const beats = heartbeatRequests(fleet.credentials, 3);
    const polls = pollRequests(fleet.serials, fleet.credentials);
    await load(posfleet.url, beats, 1);
    await load(posfleet.url, polls, 1);
    await settle();
    const rows: { name: string; result: Result }[] = [];
    for (const [name, requests] of [['heartbeats', beats], ['hawkBit polls', polls], ['heartbeats', beats]] as const) {
      rows.push({ name, result: await load(posfleet.url, requests, SECONDS) });
      await settle();
      console.log(`  done: ${name} (${Math.round(perSecond(rows.at(-1)!.result))} req/s)`);
    }

    // Downloads: the static baseline before and after PosFleet, same file, same concurrency, same byte checks.
    const concurrency = fleet.credentials.length;
    const jobs = Array.from({ length: ROUNDS * concurrency }, (_, i) => downloadJob(i % concurrency));
    const staticJobs = Array.from({ length: jobs.length }, (): Download => ({ path: '/package', headers: {} }));
    const runs: DownloadRun[] = [];
    const expect = { size: fleet.size, sha256: fleet.sha256 };
    runs.push(await downloadRun('baseline: node:http + createReadStream', await startStatic(fleet.file), staticJobs, concurrency, { ...expect, header: false }));
    console.log(`  done: ${runs.at(-1)!.name}`);
    runs.push(await downloadRun('PosFleet /device/v1/packages/:id/content', posfleet, jobs, concurrency, { ...expect, header: true }));
    console.log(`  done: ${runs.at(-1)!.name}`);
    runs.push(await downloadRun('baseline: node:http + createReadStream', await startStatic(fleet.file), staticJobs, concurrency, { ...expect, header: false }));
    console.log(`  done: ${runs.at(-1)!.name}`);

    // ---- figures
    const rate = (run: DownloadRun) => run.bytes / MiB / run.seconds;
    console.log(`\nDownloads: ${jobs.length} × ${PACKAGE_MB} MiB, ${concurrency} at once (one connection each), loopback`);
    console.table(runs.map((run) => ({
      run: run.name,
      'ok/downloads': `${run.ok}/${run.downloads}`,
      'SHA-256 checked': run.hashed,
      GiB: Number((run.bytes / 1024 / MiB).toFixed(2)),
      s: Number(run.seconds.toFixed(2)),
      'MiB/s': Math.round(rate(run)),
      'peak at once': run.peak,
      'slowest first byte ms': Math.round(run.firstByteMaxMs),
      'server CPU s/GiB': run.cpuUs === undefined ? '?' : (run.cpuUs / 1e6 / (run.bytes / 1024 / MiB)).toFixed(2),
      'client CPU busy': `${Math.round(run.clientCpuUs / 1e4 / run.seconds)}%`,
    })));
    const baselineRate = (rate(runs[0]!) + rate(runs[2]!)) / 2;
    console.log(`  PosFleet ${Math.round(rate(runs[1]!))} MiB/s against the static baseline's ${Math.round(baselineRate)} MiB/s (mean of before and after): ` +
      `ratio ${((100 * rate(runs[1]!)) / baselineRate).toFixed(1)}%`);
    // Server CPU per byte is steadier than MiB/s on a shared machine.
    const cpuPerGiB = (run: DownloadRun) => (run.cpuUs ?? NaN) / 1e6 / (run.bytes / 1024 / MiB);
    const baselineCpu = (cpuPerGiB(runs[0]!) + cpuPerGiB(runs[2]!)) / 2;
    console.log(`  server CPU per GiB sent: PosFleet ${cpuPerGiB(runs[1]!).toFixed(2)} s, baseline ${baselineCpu.toFixed(2)} s: ${(cpuPerGiB(runs[1]!) / baselineCpu).toFixed(2)}×`);

    const beatRate = (perSecond(rows[0]!.result) + perSecond(rows[2]!.result)) / 2;
    console.log(`\nPolls and heartbeats: ${fleet.credentials.length} terminals, each with an offered deployment, ${CONNECTIONS} connections`);
    console.table(rows.map(({ name, result: r }) => ({
      run: name, 'req/s': Math.round(perSecond(r)), 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, 'errors/non-2xx': `${r.errors + r.timeouts}/${r.non2xx}`,
    })));
    console.log(`  hawkBit poll ${Math.round(perSecond(rows[1]!.result))} req/s against heartbeat ${Math.round(beatRate)} req/s (mean of before and after): ` +
      `ratio poll/heartbeat ${(perSecond(rows[1]!.result) / beatRate).toFixed(2)}`);

    for (const run of runs) {
      if (run.ok === run.downloads) continue;
      honest = false;
      console.error(`${run.name}: ${run.downloads - run.ok} of ${run.downloads} downloads failed: ${JSON.stringify(Object.fromEntries([...run.problems].slice(0, 5)))}: figures not trustworthy`);
    }
    for (const { name, result: r } of rows) {
      if (!r.non2xx && !r.errors && !r.timeouts) continue;
      honest = false;
      console.error(`${name}: non-2xx ${JSON.stringify(r.statusCodeStats)}, ${r.errors} errors, ${r.timeouts} timeouts: figures not trustworthy`);
    }
  } finally {
    await Promise.all([...children].map((child) => {
      child.kill('SIGTERM');
      return new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    }));
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = honest ? 0 : 1;
}

if (process.argv[2] === STATIC_MODE) await serveStatic(process.argv[3]!);
else await main();
