// Bench child process: serves PosFleet (config from env) or, with argument "hello", a plain Fastify hello-world, or with "floor" a
// heartbeat route that parses, validates and answers with no work behind it; prints its URL
// on file descriptor 3 (stdout is PosFleet's log, as `npm start` writes it: its default level, jobs running).
// SIGUSR2 marks the start of the measured run: CPU time and group-commit statistics restart, and with BENCH_PROFILE_FILE set
// the V8 CPU profiler starts. SIGTERM prints the statistics as a JSON line, writes the profile, closes the server and exits.
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import Fastify from 'fastify';

/** One JSON line to the bench on fd 3. */
const report = (message: object) => writeSync(3, `${JSON.stringify(message)}\n`);
let url: string;
let close: () => Promise<void>;
/** BENCH_CACHE_SIZES=1: the Maps and Sets reachable from the services holding 1,000 entries or more, by path (at SIGTERM). */
let cacheSizes: () => Record<string, number> = () => ({});
const stats = { batches: 0, heartbeats: 0, writeMs: 0, cpuUs: 0, mainCpuUs: 0 };
let cpuAtStart = process.cpuUsage();
/**
 * The main thread's own CPU time in µs (the event loop; the writer thread and the collector's helpers are other
 * threads): user + system clock ticks of /proc/self/task/PID/stat, where the main thread's id is the process's.
 * Linux only; 0 elsewhere. Ticks are 10 ms: good over a run of seconds.
 */
const mainThreadCpuUs = (): number => {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
};
let mainCpuAtStart = mainThreadCpuUs();
if (process.argv[2] === 'hello') {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = () => app.close();
} else if (process.argv[2] === 'floor') {
  // A heartbeat's HTTP work alone: the same route, body parsing, validation and answer schema as PosFleet's, and a
  // fixed answer (no credential, no database, no rules): what the framework costs before PosFleet does anything.
  const [{ useRequestParsing }, { lazySerializers }, { HeartbeatAnswer, HeartbeatReport }] = await Promise.all([
    import('../src/http/app.ts'), import('../src/http/lazy-compilers.ts'), import('../src/device/device.schemas.ts')]);
  const app = Fastify({ logger: false, schemaController: lazySerializers });
  useRequestParsing(app);
  app.post('/device/v1/heartbeat', { bodyLimit: 64 * 1024, schema: { body: HeartbeatReport, response: { 200: HeartbeatAnswer } } }, async (request) => ({
    seq: (request.body as { seq: number }).seq, duplicate: false, mode: 'normal', reason: null, maintenance: null, deployment: null, commands: [],
    configuration: null, heartbeatIntervalSeconds: 300, serverTime: new Date().toISOString(),
  }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = () => app.close();
} else {
  const [{ loadConfig }, { startServer }] = await Promise.all([import('../src/config.ts'), import('../src/server.ts')]);
  // As shipped: default logging and background jobs (BENCH_QUIET=1: neither, to see what they cost).
  const quiet = process.env.BENCH_QUIET === '1';
  const server = await startServer(loadConfig({ ...process.env, PORT: '0' }), quiet ? { logger: false, jobs: false } : {});
  url = server.url;
  close = () => server.close();
  if (process.env.BENCH_CACHE_SIZES === '1') cacheSizes = () => largeCollections(server.services);
  // Measures the group commit from outside: batch sizes and the time spent writing them (in the writer thread, or on the
  // event loop with HEARTBEAT_WRITER_THREAD=off or PostgreSQL).
  const store = server.services.device.store;
  const write = store.write.bind(store);
  store.write = async (batch) => {
    const started = performance.now();
    try { return await write(batch); } finally { stats.batches++; stats.heartbeats += batch.length; stats.writeMs += performance.now() - started; }
  };
}

const profileFile = process.env.BENCH_PROFILE_FILE;
const session = new Session();
let profiling = false;
process.on('SIGUSR2', () => {
  Object.assign(stats, { batches: 0, heartbeats: 0, writeMs: 0 });
  cpuAtStart = process.cpuUsage();
  mainCpuAtStart = mainThreadCpuUs();
  if (!profileFile || profiling) return;
  profiling = true;
  session.connect();
  void session.post('Profiler.enable')
    .then(() => session.post('Profiler.setSamplingInterval', { interval: 200 }))
    .then(() => session.post('Profiler.start'));
});
process.once('SIGTERM', async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  const mainCpuUs = mainThreadCpuUs() - mainCpuAtStart;
  // Resident memory now and at its peak (maxRSS is in KiB), and the JS heap in use.
  // External is Buffers and native objects outside the JS heap (RSS also counts code, thread stacks and SQLite's page cache).
  const m = process.memoryUsage();
  const memory = {
    rssMb: m.rss / 2 ** 20, maxRssMb: process.resourceUsage().maxRSS / 1024, heapUsedMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20,
    externalMb: m.external / 2 ** 20, arrayBuffersMb: m.arrayBuffers / 2 ** 20,
  };
  report({ ...stats, cpuUs: cpu.user + cpu.system, mainCpuUs, ...memory, caches: cacheSizes() });
  if (profiling) writeFileSync(profileFile!, JSON.stringify((await session.post('Profiler.stop')).profile));
  await close();
  process.exit(0);
});
report({ url });

/** Walks the object graph from `root` (each object once, at most 6 levels deep) for Maps and Sets of 1,000 entries or more. */
function largeCollections(root: object): Record<string, number> {
  const seen = new WeakSet<object>();
  const found: Record<string, number> = {};
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 6) return;
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      if (value.size >= 1000) found[path] = value.size;
      let looked = 0;
      if (value instanceof Map) for (const [key, v] of value) if (looked++ < 50) walk(v, `${path}[${String(key).slice(0, 20)}]`, depth + 1); else break;
      return;
    }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) return;
    for (const key of Object.getOwnPropertyNames(value)) {
      let v: unknown;
      try { v = (value as Record<string, unknown>)[key]; } catch { continue; }
      walk(v, path ? `${path}.${key}` : key, depth + 1);
    }
  };
  walk(root, '', 0);
  return found;
}
