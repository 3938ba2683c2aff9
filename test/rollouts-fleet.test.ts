// Signed rollouts over a simulated fleet, end to end: a real server on 127.0.0.1 (SQLite) and virtual
// terminals running the real terminal SDK, whose UpdateAgent downloads ahead of the window, checks the
// SHA-256 and the Ed25519 signature (WebCrypto) and installs inside the maintenance job. It proves
// issue 7's "Done when": a signed package uploads while a tampered or wrongly signed one is refused; a
// three-wave campaign over a fleet (200 terminals here, 1,000 with ROLLOUT_FLEET_TERMINALS=1000)
// completes inside their maintenance windows under the continuity rule; a build whose install fails
// and one that raises card-read failures halt their campaigns with the figures; a rollback restores
// the previous version.
//
// Time: a fleet's server and simulator share one clock (fleetClock) running up to 200 or 300 times
// faster than the real one, and leaping ahead whenever the process is idle (every answer given, every
// write made), so the simulated night takes as long as the fleet's work, not its hours ÷ the speed; on
// a busy machine the clock slows down until the process keeps up, so the fleet behaves the same, only later.
// Whatever is set in simulated time (the heartbeat interval, leases, windows, observeMinutes) is given
// in simulated seconds, and waits for the fleet are bounded in simulated minutes (with a real backstop
// against a clock that stalls) and asked again every simulated minute; the job runner polls on a real
// timer, and its recurring ticks (simulated intervals) come due at every poll.
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobState } from '../src/shared/job-states.ts';
import { signPackage } from '../src/rollouts/package-signature.ts';
import type { ActionView, CampaignView, PackageView } from '../src/rollouts/rollouts.schemas.ts';
import { cumulativeCounts } from '../src/rollouts/waves.ts';
import { prepareSimulatorSites, type SimulatorSitePlan } from '../src/simulator/enrolment.ts';
import { fleetClock } from '../src/simulator/fleet-clock.ts';
import { runSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator/simulator.ts';
import { ADMIN_TOKEN, operatorApi, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

/**
 * Each fleet's pace: simulated seconds per real second (server and simulator alike), and real seconds
 * between two heartbeats of a terminal. The big fleet beats slowly enough for this 2-core machine (its
 * heartbeat interval is 320 simulated seconds); the small one beats every 75 simulated seconds.
 */
const BIG = { speed: 200, beatSeconds: 1.6 };
const SMALL = { speed: 300, beatSeconds: 0.25 };
/**
 * Terminals in the three-wave rollout. What it proves holds per site and per wave (windows, the
 * continuity rule, waves in order, staged downloads, catch-up), so 200 terminals on 50 sites show it
 * as well as 1,000 on 250 did in five times the work; the heartbeat path's scale is the bench's. Set
 * ROLLOUT_FLEET_TERMINALS=1000 to play issue 7's thousand.
 */
const FLEET = Number(process.env.ROLLOUT_FLEET_TERMINALS ?? 200);
const TERMINALS_PER_SITE = 4;
const MINUTE = 60_000;
/** Shanghai, where the simulated merchant trades: UTC+8 all year. */
const LOCAL_OFFSET = 8 * 60 * MINUTE;
/** A planned job's lease may run this far past its window's end (windows.service's leaseGraceMinutes). */
const LEASE_GRACE = 5 * MINUTE;
const APP = 'sim-pos';
/** However slow the machine, a wait for the fleet ends by then (real time): the clock may not stall. */
const REAL_BACKSTOP_MS = 20 * MINUTE;

type Pace = typeof BIG;

/**
 * How far the world leaps at once while the process is idle: the heartbeats due within it go together,
 * and a job's step ends at most this late (its shortest steps take seconds, its lease minutes).
 */
const LEAP_MS = 20_000;

/**
 * A terminal counts as offline after this much real silence (at least three heartbeats). On a busy
 * machine the process can stall for a second (a long synchronous write, a collection, another
 * process's turn) while the accelerated clock runs on: with three missed beats of the small fleet
 * (0.75 real s) such a stall made terminals offline just as a wave was planned, and the planner rightly
 * skipped them (a rollback then left them on the faulty build). Both fleets get the big fleet's margin.
 */
const OFFLINE_AFTER_REAL_SECONDS = 4.8;
const missedBeatsOffline = (pace: Pace) => Math.max(3, Math.ceil(OFFLINE_AFTER_REAL_SECONDS / pace.beatSeconds - 1e-9));

const serverEnv = (dataDir: string, pace: Pace = BIG) => ({
  DATA_DIR: dataDir, SQLITE_SYNCHRONOUS: 'NORMAL', LOG_LEVEL: 'warn',
  HEARTBEAT_INTERVAL_SECONDS: String(Math.round(pace.speed * pace.beatSeconds)), OFFLINE_AFTER_MISSED_HEARTBEATS: String(missedBeatsOffline(pace)), OFFLINE_SWEEP_SECONDS: '60',
  POSFLEET_JOB_POLL_MS: '100', MAINTENANCE_TICK_SECONDS: '20', ROLLOUT_TICK_SECONDS: '20',
  // Announcements ahead of planned jobs would only fill the notification queue here.
  ANNOUNCE_LEAD_MINUTES: '1',
  // A few simulated terminals start tampered: diagnostics would lock those, and a locked terminal is
  // rightly never updated.
  DIAGNOSTIC_RULES: 'off',
});

// ---- the operator's side, over HTTP

type Refusal = { error: { code: string; message: string; field?: string; key?: string; params?: Record<string, unknown> } };

/** An operator call whose status the test looks at (operatorApi throws on anything but 2xx). */
async function call<T = unknown>(server: TestServer, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const response = await fetch(server.url + path, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': contentType }) },
    ...(body !== undefined && { body: Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

interface Publisher { keyId: string; privateKey: KeyObject }

async function registerPublisher(server: TestServer, name: string): Promise<Publisher> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const answer = await call<{ id: string }>(server, 'POST', '/api/v1/publisher-keys', { name, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { keyId: answer.body.id, privateKey };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Declares an application package, signed with the publisher's key unless `signer` says otherwise. */
function declare(server: TestServer, publisher: Publisher, p: { version: string; content: Buffer; modelId: string; signer?: KeyObject }) {
  const facts = { kind: 'application', name: APP, version: p.version, size: p.content.length, sha256: sha256(p.content) };
  return call<PackageView & Refusal>(server, 'POST', '/api/v1/packages', {
    ...facts, fileName: `${APP}-${p.version}.apk`, signature: signPackage(facts, p.signer ?? publisher.privateKey), keyId: publisher.keyId,
    compatibleModels: [p.modelId], releaseNotes: { 'zh-CN': `版本 ${p.version}`, en: `Release ${p.version}` },
  });
}

const upload = (server: TestServer, packageId: string, content: Buffer) =>
  call<PackageView & Refusal>(server, 'PUT', `/api/v1/packages/${packageId}/content`, content, 'application/octet-stream');

async function publish(server: TestServer, publisher: Publisher, version: string, modelId: string): Promise<PackageView> {
  const content = randomBytes(24 * 1024);
  const declared = await declare(server, publisher, { version, content, modelId });
  expect(declared.status, JSON.stringify(declared.body)).toBe(201);
  const uploaded = await upload(server, declared.body.id, content);
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  expect(uploaded.body.ready).toBe(true);
  return uploaded.body;
}

async function allPages<T>(api: OperatorApi, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await api('GET', `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Runs `work` over `items`, `limit` at a time, in order of the results. */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  }));
  return results;
}

// ---- a fleet: a server and simulated terminals on one accelerated clock

interface Fleet {
  server: TestServer;
  api: OperatorApi;
  clock: () => Date;
  /** Waits simulated milliseconds on the fleet's clock. */
  sleep: (ms: number) => Promise<void>;
  /** Simulated seconds per real second now (below the pace's speed while the machine is too busy). */
  pace: () => number;
  simulator: RunningSimulator;
  sites: Awaited<ReturnType<typeof prepareSimulatorSites>>;
  modelId: string;
  merchantId: string;
  packages: Map<string, PackageView>;
  /** What the simulator logged: SDK errors, and maintenance jobs that ended other than completed. */
  log: string[];
  stop(): Promise<void>;
}

/** Sites of simulated terminals enrolled and beating, and ready packages of the given versions. */
async function startFleet(o: {
  pace: Pace; plans: SimulatorSitePlan[]; startAt: string; seed: number; versions: string[]; faultyVersions?: SimulatorOptions['faultyVersions'];
}): Promise<Fleet> {
  const world = fleetClock(new Date(o.startAt), o.pace.speed, { leap: { maxMs: LEAP_MS } });
  const clock = () => world.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'posfleet-fleet-data-'));
  const server = await startTestServer({ prefix: 'posfleet-fleet', clock, env: serverEnv(dataDir, o.pace) });
  // A thousand terminals' heartbeats fill a database of some hundred MB: nothing is kept.
  const removeFiles = () => Promise.all([dataDir, dirname(server.databaseFile)].map((dir) => rm(dir, { recursive: true, force: true })));
  let simulator: RunningSimulator | undefined;
  try {
    const api = operatorApi(server);
    const sites = await prepareSimulatorSites(server.url, ADMIN_TOKEN, o.plans);
    const [model] = (await api('GET', '/api/v1/terminal-models?q=SIM-A1')).items as { id: string }[];
    const { merchantId } = await api('GET', `/api/v1/sites/${sites[0]!.siteId}`);
    const publisher = await registerPublisher(server, 'PosFleet release team');
    const packages = new Map<string, PackageView>();
    for (const version of o.versions) packages.set(version, await publish(server, publisher, version, model!.id));
    const log: string[] = [];
    simulator = await runSimulator({
      server: server.url, sites, intervalSeconds: o.pace.beatSeconds, seed: o.seed, clock: world, selfTestFailureChance: 0,
      ...(o.faultyVersions && { faultyVersions: o.faultyVersions }), log: (line) => log.push(line),
    });
    const running = simulator;
    return {
      server, api, clock, sleep: (ms) => world.sleep(ms), pace: () => world.pace(), simulator, sites, modelId: model!.id, merchantId, packages, log,
      async stop() {
        await running.stop();
        await server.close();
        world.stop();
        await removeFiles();
      },
    };
  } catch (error) {
    await simulator?.stop();
    await server.close();
    world.stop();
    await removeFiles();
    throw error;
  }
}

/** How often a wait for the fleet asks again, in simulated time: the fleet is asked less when the world slows down. */
const PROBE_EVERY_MS = MINUTE;

/** Asks until `probe` gives a value, every simulated minute, for at most `minutes` of the fleet's simulated time. */
async function within<T>(fleet: Pick<Fleet, 'clock' | 'sleep'>, minutes: number, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = fleet.clock().getTime() + minutes * MINUTE;
  const backstop = Date.now() + REAL_BACKSTOP_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (fleet.clock().getTime() > deadline) throw new Error(`${what} not reached within ${minutes} simulated minutes`);
    if (Date.now() > backstop) throw new Error(`${what} not reached within ${REAL_BACKSTOP_MS / MINUTE} real minutes (the fleet's clock stalled)`);
    await fleet.sleep(PROBE_EVERY_MS);
  }
}

/** Every terminal has reported (its version), and most beat now: a few links are always down for a while, as in a real fleet. */
async function fleetOnline(fleet: Fleet, terminals: number): Promise<void> {
  await within(fleet, 180, async () => {
    const all = await allPages<{ appVersion: string | null; online: boolean }>(fleet.api, `/api/v1/terminals?modelId=${fleet.modelId}`);
    return all.length === terminals && all.every((t) => t.appVersion) && all.filter((t) => t.online).length >= terminals * 0.9 ? true : undefined;
  }, `${terminals} terminals reporting`);
}

/**
 * The merchant's nightly maintenance windows: `occurrences` back-to-back windows of `durationMinutes`
 * (whole hours), the first open now with `remainingMinutes` left, as a cron schedule in its time zone.
 */
function nightWindows(fleet: Fleet, o: { remainingMinutes: number; durationMinutes: number; occurrences: number }): Promise<{ id: string }> {
  const firstStart = Math.floor((fleet.clock().getTime() + (o.remainingMinutes - o.durationMinutes) * MINUTE) / MINUTE) * MINUTE;
  const local = new Date(firstStart + LOCAL_OFFSET);
  const hours = Array.from({ length: o.occurrences }, (_, i) => (local.getUTCHours() + (i * o.durationMinutes) / 60) % 24).sort((a, b) => a - b);
  return fleet.api('POST', '/api/v1/maintenance/windows', {
    name: 'night work', target: { merchantId: fleet.merchantId },
    schedule: { kind: 'cron', cron: `${local.getUTCMinutes()} ${hours.join(',')} * * *`, durationMinutes: o.durationMinutes },
  });
}

/** A window for one terminal every hour, `minutes` long, the first opened a minute ago. */
function hourlyWindow(fleet: Fleet, terminalId: string, minutes: number): Promise<{ id: string }> {
  const minute = new Date(fleet.clock().getTime() - MINUTE).getUTCMinutes();
  return fleet.api('POST', '/api/v1/maintenance/windows', { name: 'catch-up', target: { terminalId }, schedule: { kind: 'cron', cron: `${minute} * * * *`, durationMinutes: minutes } });
}

/** A one-off window for the merchant, opened a minute ago, `minutes` long. */
function windowFromNow(fleet: Fleet, minutes: number, name: string): Promise<{ id: string }> {
  const start = new Date(Math.floor(fleet.clock().getTime() / MINUTE) * MINUTE - MINUTE).toISOString();
  return fleet.api('POST', '/api/v1/maintenance/windows', { name, target: { merchantId: fleet.merchantId }, schedule: { kind: 'once', start, durationMinutes: minutes } });
}

const startCampaign = (fleet: Fleet, input: Record<string, unknown>): Promise<CampaignView> => fleet.api('POST', '/api/v1/campaigns', input);
const campaignOf = (fleet: Fleet, id: string): Promise<CampaignView> => fleet.api('GET', `/api/v1/campaigns/${id}`);
const actionsOf = (fleet: Fleet, id: string) => allPages<ActionView>(fleet.api, `/api/v1/campaigns/${id}/actions`);

/** Waits (for at most `minutes` of simulated time) for the campaign to leave `running`, noting each change of its waves in `progress`. */
async function settled(fleet: Fleet, id: string, minutes: number, progress: string[]): Promise<CampaignView> {
  let last = '';
  return within(fleet, minutes, async () => {
    const c = await campaignOf(fleet, id);
    const line = `${c.state} ${c.waves.map((w) => `${w.wave}:${w.state}:${Object.entries(w.actions).filter(([, n]) => n).map(([s, n]) => `${s}=${n}`).join(',')}`).join(' ')}`;
    if (line !== last) progress.push(`${fleet.clock().toISOString()} (×${Math.round(fleet.pace())}) ${c.name}: ${line}`);
    last = line;
    return c.state !== 'running' ? c : undefined;
  }, `campaign ${id} settled (last: ${progress.slice(-5).join('\n')})`);
}

interface JobView {
  id: string; terminalId: string; siteId: string; state: JobState; startedAt: string | null; endedAt: string | null;
  transitions: { from: string | null; to: string; at: string; actor: string; note: string | null }[];
}
interface Occurrence { start: string; end: string }
interface Terminal { id: string; serialNumber: string; siteId: string; appVersion: string | null }

const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
const OUT_OF_SERVICE = ['draining', 'in_maintenance', 'restarting', 'verifying'];
const reported = (action: ActionView, status: string) => at(action.feedback!.find((f) => f.status === status)?.receivedAt);

/** Each action with its feedback, and its maintenance job with the job's transitions. */
function withJobs(fleet: Fleet, campaignId: string, actions: ActionView[]) {
  return eachLimited(actions, 16, async (a) => ({
    action: (await fleet.api('GET', `/api/v1/campaigns/${campaignId}/actions/${a.id}`)) as ActionView,
    job: (await fleet.api('GET', `/api/v1/maintenance/jobs/${a.maintenanceJobId}`)) as JobView,
  }));
}

/**
 * Failed installs, all for want of a link: the server failed the job when its lease ended (the
 * terminal was unreachable) or the terminal gave up a download cut off by an outage; never the install
 * itself. Each terminal is (once its link is back and it rolled back) on its previous version again.
 */
async function backOnPreviousVersion(fleet: Fleet, failed: { action: ActionView; job: JobView }[]): Promise<void> {
  for (const { action, job } of failed) {
    expect(job.transitions.find((t) => t.to === 'failed')?.note, action.serialNumber).toMatch(/^lease ended before the job was confirmed|simulated network outage/);
    for (const report of action.feedback!.filter((f) => f.status === 'failed')) {
      expect(JSON.stringify(report.body), action.serialNumber).toMatch(/simulated network outage|operation was aborted/);
    }
  }
  await within(fleet, 100, async () => {
    const versions = await Promise.all(failed.map(async ({ action }) => (await fleet.api('GET', `/api/v1/terminals/${action.terminalId}`)).appVersion as string));
    return versions.every((v, i) => v === failed[i]!.action.previousVersion) ? true : undefined;
  }, `${failed.map((f) => f.action.serialNumber).join(', ')} back on their previous versions`);
}

/** When the job had the terminal out of service: from its start until it left draining … verifying. */
function outOfService(job: JobView): [number, number] {
  const back = job.transitions.find((t) => t.from && OUT_OF_SERVICE.includes(t.from) && !OUT_OF_SERVICE.includes(t.to));
  return [at(job.startedAt), at(back?.at ?? job.endedAt)];
}

describe('signed rollouts to a simulated fleet', () => {
  it('uploads a signed package, and refuses a tampered one and a wrongly signed one for good', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'posfleet-signing-data-'));
    const server = await startTestServer({ prefix: 'posfleet-signing', env: serverEnv(dataDir) });
    try {
      const api = operatorApi(server);
      const model = await api('POST', '/api/v1/terminal-models', {
        code: 'SIGN-A1', vendor: 'PosFleet', model: 'Signing test', components: { cardReader: { chip: true, swipe: false, contactless: true }, printer: true, battery: false, networks: ['wifi'] },
      });
      const publisher = await registerPublisher(server, 'release team');

      const good = await publish(server, publisher, '3.4.0', model.id);
      expect(good).toMatchObject({ version: '3.4.0', keyId: publisher.keyId, ready: true, size: 24 * 1024 });

      // Tampered: declared with the signed facts of the original, then uploaded with one byte changed.
      const original = randomBytes(4096);
      const declared = await declare(server, publisher, { version: '3.4.1', content: original, modelId: model.id });
      expect(declared.status).toBe(201);
      const tampered = Buffer.from(original);
      tampered[100] = tampered[100]! ^ 0xff;
      const refusedContent = await upload(server, declared.body.id, tampered);
      expect(refusedContent.status).toBe(400);
      expect(refusedContent.body.error).toMatchObject({ code: 'validation_error', field: 'sha256', key: 'rollouts.content_sha_mismatch' });

      // Wrongly signed: another key's signature, under the registered publisher's key id ...
      const stranger = generateKeyPairSync('ed25519');
      const wronglySigned = await declare(server, publisher, { version: '3.4.2', content: randomBytes(4096), modelId: model.id, signer: stranger.privateKey });
      expect(wronglySigned.status).toBe(400);
      expect(wronglySigned.body.error).toMatchObject({ code: 'validation_error', field: 'signature', key: 'rollouts.signature_invalid', params: { keyId: publisher.keyId } });
      // ... or under its own key, which nobody registered.
      const strangerId = createHash('sha256').update(stranger.publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
      const unknownKey = await declare(server, { keyId: strangerId, privateKey: stranger.privateKey }, { version: '3.4.2', content: randomBytes(4096), modelId: model.id });
      expect(unknownKey.status).toBe(400);
      expect(unknownKey.body.error).toMatchObject({ field: 'keyId', key: 'rollouts.key_unknown', params: { id: strangerId } });

      // None of them became ready: the tampered one has no content (none was kept), the others were never recorded ...
      const listed = (await api('GET', `/api/v1/packages?name=${APP}`)).items as PackageView[];
      expect(listed.map((p) => [p.version, p.ready]).sort()).toEqual([['3.4.0', true], ['3.4.1', false]]);
      expect(readdirSync(join(dataDir, 'packages'))).toEqual([`${good.id}.pkg`]);
      // ... and the tampered one cannot be assigned.
      const merchant = await api('POST', '/api/v1/merchants', { name: 'Signing merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
      const site = await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'SIGN-1', name: 'Signing site' });
      await api('POST', '/api/v1/terminals', { serialNumber: 'SIGN-0001', modelId: model.id, siteId: site.id });
      const assigned = await call<Refusal>(server, 'POST', '/api/v1/campaigns', { name: 'tampered', packageId: declared.body.id, filter: { modelId: model.id } });
      expect(assigned.status).toBe(400);
      expect(assigned.body.error).toMatchObject({ field: 'packageId', key: 'rollouts.package_not_uploaded' });
    } finally {
      await server.close();
      await Promise.all([dataDir, dirname(server.databaseFile)].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it(`rolls a signed package out to ${FLEET} simulated terminals in three waves, inside their windows, under the continuity rule`, async () => {
    const plans = Array.from({ length: Math.ceil(FLEET / TERMINALS_PER_SITE) }, (_, i) => ({
      profile: 'shop' as const, terminals: Math.min(TERMINALS_PER_SITE, FLEET - i * TERMINALS_PER_SITE),
    }));
    // 21:30 in Shanghai: the shops have closed, and the campaign runs through the night.
    const fleet = await startFleet({ pace: BIG, plans, startAt: '2026-11-24T13:30:00.000Z', seed: 5, versions: ['3.4.0'] });
    const progress: string[] = [];
    try {
      await fleetOnline(fleet, FLEET);
      // Three-hour windows back to back through the night, the first closing in 50 minutes: wave 1 fits
      // in what is left of it, waves 2 and 3 in the next ones (each sized to hold a whole wave).
      const night = await nightWindows(fleet, { remainingMinutes: 50, durationMinutes: 180, occurrences: 4 });
      const waves = [10, 50, 100];
      const campaign = await startCampaign(fleet, {
        name: 'POS app 3.4.0', packageId: fleet.packages.get('3.4.0')!.id, filter: { modelId: fleet.modelId }, waves, observeMinutes: 15, seed: 42,
        // At this speed a few simulated links stay down longer than a job's lease (see below).
        maxFailureRate: 0.2,
      });
      const counts = cumulativeCounts(FLEET, waves);
      expect(campaign.waves.map((w) => w.terminals)).toEqual(counts.map((n, i) => n - (counts[i - 1] ?? 0)));

      const done = await settled(fleet, campaign.id, 720, progress);
      expect(done.state, `${JSON.stringify(done.halt)}\n${progress.join('\n')}`).toBe('completed');
      // The waves ran in order, each passing before the next started.
      expect(done.waves.map((w) => w.state)).toEqual(['passed', 'passed', 'passed']);
      for (const [i, w] of done.waves.entries()) {
        if (i > 0) expect(Date.parse(w.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done.waves[i - 1]!.endedAt!));
      }

      // Every action succeeded, except where the simulated link of the terminal was down for longer
      // than its job's lease (the simulator's outages last up to 8 heartbeat intervals: over 40
      // simulated minutes here): the server failed the job, and the terminal rolled back or never
      // started; it still runs its old version. Before it began installing, that is a skipped install
      // (the package is not to blame), after it a failed one.
      const actions = await actionsOf(fleet, campaign.id);
      expect(actions).toHaveLength(FLEET);
      expect(actions.filter((a) => !['succeeded', 'failed', 'skipped'].includes(a.state)).map((a) => `${a.serialNumber} ${a.state}: ${a.reason}`)).toEqual([]);
      // A terminal offline when its wave was planned is skipped up front, with no job.
      for (const a of actions.filter((x) => x.state === 'skipped')) {
        expect(a.reason, a.serialNumber).toMatch(/ended (failed|rolled_back) before the terminal began installing|^terminal \S+ is offline \(last heard from at [^)]+\); its job could not start$/);
      }
      const failed = await withJobs(fleet, campaign.id, actions.filter((a) => (a.state === 'failed' || a.state === 'skipped') && a.maintenanceJobId));
      expect(failed.length, 'installs missed by links down past their lease: is the machine too busy for this pace?').toBeLessThanOrEqual(FLEET * 0.1);
      await backOnPreviousVersion(fleet, failed);

      // Those few get it as an operator would give it: catch-up campaigns for the terminals not on 3.4.0
      // yet, in a window of their own every hour (a link may fail again: a few rounds, boundedly).
      const campaigns = [{ campaign: done, actions: actions.filter((a) => a.state === 'succeeded') }];
      const ownWindows = new Map<string, string>();
      const failedJobs = failed.map((f) => f.job);
      for (let round = 1; ; round++) {
        const behind = (await allPages<Terminal>(fleet.api, `/api/v1/terminals?modelId=${fleet.modelId}`)).filter((t) => t.appVersion !== '3.4.0');
        if (!behind.length) break;
        expect(round, `still behind after ${round - 1} catch-up rounds: ${behind.map((t) => t.serialNumber).join(', ')}`).toBeLessThanOrEqual(3);
        for (const t of behind) {
          if (!ownWindows.has(t.id)) ownWindows.set(t.id, (await hourlyWindow(fleet, t.id, 50)).id);
          // A job whose lease ended before the terminal ever started it stays `failed`, waiting for a
          // rollback report the terminal cannot send (it never knew the job), and holds back every new
          // job: the operator confirms it, the terminal being back in service on its old version.
          for (const job of (await fleet.api('GET', `/api/v1/terminals/${t.id}/maintenance-jobs`)).items as JobView[]) {
            if (job.state === 'failed') await fleet.api('POST', `/api/v1/maintenance/jobs/${job.id}/rolled-back`, { note: `back in service on ${t.appVersion}` });
          }
        }
        const catchUp = await startCampaign(fleet, {
          name: `POS app 3.4.0, catch-up ${round}`, packageId: fleet.packages.get('3.4.0')!.id, filter: { modelId: fleet.modelId }, waves: [100], observeMinutes: 0,
          maxFailureRate: 1,
        });
        expect(catchUp.waves[0]!.terminals).toBe(behind.length);
        const caught = await settled(fleet, catchUp.id, 200, progress);
        expect(caught.state, progress.join('\n')).toBe('completed');
        const caughtActions = await actionsOf(fleet, catchUp.id);
        expect(caughtActions.filter((a) => !['succeeded', 'failed', 'skipped'].includes(a.state)).map((a) => `${a.serialNumber} ${a.state}: ${a.reason}`)).toEqual([]);
        const failedAgain = await withJobs(fleet, catchUp.id, caughtActions.filter((a) => (a.state === 'failed' || a.state === 'skipped') && a.maintenanceJobId));
        await backOnPreviousVersion(fleet, failedAgain);
        failedJobs.push(...failedAgain.map((f) => f.job));
        campaigns.push({ campaign: caught, actions: caughtActions.filter((a) => a.state === 'succeeded') });
      }
      await fleet.simulator.stop();

      // Every install: inside a maintenance job that had the terminal out of service, the job started
      // inside the window it was planned in and done by its end (plus the lease's grace), within its wave.
      const from = new Date(Date.parse(campaign.createdAt) - 6 * 60 * MINUTE).toISOString();
      const occurrencesOf = async (windowId: string): Promise<Occurrence[]> => (await fleet.api('GET', `/api/v1/maintenance/windows/${windowId}/occurrences?from=${from}`)).items;
      const nightly = await occurrencesOf(night.id);
      const problems: string[] = [];
      const jobs: JobView[] = [];
      let staged = 0;
      for (const { campaign: c, actions: succeeded } of campaigns) {
        for (const { action, job } of await withJobs(fleet, c.id, succeeded)) {
          const problem = (what: string) => problems.push(`${action.serialNumber} (${c.name}, wave ${action.wave}): ${what}`);
          jobs.push(job);
          const [started, ended] = [at(job.startedAt), at(job.endedAt)];
          if (job.state !== 'completed') problem(`its job is ${job.state}`);
          const steps = job.transitions.map((t) => t.to).filter((s, i, all) => s !== all[i - 1] && s !== 'announced');
          if (steps.join(' ') !== 'scheduled draining in_maintenance restarting verifying completed') problem(`its job went ${steps.join(' → ')}`);
          const own = ownWindows.get(action.terminalId);
          const window = (own && c.id !== done.id ? await occurrencesOf(own) : nightly).find((o) => at(o.start) <= started && started < at(o.end));
          if (!window) problem(`its job started at ${job.startedAt}, outside its maintenance window`);
          else if (ended > at(window.end) + LEASE_GRACE) problem(`its job ended at ${job.endedAt}, after its window closed at ${window.end}`);
          // A progress report lost to a dropped link is sent again later (see src/sdk/updates.ts): only one
          // that arrived before "installed" says when installing began.
          const installed = reported(action, 'installed');
          const installing = Math.min(reported(action, 'installing'), installed);
          if (!(started <= installing && installing <= installed && installed <= ended)) {
            problem(`installed from ${new Date(installing).toISOString()} to ${new Date(installed).toISOString()}, outside its job (${job.startedAt} to ${job.endedAt})`);
          }
          if (reported(action, 'downloaded') < started) staged++;
          const wave = c.waves[action.wave - 1]!;
          if (started < at(wave.startedAt) || ended > at(wave.installedAt)) problem(`its job (${job.startedAt} to ${job.endedAt}) is outside its wave (${wave.startedAt} to ${wave.installedAt})`);
        }
      }
      expect(problems).toEqual([]);
      expect(new Set(jobs.map((j) => j.terminalId)).size).toBe(FLEET);
      // Downloads are staged: most terminals had the package before their job began.
      expect(staged).toBeGreaterThan(FLEET / 2);

      // The continuity rule: at no moment were all of a site's terminals in maintenance (failed jobs count too).
      for (const site of fleet.sites) {
        const edges = [...jobs, ...failedJobs].filter((j) => j.siteId === site.siteId).map(outOfService)
          .flatMap(([start, end]) => [[start, 1], [end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        let down = 0;
        for (const [when, change] of edges) {
          down += change;
          if (down >= site.terminals) problems.push(`all ${site.terminals} terminals of ${site.siteCode} were in maintenance at ${new Date(when).toISOString()}`);
        }
      }
      expect(problems).toEqual([]);

      // Every terminal runs the new version: it says so in its heartbeats, and the estate shows it.
      const terminals = await allPages<Terminal>(fleet.api, `/api/v1/terminals?modelId=${fleet.modelId}`);
      expect(terminals).toHaveLength(FLEET);
      expect(terminals.filter((t) => t.appVersion !== '3.4.0').map((t) => `${t.serialNumber} ${t.appVersion}`)).toEqual([]);
      const lastReports = await eachLimited(terminals, 16, async (t) => (await fleet.api('GET', `/api/v1/terminals/${t.id}/health`)).report.appVersion as string);
      expect(new Set(lastReports)).toEqual(new Set(['3.4.0']));
      expect(new Set(fleet.simulator.terminals.map((t) => t.installed.app))).toEqual(new Set(['3.4.0']));
      const versions = (await fleet.api('GET', '/api/v1/fleet/versions')).versions as { modelId: string; kind: string; version: string; terminals: number }[];
      expect(versions.filter((v) => v.kind === 'application')).toEqual([{ modelId: fleet.modelId, kind: 'application', version: '3.4.0', terminals: FLEET }]);
      // Besides simulated outages, the SDK met no error, and only terminals caught up later ended a job otherwise than completed.
      const unexpected = fleet.log.filter((line) => !line.includes('enrolled') && !line.includes('simulated network outage'));
      const caughtUp = [...ownWindows.keys()].map((id) => terminals.find((t) => t.id === id)!.serialNumber);
      expect(unexpected.filter((line) => !caughtUp.some((serial) => line.startsWith(`${serial}:`)))).toEqual([]);
    } finally {
      await fleet.stop();
    }
  }, 30 * MINUTE);

  it('halts a campaign whose build fails to install, halts one whose build makes card reads fail, and rolls that one back', async () => {
    // Supermarkets trading at 10:00 in Shanghai: payments go on while the faulty builds are tried.
    const plans = Array.from({ length: 12 }, () => ({ profile: 'supermarket' as const, terminals: 5 }));
    const fleet = await startFleet({
      pace: SMALL, plans, startAt: '2026-11-25T02:00:00.000Z', seed: 11, faultyVersions: { installFails: ['3.5.0'], cardReadFailures: ['3.6.0'] },
      // The builds under test, and the versions the fleet runs now (what a rollback goes back to).
      versions: ['3.5.0', '3.6.0', '3.2.0', '3.1.4', '2.9.9'],
    });
    const progress: string[] = [];
    const terminalsOf = () => allPages<Terminal>(fleet.api, `/api/v1/terminals?modelId=${fleet.modelId}`);
    /** Each campaign gets the merchant's window for the next hour, once the previous one has no job left. */
    let window: { id: string } | undefined;
    const nextWindow = async (name: string) => {
      // A job still ending (a rollback under way) keeps its window: the operator waits for it, boundedly.
      const old = window;
      if (old) {
        await within(fleet, 150, () => fleet.api('DELETE', `/api/v1/maintenance/windows/${old.id}`).then(() => true, (error: Error) => {
          if (!error.message.includes(' 409 ')) throw error;
          return undefined;
        }), 'the previous window to be free of jobs');
      }
      window = await windowFromNow(fleet, 60, name);
    };
    try {
      await fleetOnline(fleet, 60);
      const before = new Map((await terminalsOf()).map((t) => [t.id, t.appVersion]));
      expect(new Set(before.values())).toEqual(new Set(['3.2.0', '3.1.4', '2.9.9']));

      // A build whose installer fails: the first wave's failures halt the campaign, with the failure rate.
      await nextWindow('hotfix 3.5.0');
      const broken = await startCampaign(fleet, { name: 'POS app 3.5.0', packageId: fleet.packages.get('3.5.0')!.id, filter: { modelId: fleet.modelId }, waves: [10, 100], seed: 1 });
      const brokenHalted = await settled(fleet, broken.id, 300, progress);
      expect(brokenHalted.state, progress.join('\n')).toBe('halted');
      const installFigures = brokenHalted.halt!.figures as { failureRate: number; actions: Record<string, number> };
      expect(brokenHalted.halt).toMatchObject({ wave: 1, reason: expect.stringMatching(/^\d+ of 6 installs in wave 1 failed \(\d+\.\d %\), more than the allowed 10\.0 %$/) });
      expect(installFigures.failureRate).toBeGreaterThan(0.1);
      expect(installFigures.failureRate).toBeCloseTo(installFigures.actions.failed! / 6, 5);
      expect(brokenHalted.waves.map((w) => w.state)).toEqual(['failed', 'pending']);
      expect(brokenHalted.waves[1]!.actions.queued).toBe(54);
      // Each failure is the terminal's own report, with the installer's message.
      const brokenActions = await actionsOf(fleet, broken.id);
      const failedInstalls = brokenActions.filter((a) => a.state === 'failed');
      expect(failedInstalls.length).toBeGreaterThanOrEqual(installFigures.actions.failed!);
      for (const a of failedInstalls) {
        const detail: ActionView = await fleet.api('GET', `/api/v1/campaigns/${broken.id}/actions/${a.id}`);
        expect(detail.feedback!.find((f) => f.status === 'failed')?.body).toMatchObject({ details: [expect.stringContaining('installer exited with status 1 installing sim-pos 3.5.0')] });
      }
      // The operator gives up on 3.5.0; the jobs under way end (rolled back) before the window is reused.
      await fleet.api('POST', `/api/v1/campaigns/${broken.id}/cancel`, { note: 'installer broken' });
      await within(fleet, 150, async () => ((await actionsOf(fleet, broken.id)).every((a) => ['failed', 'cancelled', 'skipped', 'succeeded'].includes(a.state)) ? true : undefined), '3.5.0 jobs ended');
      await within(fleet, 150, async () => {
        const jobs = await eachLimited(failedInstalls, 4, async (a) => (await fleet.api('GET', `/api/v1/maintenance/jobs/${a.maintenanceJobId}`)).state as string);
        return jobs.every((state) => state === 'rolled_back') ? true : undefined;
      }, 'failed 3.5.0 jobs rolled back');
      expect((await terminalsOf()).filter((t) => t.appVersion === '3.5.0')).toEqual([]);
      expect(fleet.simulator.terminals.filter((t) => t.installed.app === '3.5.0')).toEqual([]);

      // A build that makes card reads fail: the wave installs, then payments on its terminals are
      // compared with terminals still on the old version, and the campaign halts with the figures.
      await nextWindow('release 3.6.0');
      const flaky = await startCampaign(fleet, {
        name: 'POS app 3.6.0', packageId: fleet.packages.get('3.6.0')!.id, filter: { modelId: fleet.modelId }, waves: [10, 100], seed: 2, observeMinutes: 20,
        // Not halted on installs: the point is what the update does to payments.
        maxFailureRate: 0.5,
      });
      const flakyHalted = await settled(fleet, flaky.id, 300, progress);
      expect(flakyHalted.state, progress.join('\n')).toBe('halted');
      expect(flakyHalted.halt!.reason).toMatch(
        /^payments got worse on wave 1's updated terminals than on comparable terminals still on the old version: card-read failure rate \d+\.\d % against \d+\.\d % \(z = \d+\.\d\)/);
      const verdict = flakyHalted.halt!.figures as { worse: boolean; judged: boolean; metrics: { metric: string; updated: number; comparison: number; z: number; worse: boolean }[] };
      expect(verdict).toMatchObject({ worse: true, judged: true });
      const cardReads = verdict.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
      expect(cardReads.worse).toBe(true);
      expect(cardReads.updated).toBeGreaterThan(cardReads.comparison + 0.1);
      expect(cardReads.z).toBeGreaterThan(3);
      expect(flakyHalted.waves.map((w) => w.state)).toEqual(['failed', 'pending']);
      const updated = (await actionsOf(fleet, flaky.id)).filter((a) => a.state === 'succeeded');
      expect(updated.length).toBeGreaterThanOrEqual(3);
      // Only the first wave got 3.6.0: the comparison terminals were all still on their old version.
      const onFlaky = (await terminalsOf()).filter((t) => t.appVersion === '3.6.0').map((t) => t.id);
      expect(onFlaky.sort()).toEqual(updated.map((a) => a.terminalId).sort());

      // Rollback: the updated terminals get their previous version again, each its own package.
      await nextWindow('roll back 3.6.0');
      const rollback = await fleet.api('POST', `/api/v1/campaigns/${flaky.id}/rollback`, { waves: [100] }) as CampaignView;
      expect(rollback).toMatchObject({ rollbackOf: flaky.id, state: 'running', excluded: {} });
      expect((await campaignOf(fleet, flaky.id)).state).toBe('cancelled');
      const back = await actionsOf(fleet, rollback.id);
      expect(back.map((a) => [a.terminalId, a.packageId, a.previousVersion]).sort()).toEqual(
        updated.map((a) => [a.terminalId, fleet.packages.get(a.previousVersion!)!.id, '3.6.0']).sort());
      // Done once every re-install succeeded (what its wave's observation then makes of payments is not the point here).
      const reinstalled = await within(fleet, 300, async () => {
        const actions = await actionsOf(fleet, rollback.id);
        return actions.every((a) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(a.state)) ? actions : undefined;
      }, 'the rollback installed');
      expect(reinstalled.map((a) => `${a.serialNumber} ${a.state}`).sort(), reinstalled.map((a) => `${a.serialNumber}: ${a.reason}`).join('\n')).toEqual(updated.map((a) => `${a.serialNumber} succeeded`).sort());
      // Once installed, a terminal reports its version with its next heartbeat.
      await within(fleet, 50, async () => ((await terminalsOf()).every((t) => t.appVersion === before.get(t.id)) ? true : undefined), 'versions reported');
      await fleet.simulator.stop();
      const after = new Map((await terminalsOf()).map((t) => [t.id, t.appVersion]));
      expect(after).toEqual(before);
      for (const a of updated) expect((await fleet.api('GET', `/api/v1/terminals/${a.terminalId}/health`)).report.appVersion).toBe(a.previousVersion);
      expect(new Map(fleet.simulator.terminals.map((t) => [t.serialNumber, t.installed.app]))).toEqual(
        new Map((await terminalsOf()).map((t) => [t.serialNumber, before.get(t.id)])));
    } finally {
      await fleet.stop();
    }
  }, 30 * MINUTE);
});
