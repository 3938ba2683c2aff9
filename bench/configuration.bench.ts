// Bench: every terminal's effective configuration hash recomputed after a fleet-level change, for
// 1,000,000 terminals (5 levels, 200 parameters; each terminal with its own TID and MID), in memory
// as the server keeps it. Goal: under 10 s. Run: npx tsx bench/configuration.bench.ts [terminals]
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { EffectiveCache, type Placement } from '../src/configuration/effective-cache.ts';
import type { ParameterSchema, Values } from '../src/configuration/parameters.ts';
import { configurationHash } from '../src/configuration/hash.ts';

const terminals = Number(process.argv[2] ?? 1_000_000);
const SITES = 20_000;
const MERCHANTS = 2_000;
// TID and MID are set per terminal only, as in the demo schema: each terminal's own part of its hash.
const parameters: ParameterSchema = { tid: { type: 'string', levels: ['terminal'] }, mid: { type: 'string', levels: ['terminal'] } };
for (let i = 0; i < 198; i++) parameters[`p${String(i).padStart(3, '0')}`] = { type: i % 3 === 0 ? 'number' : 'string', default: i % 3 === 0 ? i : `default ${i}` };

const fleet: Values = {};
for (let i = 0; i < 198; i += 2) fleet[`p${String(i).padStart(3, '0')}`] = i % 3 === 0 ? i * 2 : `fleet value ${i}`;
const values: { level: 'fleet' | 'merchant' | 'site' | 'group' | 'terminal'; scopeId: string; values: Values }[] = [{ level: 'fleet', scopeId: '', values: fleet }];
for (let m = 0; m < MERCHANTS; m++) values.push({ level: 'merchant', scopeId: `m${m}`, values: { p001: `merchant ${m}`, p004: `receipt header ${m}` } });
for (let s = 0; s < SITES; s++) values.push({ level: 'site', scopeId: `s${s}`, values: { p007: `site ${s}`, p010: `footer ${s}` } });
values.push({ level: 'group', scopeId: 'g-backup', values: { p013: 'backup terminal' } });
const placements = new Map<string, Placement>();
for (let t = 0; t < terminals; t++) {
  const site = t % SITES;
  placements.set(`t${t}`, { merchantId: `m${site % MERCHANTS}`, siteId: `s${site}`, modelId: 'a920', tags: t % 10 === 0 ? ['backup'] : [] });
  values.push({ level: 'terminal', scopeId: `t${t}`, values: { tid: String(10_000_000 + t), mid: String(800_000_000 + (site % MERCHANTS)) } });
}

const cache = new EffectiveCache();
let started = performance.now();
cache.load({ parameters, values, groups: [{ id: 'g-backup', filter: { tag: 'backup' } }], placements });
const loadMs = performance.now() - started;

// Where wall time goes that is not this process's CPU: the garbage collector's pauses (measured) and
// waiting for a core (involuntary context switches: the kernel took the CPU away for another process).
let gcMs = 0;
const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; });
gc.observe({ entryTypes: ['gc'] });
const usageBefore = process.resourceUsage();
started = performance.now();
const cpuBefore = process.cpuUsage();
cache.setLevel('fleet', '', { ...fleet, p000: 42, p002: 'changed at fleet level' });
const changeMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const changeCpuMs = (cpu.user + cpu.system) / 1000;
const usage = process.resourceUsage();
await new Promise((resolve) => setTimeout(resolve, 50)); // the observer is told of the pauses asynchronously
gc.disconnect();

// The cache's hash is the one the SDK computes from the values it applied.
for (const id of ['t0', `t${terminals - 1}`]) {
  if (cache.hashOf(id) !== configurationHash(cache.effectiveOf(id).values, parameters)) throw new Error(`hash of ${id} differs from the SDK's`);
}
console.log(`configuration bench: ${terminals.toLocaleString('en')} terminals, 5 levels, ${Object.keys(parameters).length} parameters`);
console.log(`  load and compute every hash: ${(loadMs / 1000).toFixed(1)} s`);
console.log(`  recompute after a fleet-level change: ${(changeMs / 1000).toFixed(1)} s wall, ${(changeCpuMs / 1000).toFixed(1)} s CPU (goal < 10 s) ${changeMs < 10_000 ? 'OK' : 'TOO SLOW'}`);
console.log(`  of which garbage collector pauses: ${(gcMs / 1000).toFixed(1)} s; preempted ${(usage.involuntaryContextSwitches - usageBefore.involuntaryContextSwitches).toLocaleString('en')} times, waited for I/O ${(usage.voluntaryContextSwitches - usageBefore.voluntaryContextSwitches).toLocaleString('en')} times`);
console.log(`  load average: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (${cpus().length} cores)`);
if (changeMs >= 10_000) process.exitCode = 1;
