// Bench: what the per-process caches that hold one entry per terminal cost with a large fleet, in JS heap, measured one
// at a time after a full garbage collection:
// - the device protocol's credential cache (src/device/credential-cache.ts) remembering every terminal (with a lifetime of
//   minutes, every terminal heartbeating within it is in it): a SHA-256 hex hash → a terminal id, as the heartbeat path sets it;
// - the configuration's effective cache (src/configuration/effective-cache.ts): every terminal's placement and hash, no
//   configuration values (as a fresh server has them), and, for comparison, what one read of every placement at once holds
//   (the start and the hourly re-read now read pages of 5,000 instead: it raised the heap's peak, not what stays).
// Strings are made flat and one per row value, as better-sqlite3 returns them. Run:
//   node --expose-gc --import tsx bench/cache-memory.bench.ts [terminals (1000000)]
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { EffectiveCache, type Placement } from '../src/configuration/effective-cache.ts';
import { CredentialCache } from '../src/device/credential-cache.ts';

const terminals = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the first lines of this file)');
const heap = () => {
  // Two collections left some garbage of the step before counted (one run: 519 B a terminal, 243 B the next); six settle.
  for (let i = 0; i < 6; i++) gc();
  return process.memoryUsage().heapUsed;
};
const MB = 2 ** 20;
/** randomUUID() builds its string by concatenation (a tree of pieces); one read from the database is one flat string. */
const flat = (s: string) => Buffer.from(s, 'latin1').toString('latin1');
const ids = () => Array.from({ length: terminals }, () => flat(randomUUID()));
const rows: Record<string, string | number>[] = [];

// The credential cache, filled as the heartbeat path fills it.
let empty = heap();
let hashes = Array.from({ length: terminals }, (_, i) => createHash('sha256').update(`pft_bench${i}`).digest('hex'));
let terminalIds = ids();
let before = heap();
const started = performance.now();
const credentials = new CredentialCache(() => true);
const now = Date.now();
for (let i = 0; i < terminals; i++) credentials.set(hashes[i]!, terminalIds[i]!, now, credentials.ticket());
const credentialMs = performance.now() - started;
const credentialStructures = heap() - before;
if (credentials.get(hashes[terminals - 1]!, now) !== terminalIds[terminals - 1]) throw new Error('the last credential was not found');
hashes = [];
terminalIds = [];
const credentialHeld = heap() - empty;
rows.push({ cache: 'credential → terminal (CredentialCache)', 'structures MB': Math.round(credentialStructures / MB), 'with their strings MB': Math.round(credentialHeld / MB), 'bytes per terminal': Math.round(credentialHeld / terminals), 'filled in ms': Math.round(credentialMs) });
credentials.clear();

// The effective configuration cache: 20,000 sites of 2,000 merchants, one model, no tags; each row's ids its own strings.
const SITES = 20_000;
const sites = Array.from({ length: SITES }, () => flat(randomUUID()));
const merchants = Array.from({ length: 2_000 }, () => flat(randomUUID()));
const model = flat(randomUUID());
/** What ConfigurationRepository.placements() builds: the rows as better-sqlite3 returns them, then a Map of placements. */
const fromDatabase = (terminalIds: string[]) => {
  const read = terminalIds.map((id, t) => ({ id: flat(id), site_id: flat(sites[t % SITES]!), model_id: flat(model), merchant_id: flat(merchants[t % merchants.length]!) }));
  return { read, placements: new Map<string, Placement>(read.map((r) => [r.id, { merchantId: r.merchant_id, siteId: r.site_id, modelId: r.model_id, tags: [] }])) };
};
/**
 * Filled inside a function: a value the module's top level once passed as an argument stays in one of its registers, alive,
 * until the register is reused (the rows read stayed counted as the cache's: 414 B a terminal measured, 384 B held).
 */
function fillConfiguration() {
  const { placements } = fromDatabase(ids());
  const before = heap();
  const started = performance.now();
  const cache = new EffectiveCache();
  cache.load({ parameters: { tid: { type: 'string', levels: ['terminal'] }, receiptHeader: { type: 'string', default: 'PosFleet' } }, values: [], groups: [], placements });
  return { cache, ms: performance.now() - started, structures: heap() - before };
}
empty = heap();
const { cache: configuration, ms: configurationMs, structures: configurationStructures } = fillConfiguration();
const configurationHeld = heap() - empty;
rows.push({ cache: 'placement and hash per terminal (EffectiveCache)', 'structures MB': Math.round(configurationStructures / MB), 'with their strings MB': Math.round(configurationHeld / MB), 'bytes per terminal': Math.round(configurationHeld / terminals), 'filled in ms': Math.round(configurationMs) });
// One read of every placement at once (its rows and the Map built from them) beside the cache: what the start and the
// configuration tick's re-read held before they read pages.
before = heap();
const copy = fromDatabase([...configuration.terminalIds()]);
const copyHeld = heap() - before;
rows.push({ cache: 'one read of every placement at once (no longer made: read in pages)', 'structures MB': NaN, 'with their strings MB': Math.round(copyHeld / MB), 'bytes per terminal': Math.round(copyHeld / copy.placements.size), 'filled in ms': NaN });

console.log(`${terminals.toLocaleString('en')} terminals; ${new Date().toISOString()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.table(rows);
