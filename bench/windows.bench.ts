// `npx tsx bench/windows.bench.ts`: plans one maintenance window for a synthetic, seeded fleet (100,000
// terminals across 20,000 sites in 12 time zones) — each site's next window, expected durations from
// history, the continuity rule and spreading under a fleet-wide limit — and times it against a baseline
// measured in the same run: sorting 100,000 random numbers. Target: the planning under 5 s.
// Env: BENCH_SITES (20000), BENCH_TERMINALS (100000), BENCH_RUNS (3), BENCH_FLEET_LIMIT (3000).
// Bounded: sizes are capped and the whole run is stopped after 120 s.
import type { WorkKind } from '../src/shared/job-states.ts';
import { decideStarts, type HoldReason, type SiteTerminal } from '../src/maintenance/windows/continuity.ts';
import { buildDurationTable, expectedDuration, type DurationSample } from '../src/maintenance/windows/expected-duration.ts';
import { seededRandom } from '../src/shared/prng.ts';
import { spreadStarts, type SpreadJob } from '../src/maintenance/windows/spread.ts';
import type { WindowDef } from '../src/maintenance/windows/window-definition.ts';
import { nextOccurrence } from '../src/maintenance/windows/window-schedule.ts';

const SITES = Math.min(Number(process.env.BENCH_SITES ?? 20_000), 200_000);
const TERMINALS = Math.max(SITES, Math.min(Number(process.env.BENCH_TERMINALS ?? 100_000), 1_000_000));
const RUNS = Math.min(Math.max(1, Number(process.env.BENCH_RUNS ?? 3)), 10);
const FLEET_LIMIT = Number(process.env.BENCH_FLEET_LIMIT ?? 3000);
const TARGET_MS = 5000;
const NOW = new Date('2026-06-15T12:00:00Z');

setTimeout(() => {
  console.error('windows bench: stopped after 120 s');
  process.exit(2);
}, 120_000).unref();

// ---------------------------------------------------------------- synthetic fleet (seeded)

const ZONES = [
  'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Singapore', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney',
  'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles',
];
const MODELS = ['PAX A920', 'PAX A80', 'Verifone V200c', 'Ingenico Move/5000', 'Sunmi P2', 'Newland N910'];
const KINDS: WorkKind[] = ['update', 'upgrade', 'repair', 'data_sync', 'security_hardening'];

interface Site { id: string; timeZone: string; terminals: (SiteTerminal & { model: string })[] }

function makeFleet() {
  const random = seededRandom('windows-bench');
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const sites: Site[] = Array.from({ length: SITES }, (_, i) => ({ id: `site-${i}`, timeZone: pick(ZONES), terminals: [] }));
  for (let i = 0; i < TERMINALS; i++) {
    // Every site has one terminal; the rest go to random sites, bigger shops getting more.
    const site = i < SITES ? sites[i]! : sites[Math.floor(random() ** 2 * SITES)]!;
    const r = random();
    const status: SiteTerminal['status'] = r < 0.94 ? 'in_service' : r < 0.96 ? 'in_maintenance' : r < 0.99 ? 'offline' : 'locked';
    site.terminals.push({ id: `T${String(i).padStart(7, '0')}`, status, isBackup: false, model: pick(MODELS), lastHealthyHeartbeatAt: null });
  }
  for (const site of sites) {
    const last = site.terminals[site.terminals.length - 1]!;
    if (site.terminals.length >= 2 && random() < 0.25) {
      last.isBackup = true;
      last.lastHealthyHeartbeatAt = new Date(NOW.getTime() - (random() < 0.9 ? random() * 10 : 30 + random() * 600) * 60_000).toISOString();
    }
  }
  const history: DurationSample[] = Array.from({ length: 50_000 }, () => {
    const kind = pick(KINDS);
    const typical = { update: 8, upgrade: 25, repair: 40, data_sync: 15, security_hardening: 12, key_injection: 8 }[kind];
    return { terminalModel: pick(MODELS), kind, minutes: typical * Math.exp((random() + random() + random() - 1.5) * 0.8) };
  });
  // The campaign: an update everywhere, with security hardening on some terminals and a data sync on a few.
  const kindsOf = new Map<string, WorkKind[]>();
  for (const site of sites) {
    for (const t of site.terminals) {
      const kinds: WorkKind[] = ['update'];
      if (random() < 0.3) kinds.push('security_hardening');
      if (random() < 0.1) kinds.push('data_sync');
      kindsOf.set(t.id, kinds);
    }
  }
  return { sites, history, kindsOf };
}

