// Bench: what the device protocol's credential cache costs when it remembers every terminal of a large fleet (with a
// lifetime of minutes, every terminal heartbeating within it is in it). Fills src/device/credential-cache.ts's
// CredentialCache with N entries (a SHA-256 hex hash → a UUID, as the heartbeat path sets them) and reports the JS heap's
// growth, per entry and in all. Run: node --expose-gc --import tsx bench/credential-cache.bench.ts [entries (1000000)]
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { CredentialCache } from '../src/device/credential-cache.ts';

const entries = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the first lines of this file)');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const empty = heap();
// The hashes and ids are made first, as the heartbeat path makes them (a flat string each): the cache's own structures are
// what the heap grows by while it is filled; once nothing else holds the strings, they are the cache's cost too.
const hashes = Array.from({ length: entries }, (_, i) => createHash('sha256').update(`pft_bench${i}`).digest('hex'));
// randomUUID() builds its string by concatenation (a tree of pieces); a terminal id read from the database is one flat string.
const terminals = Array.from({ length: entries }, () => Buffer.from(randomUUID(), 'latin1').toString('latin1'));
const withStrings = heap();
const cache = new CredentialCache();
const now = Date.now();
const started = performance.now();
for (let i = 0; i < entries; i++) cache.set(hashes[i]!, terminals[i]!, now);
const fillMs = performance.now() - started;
const filled = heap();
const found = cache.get(hashes[entries - 1]!, now) === terminals[entries - 1];
hashes.length = 0;
terminals.length = 0;
const held = heap() - empty;
console.table([{
  entries, 'filled in ms': Math.round(fillMs), 'cache structures MB': Math.round((filled - withStrings) / 2 ** 20),
  'held in all MB (with the strings)': Math.round(held / 2 ** 20), 'bytes per entry': Math.round(held / entries),
  'last entry found': found, load: loadavg().map((l) => l.toFixed(1)).join(' '), at: new Date().toISOString(),
}]);
