// Bench: the configuration tick's CPU at 100,000 terminals (BENCH_TERMINALS), on SQLite. The old tick
// re-read every terminal's placement each minute and compared it with the cache (measured here as it
// was, for the ratio); the tick now reads only the placement changes the database's triggers recorded
// (migration 0045), and re-reads everything only as an hourly fallback, in pages that yield to the event
// loop. Printed: CPU per tick and the longest the event loop was held (what a heartbeat waits behind).
// Run: npx tsx bench/configuration-tick.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { ConfigurationRepository } from '../src/configuration/configuration.repository.ts';
import { createServices } from '../src/services.ts';
import { seedFleet } from './support.ts';

const TERMINALS = Math.max(1000, Math.min(Number(process.env.BENCH_TERMINALS ?? 100_000), 2_000_000));
const PER_SITE = 10;
const SITES = Math.ceil(TERMINALS / PER_SITE);
const RUNS = 3;
const MOVED = 100;

const dir = mkdtempSync(join(tmpdir(), 'posfleet-bench-config-tick-'));
const config = loadConfig({ ...process.env, DATABASE_URL: join(dir, 'bench.db'), POSFLEET_ADMIN_TOKEN: 'bench-admin-token', SQLITE_SYNCHRONOUS: 'NORMAL' });
const services = await createServices(config);
const db = services.db.kysely;
const store = services.configuration;
const repo = new ConfigurationRepository(db);
const at = new Date().toISOString();

await services.configurationSchemas.registerSchema({ application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }, 'bench');
await seedFleet(db, { sites: SITES, terminals: TERMINALS, perSite: PER_SITE, at });
await sql`insert into terminal_tags (terminal_id, tag) select id, 'backup' from terminals where cast(substr(id, 2) as integer) % 10 = 0`.execute(db);
// The site of each tenth terminal has its own receipt footer.
for (let s = 0; s < SITES; s += 10) await services.configurationLevels.set('site', `s${String(s).padStart(7, '0')}`, { values: { receiptFooter: `footer ${s}` }, reason: 'bench', delivery: 'now' }, { name: 'bench', scope: { kind: 'fleet' } }).catch(() => undefined);

const started = performance.now();
await store.applyPlacementChanges(); // the terminals the fill created, from their changes
const placedMs = performance.now() - started;
if (!store.cache.hashOf('t0000000') || !store.cache.hashOf(`t${String(TERMINALS - 1).padStart(7, '0')}`)) throw new Error('terminals not placed');

/** CPU (ms), wall (ms) and the longest event-loop delay (ms) of one call. */
async function measure(run: () => Promise<unknown>): Promise<{ cpu: number; wall: number; held: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  // A heartbeat's stand-in: a timer every 10 ms, to see how long the tick holds the loop.
  const ticker = setInterval(() => undefined, 10);
  await run();
  const used = process.cpuUsage(cpu);
  const took = performance.now() - wall;
  // SQLite answers synchronously: a tick that never yields is seen only once the loop turns again.
  await new Promise((resolve) => setTimeout(resolve, 30));
  clearInterval(ticker);
  delay.disable();
  return { cpu: (used.user + used.system) / 1000, wall: took, held: delay.max / 1e6 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function runs(run: () => Promise<unknown>) {
  const all = [];
  for (let i = 0; i < RUNS; i++) all.push(await measure(run));
  return { cpu: median(all.map((r) => r.cpu)), wall: median(all.map((r) => r.wall)), held: median(all.map((r) => r.held)) };
}

// The old tick's placement part, as it was: every placement read and compared with the cache.
const old = await runs(async () => {
  const placements = await repo.placements();
  for (const id of [...store.cache.terminalIds()]) if (!placements.has(id)) store.cache.setPlacement(id, undefined);
  for (const [id, p] of placements) {
    const known = store.cache.placement(id);
    if (!known || known.siteId !== p.siteId || known.modelId !== p.modelId || known.tags.join() !== p.tags.join()) store.cache.setPlacement(id, p);
  }
});
const idle = await runs(() => store.refresh());
let round = 0;
const moved = await runs(async () => {
  round++;
  await sql`update terminals set site_id = printf('s%07d', (cast(substr(id, 2) as integer) / ${PER_SITE} + ${round}) % ${SITES}) where cast(substr(id, 2) as integer) % ${Math.floor(TERMINALS / MOVED)} = 1`.execute(db);
  await store.refresh();
});
const movedId = `t${String(1).padStart(7, '0')}`;
if (store.cache.placement(movedId)?.siteId !== `s${String((0 + round) % SITES).padStart(7, '0')}`) throw new Error('the moved terminal was not re-placed');
const fallback = await runs(() => store.rereadPlacements());

const line = (what: string, r: { cpu: number; wall: number; held: number }) =>
  console.log(`  ${what}: ${r.cpu.toFixed(1)} ms CPU, ${r.wall.toFixed(1)} ms wall, event loop held up to ${r.held.toFixed(0)} ms (${(r.cpu / old.cpu * 100).toFixed(1)} % of the old tick's CPU)`);
console.log(`configuration tick bench: ${TERMINALS.toLocaleString('en')} terminals at ${SITES.toLocaleString('en')} sites, SQLite, median of ${RUNS}`);
console.log(`  ${TERMINALS.toLocaleString('en')} new terminals placed from their changes: ${placedMs.toFixed(0)} ms`);
line('old tick (every placement re-read each minute)', old);
line('tick, nothing moved', idle);
line(`tick, ${MOVED} terminals moved`, moved);
line('hourly fallback (every placement, in pages)', fallback);
console.log(`  load average: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (${cpus().length} cores)`);
await services.db.close();
rmSync(dir, { recursive: true, force: true });