// ---------------------------------------------------------------- the planning being measured

const TERMINAL_FACTS: ReadonlySet<HoldReason> = new Set(['terminal_offline', 'terminal_locked', 'already_in_maintenance', 'unknown_terminal', 'duplicate_job']);

function plan(fleet: ReturnType<typeof makeFleet>) {
  const table = buildDurationTable(fleet.history);
  const held = new Map<string, number>();
  const siteLimits = new Map<string, number>();
  const jobs: SpreadJob[] = [];
  for (const site of fleet.sites) {
    const def: WindowDef = { kind: 'cron', cron: '0 1 * * *', durationMinutes: 240, timeZone: site.timeZone };
    const window = nextOccurrence(def, NOW);
    if (!window) throw new Error(`no window for ${site.id}`);
    // The continuity rule as the window opens: terminals that cannot take a job are held; the number that
    // may start at once is the site's limit for spreading (the others follow as those finish).
    const decisions = decideStarts(site.terminals, site.terminals.map((t) => ({ id: t.id, terminalId: t.id })), window.start);
    let limit = 0;
    decisions.forEach((d, i) => {
      if (d.start) limit++;
      else if (TERMINAL_FACTS.has(d.reason)) {
        held.set(d.reason, (held.get(d.reason) ?? 0) + 1);
        return;
      }
      const t = site.terminals[i]!;
      jobs.push({ id: t.id, siteId: site.id, window, expectedMinutes: expectedDuration(table, t.model, fleet.kindsOf.get(t.id)!).p90Minutes });
    });
    siteLimits.set(site.id, limit);
  }
  const spread = spreadStarts(jobs, { seed: 'campaign-2026-06', fleetLimit: FLEET_LIMIT, siteLimits, perSiteLimit: 1 });
  return { jobs: jobs.length, held, spread, siteLimits };
}

// ---------------------------------------------------------------- measurement

function baseline(): number {
  const random = seededRandom('baseline');
  const numbers = Array.from({ length: 100_000 }, () => random());
  const started = performance.now();
  numbers.sort((a, b) => a - b);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const fleet = makeFleet();
const baselines: number[] = [];
const timings: number[] = [];
let result: ReturnType<typeof plan> | undefined;
for (let run = 0; run < RUNS; run++) {
  baselines.push(baseline());
  const started = performance.now();
  result = plan(fleet);
  timings.push(performance.now() - started);
}
baselines.push(baseline());

const { jobs, held, spread } = result!;
const notFitting = new Map<string, number>();
for (const n of spread.notFitting) notFitting.set(n.reason, (notFitting.get(n.reason) ?? 0) + 1);
const cold = timings[0]!;
const warm = median(timings);
const base = median(baselines);
console.log(`windows bench: ${TERMINALS} terminals, ${SITES} sites, ${ZONES.length} time zones, fleet limit ${FLEET_LIMIT}`);
const blockedSites = [...result!.siteLimits.values()].filter((limit) => limit === 0).length;
console.log(`  ${blockedSites} sites may take no terminal down (one working terminal, no covering backup): their jobs are 'site_limit'`);
console.log(`  planned ${spread.assigned.length} of ${jobs} jobs; held by terminal state: ${JSON.stringify(Object.fromEntries(held))}; not fitting: ${JSON.stringify(Object.fromEntries(notFitting))}; peak running ${spread.peakConcurrency}`);
console.log(`  runs: ${timings.map((t) => Math.round(t)).join(', ')} ms`);
console.table({
  'plan (first run)': { ms: Math.round(cold) },
  [`plan (median of ${RUNS})`]: { ms: Math.round(warm) },
  'baseline: sort 100,000 numbers (median)': { ms: Number(base.toFixed(1)) },
});
console.log(`  ratio plan/baseline: ${(warm / base).toFixed(1)}× (first run ${(cold / base).toFixed(1)}×); target < ${TARGET_MS} ms: ${cold < TARGET_MS ? 'met' : 'MISSED'}`);
if (cold >= TARGET_MS) process.exitCode = 1;
