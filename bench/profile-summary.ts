// Summarises a V8 .cpuprofile (from BENCH_PROFILE=1): top functions by self time and by inclusive time.
// Usage: tsx bench/profile-summary.ts /tmp/posfleet-bench-profiles/heartbeats-FULL.cpuprofile [top=30]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = ({ callFrame: f }: Node) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^node:/, '')}:${f.lineNumber + 1}`;

/** Where a frame's code lives: an npm package, a src/ file or Node's own JS; native code (SQLite, syscalls) is named with its JS caller's place. */
function area(node: Node): string {
  const { url, functionName } = node.callFrame;
  if (url.includes('/node_modules/')) return url.replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1');
  if (url.includes('/src/')) return url.replace(/^.*\/src\//, 'src/');
  if (url) return 'node internals';
  const caller = byId.get(parent.get(node.id) ?? -1);
  return caller && !functionName.startsWith('(') ? `native ${functionName}() from ${area(caller)}` : functionName;
}

const self = new Map<string, number>();
const byArea = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const leaf = byId.get(id)!;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
  byArea.set(area(leaf), (byArea.get(area(leaf)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let n: Node | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) seen.add(label(n));
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
});

process.stdout.on('error', () => process.exit(0)); // e.g. piped into head
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1e6).toFixed(1)} s sampled)`);
  for (const [key, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
print('self time by package / file', byArea);
print('self time', self);
print('inclusive time', inclusive);
