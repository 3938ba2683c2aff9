// Bench child process: serves PosFleet (config from env) or, with argument "hello", a plain Fastify hello-world; prints its URL.
// With BENCH_PROFILE_FILE set, SIGUSR2 starts the V8 CPU profiler and SIGTERM writes the profile to that file before exiting.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import Fastify from 'fastify';

let url: string;
let close: () => Promise<void>;
if (process.argv[2] === 'hello') {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = () => app.close();
} else {
  const [{ loadConfig }, { startServer }] = await Promise.all([import('../src/config.ts'), import('../src/server.ts')]);
  const server = await startServer(loadConfig({ ...process.env, PORT: '0' }), { logger: false, jobs: false });
  url = server.url;
  close = () => server.close();
}

const profileFile = process.env.BENCH_PROFILE_FILE;
const session = new Session();
let profiling = false;
process.on('SIGUSR2', () => {
  if (!profileFile || profiling) return;
  profiling = true;
  session.connect();
  void session.post('Profiler.enable')
    .then(() => session.post('Profiler.setSamplingInterval', { interval: 200 }))
    .then(() => session.post('Profiler.start'));
});
process.once('SIGTERM', async () => {
  if (profiling) writeFileSync(profileFile!, JSON.stringify((await session.post('Profiler.stop')).profile));
  await close();
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ url })}\n`);
