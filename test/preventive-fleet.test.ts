// A preventive plan over a simulated fleet of 1,000 terminals: a day of trading through the real
// terminal protocol (the simulator, on a clock shared with the server and moved on by the test from one
// heartbeat to the next: test/support/fleet.ts), then the seed's calendar planned over all of them.
// Due dates must differ by how much each terminal is used and by its site's environment, and every due
// date must follow from the reasons it gives.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSimulatorSites, type SimulatorSitePlan } from '../src/simulator/enrolment.ts';
import { drivenClock } from '../src/simulator/fleet-clock.ts';
import { runSimulator, type RunningSimulator } from '../src/simulator/simulator.ts';
import { driveFleet, startDrivenJobs } from './support/fleet.ts';
import { ADMIN_TOKEN, operatorApi, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

const FLEET = Number(process.env.PREVENTIVE_FLEET_TERMINALS ?? 1000);
const PER_SITE = 5;
/**
 * Simulated seconds between two heartbeats of a terminal: every four hours (six heartbeats cover the
 * trading day). The plan reads only the sum of the transactions each terminal reported over the day,
 * which a heartbeat every four hours tells as fully as one a minute, at a small share of the cost.
 */
const BEAT_SECONDS = 4 * 3600;
const HOUR = 3_600_000;
/** Thresholds for this plan: a supermarket terminal sells about 60 a day (over the week's average), a shop's about 15. */
const FACTORS = {
  usage: { high: { transactionsPerDay: 40, factor: 0.75 }, low: { transactionsPerDay: 25, factor: 1.25 } },
  environment: { outdoor: 0.8, dusty: 0.7, hot: 0.85, humid: 0.85 },
  minimumShare: 0.25,
};
/** Busy and quiet trade, indoors, out in the open air and in dust. */
const KINDS: { profile: 'supermarket' | 'shop'; environment: ('indoor' | 'outdoor' | 'dusty' | 'humid')[] }[] = [
  { profile: 'supermarket', environment: ['indoor'] }, { profile: 'shop', environment: ['indoor'] },
  { profile: 'supermarket', environment: ['outdoor', 'humid'] }, { profile: 'shop', environment: ['outdoor', 'humid'] },
  { profile: 'supermarket', environment: ['dusty'] }, { profile: 'shop', environment: ['dusty'] },
];

interface Reason { factor: string; value: number; reason: string }
interface Due {
  terminalId: string; siteId: string; templateCode: string; dueAt: string; baseDays: number; effectiveDays: number; why: Reason[];
}
interface Terminal { id: string; siteId: string }

describe('a preventive plan over a simulated fleet', () => {
  let server: TestServer;
  let api: OperatorApi;
  let simulator: RunningSimulator | undefined;
  let dataDir: string;
  const kindOfSite = new Map<string, (typeof KINDS)[number]>();

  beforeAll(async () => {
    // Wednesday 06:00 in Shanghai: the shops open, and trade for a day before the plan is made.
    const clock = drivenClock(new Date('2026-11-24T22:00:00.000Z'));
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-pm-fleet-'));
    server = await startTestServer({
      prefix: 'posfleet-pm-fleet', clock: () => clock.now(), jobs: false,
      env: {
        DATA_DIR: dataDir, SQLITE_SYNCHRONOUS: 'NORMAL', LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_SECONDS: String(BEAT_SECONDS),
        // Wear and faults would only add noise to the due dates under test.
        DIAGNOSTIC_RULES: 'off',
      },
    });
    api = operatorApi(server);
    await startDrivenJobs(server);
    const plans: SimulatorSitePlan[] = Array.from({ length: Math.ceil(FLEET / PER_SITE) }, (_, i) => ({
      profile: KINDS[i % KINDS.length]!.profile, environment: KINDS[i % KINDS.length]!.environment, terminals: Math.min(PER_SITE, FLEET - i * PER_SITE),
    }));
    const sites = await prepareSimulatorSites(server.url, ADMIN_TOKEN, plans);
    sites.forEach((s, i) => kindOfSite.set(s.siteId, KINDS[i % KINDS.length]!));
    simulator = await runSimulator({ server: server.url, sites, intervalSeconds: BEAT_SECONDS, seed: 11, clock, selfTestFailureChance: 0, manualBeats: true });
    // A day's trade (and the night after it) in the heartbeats.
    await driveFleet({ clock, simulator, server, intervalMs: BEAT_SECONDS * 1000 }, new Date(clock.now().getTime() + 26 * HOUR));
    await simulator.stop();
    simulator = undefined;
  }, 1_800_000);

  afterAll(async () => {
    await simulator?.stop();
    await server?.close();
    await Promise.all([dataDir, server && dirname(server.databaseFile)].filter(Boolean).map((dir) => rm(dir!, { recursive: true, force: true })));
  });

  it('gives each terminal due dates shortened or stretched by its use and its site, each following from its reasons', async () => {
    const terminals: Terminal[] = [];
    for (let cursor: string | null = null; ;) {
      const page = (await api('GET', `/api/v1/terminals?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)) as { items: Terminal[]; nextCursor: string | null };
      terminals.push(...page.items);
      if (!(cursor = page.nextCursor)) break;
    }
    expect(terminals).toHaveLength(FLEET);
    const templates = ((await api('GET', '/api/v1/preventive/templates')) as { items: { id: string; builtin: boolean }[] }).items.filter((t) => t.builtin);
    const plan = await api('POST', '/api/v1/preventive/plans', { name: 'Simulated fleet calendar', templateIds: templates.map((t) => t.id), filter: {}, factors: FACTORS });
    const startAt = Date.parse(plan.startAt as string);

    const due: Due[] = [];
    for (let cursor: string | null = null; ;) {
      const page = (await api('GET', `/api/v1/preventive/due?planId=${plan.id}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)) as { items: Due[]; nextCursor: string | null };
      due.push(...page.items);
      if (!(cursor = page.nextCursor)) break;
    }
    expect(due).toHaveLength(FLEET * templates.length);

    const problems: string[] = [];
    for (const task of due) {
      const kind = kindOfSite.get(task.siteId)!;
      const problem = (what: string) => problems.push(`${task.terminalId} ${task.templateCode} (${kind.profile}, ${kind.environment.join('+')}): ${what}`);
      // The date follows from the reasons: the interval times every factor, kept above the minimum, counted from the start.
      const product = task.why.reduce((p, w) => p * w.value, 1);
      const expected = Math.max(task.baseDays * FACTORS.minimumShare, task.baseDays * product);
      if (Math.abs(task.effectiveDays - expected) > 0.01 * task.baseDays) problem(`effective ${task.effectiveDays} days, but its reasons give ${expected}`);
      if (Math.abs(Date.parse(task.dueAt) - startAt - task.effectiveDays * 24 * HOUR) > 60_000) problem(`due ${task.dueAt}, not ${task.effectiveDays} days after the start`);
      // The site's environment, and nothing else, is named.
      const named = task.why.filter((w) => w.factor.startsWith('environment:')).map((w) => w.factor.slice('environment:'.length)).sort();
      const conditions = kind.environment.filter((e) => e !== 'indoor').sort();
      if (named.join() !== conditions.join()) problem(`names the environment ${named.join('+') || 'none'}`);
      // Usage: the reason gives the terminal's transactions a day, on the right side of the threshold.
      const usage = task.why.find((w) => w.factor === 'usage');
      const perDay = Number(/^(?:high|low) usage: ([\d.]+) transactions\/day/.exec(usage?.reason ?? '')?.[1]);
      if (usage?.value === FACTORS.usage.high.factor && !(perDay >= FACTORS.usage.high.transactionsPerDay)) problem(`counted as busy: ${usage.reason}`);
      if (usage?.value === FACTORS.usage.low.factor && !(perDay <= FACTORS.usage.low.transactionsPerDay)) problem(`counted as quiet: ${usage.reason}`);
    }
    expect(problems.slice(0, 20)).toEqual([]);

    // The busy supermarkets run hot, the quiet shops slow: nearly all of them (a terminal whose link was
    // down much of the day reported less trade, and is rightly judged by what it reported).
    const share = (profile: string, value: number) => {
      const tasks = due.filter((d) => d.templateCode === 'quarterly' && kindOfSite.get(d.siteId)!.profile === profile);
      return tasks.filter((d) => d.why.some((w) => w.factor === 'usage' && w.value === value)).length / tasks.length;
    };
    expect(share('supermarket', FACTORS.usage.high.factor)).toBeGreaterThan(0.8);
    expect(share('supermarket', FACTORS.usage.low.factor)).toBeLessThan(0.05);
    expect(share('shop', FACTORS.usage.low.factor)).toBeGreaterThan(0.8);
    expect(share('shop', FACTORS.usage.high.factor)).toBe(0);
    // So one template's due dates spread over the combinations of use and environment.
    const quarterly = new Set(due.filter((d) => d.templateCode === 'quarterly').map((d) => d.effectiveDays));
    expect(quarterly.size).toBeGreaterThanOrEqual(KINDS.length);
  }, 120_000);
});
