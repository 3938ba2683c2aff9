// The credential cache's memory per terminal: `node --expose-gc --import tsx bench/credential-cache.bench.ts [terminals]`
// (1,000,000 by default; not in `npm run bench`). Each terminal's credential hash, id and bound fingerprint are new
// strings, as the database driver hands them over, held by the cache alone: their bytes are counted.
import { createHash, randomUUID } from 'node:crypto';
import { CredentialCache } from '../src/device/credential-cache.ts';

const TERMINALS = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const fresh = (text: string) => Buffer.from(text).toString('latin1');

for (const bound of [false, true]) {
  gc();
  const before = process.memoryUsage();
  const cache = new CredentialCache(() => true);
  const now = Date.now();
  for (let i = 0; i < TERMINALS; i++) {
    const fingerprint = bound ? fresh(`SN-${i}|PP-20931-${i}|SP-7F3A-${i}`) : null;
    cache.set(createHash('sha256').update(`pft_${i}`).digest('hex'), fresh(randomUUID()), now, cache.ticket(), fingerprint);
  }
  gc();
  const after = process.memoryUsage();
  console.log(`${TERMINALS} terminals${bound ? ' with a bound fingerprint' : ''}: ${Math.round((after.heapUsed - before.heapUsed) / TERMINALS)} bytes of heap each, ` +
    `resident memory +${Math.round((after.rss - before.rss) / 2 ** 20)} MB (${cache.size} cached)`);
  cache.clear();
}
