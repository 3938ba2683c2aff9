// Signed software rollouts end to end through the operator API and the terminal protocol: publisher
// keys, signed packages and their upload, campaigns in waves inside maintenance windows, the terminal's
// side (hints in heartbeat answers, download with Range, feedback, the maintenance job's steps), halts
// on install failures and on worse payments, pause, resume, cancel and rollback, and the fleet view.
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signPackage, verifyPackage } from '../src/rollouts/package-signature.ts';
import { say, type SaidParams } from '../src/shared/messages/said.ts';
import { RolloutsRepository } from '../src/rollouts/rollouts.repository.ts';
import type { JobState } from '../src/shared/job-states.ts';
import { ADMIN_TOKEN, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { expectError, ok } from './support/http.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** 01:00–05:00 in Shanghai (the merchants' time zone): 17:00–21:00 UTC. */
const NIGHTLY = { kind: 'cron', cron: '0 1 * * *', durationMinutes: 240 } as const;
const OUT_OF_SERVICE: readonly JobState[] = ['draining', 'in_maintenance', 'restarting', 'verifying'];

interface Term {
  id: string;
  serialNumber: string;
  siteId: string;
  /** Terminals at its site. */
  siteSize: number;
  credential: string;
  seq: number;
  appVersion: string;
  /** Actions whose package this terminal downloaded (ahead of its window). */
  downloaded: Set<number>;
}
interface Hint { actionId: number; state: string; installAllowed: boolean }
interface Answer { mode: string; maintenance: { jobId: string; state: string } | null; deployment: Hint | null }
interface Deployment {
  actionId: number; state: string; installAllowed: boolean; maintenanceJobId: string | null;
  package: { id: string; kind: string; name: string; version: string; size: number; sha256: string; signature: string; publicKey: string; downloadUrl: string };
}
interface Wave { wave: number; percent: number; state: string; terminals: number; actions: Record<string, number>; startedAt: string | null; installedAt: string | null; endedAt: string | null; verdict: null | { failureRate: number; payments: null | { worse: boolean; judged: boolean; note: string | null; metrics: Metric[] } } }
interface Metric { metric: string; updated: number; comparison: number; difference: number; z: number; worse: boolean; basis?: string; updatedBefore?: number | null; comparisonBefore?: number | null }
interface Campaign {
  id: string; name: string; state: string; currentWave: number; rollbackOf: string | null; package: { id: string; version: string };
  halt: null | { wave: number; reason: string; at: string; figures: Record<string, unknown> & { metrics?: Metric[] } };
  excluded: Record<string, number>; waves: Wave[]; settings: { maxFailureRate: number; seed: number };
}
interface Action { id: number; terminalId: string; serialNumber: string; wave: number; state: string; reason: string | null; skipReason: string | null; maintenanceJobId: string | null; previousVersion: string | null; updatedAt: string; finishedAt: string | null }
interface Behaviour { fail?: boolean }

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const newKeyPair = () => generateKeyPairSync('ed25519');
const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

describe.each(databases())('signed rollouts on $name', (kind) => {
  let t: TestApp;
  let dataDir: string;
  // 01:00 in Shanghai: the nightly window is open.
  let now = new Date('2026-06-15T17:00:00.000Z');
  let counter = 0;
  const unique = (prefix: string) => `${prefix}${String(++counter).padStart(3, '0')}`;
  const publisher = newKeyPair();
  let keyId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-rollouts-'));
    t = await startTestApp(await kind.fresh(), {
      DATA_DIR: dataDir, MAX_PACKAGE_MB: '1', HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000', SQLITE_SYNCHRONOUS: 'NORMAL',
    }, () => now);
    keyId = (await registerKey('release team', pemOf(publisher.publicKey))).id;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    problems.length = 0;
  });
  // Each test leaves no campaign running: its waiting jobs would start in the next test's night.
  afterEach(async () => {
    const open = await t.services.db.kysely.selectFrom('campaigns').select('id').where('state', 'in', ['running', 'paused', 'halted']).execute();
    for (const { id } of open) await ok(t.api('POST', `/api/v1/campaigns/${id}/cancel`, { note: 'end of test' }));
  });

  // ---- operator side
  const registerKey = (name: string, publicKey: string) => ok<{ id: string }>(t.api('POST', '/api/v1/publisher-keys', { name, publicKey }), 201);
  const upload = (packageId: string, content: Buffer) => t.app.inject({
    method: 'PUT', url: `/api/v1/packages/${packageId}/content`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, payload: content,
  });
  const campaign = (id: string) => ok<Campaign>(t.api('GET', `/api/v1/campaigns/${id}`));
  const actions = async (id: string, query = '') => (await ok<{ items: Action[] }>(t.api('GET', `/api/v1/campaigns/${id}/actions?limit=1000${query}`))).items;
  const startCampaign = (body: Record<string, unknown>) => ok<Campaign>(t.api('POST', '/api/v1/campaigns', { name: unique('Rollout '), observeMinutes: 0, ...body }), 201);
  const terminalVersion = async (term: Term) => (await ok<{ appVersion: string | null }>(t.api('GET', `/api/v1/terminals/${term.id}`))).appVersion;
  const rows = async (table: 'rollout_actions' | 'campaigns') => Number((await t.services.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  interface Published { id: string; version: string; ready: boolean; content: Buffer }
  /** Declares a package (kind, name, version, size, SHA-256) signed by `privateKey`. */
  async function declare(input: { version: string; models: string[]; name?: string; content?: Buffer; securityPatch?: boolean; privateKey?: KeyObject; keyId?: string }) {
    const content = input.content ?? randomBytes(3000);
    const facts = { kind: 'application', name: input.name ?? 'pos-app', version: input.version, size: content.length, sha256: sha256(content) };
    const res = await t.api('POST', '/api/v1/packages', {
      ...facts, fileName: `pos-app-${input.version}.apk`, signature: signPackage(facts, input.privateKey ?? publisher.privateKey), keyId: input.keyId ?? keyId,
      compatibleModels: input.models, securityPatch: input.securityPatch ?? false, releaseNotes: { 'zh-CN': '修复', en: 'Fixes' },
    });
    return { res, content };
  }
  /** Declares a package and uploads its content: ready to be rolled out. */
  async function publish(input: Parameters<typeof declare>[0]): Promise<Published> {
    const { res, content } = await declare(input);
    expect(res.statusCode, res.body).toBe(201);
    const uploaded = await ok<Published>(upload(res.json().id, content));
    expect(uploaded.ready).toBe(true);
    return { ...uploaded, content };
  }

  // ---- the estate: one model, one merchant, sites of enrolled terminals online
  /** Sites with `sizes` terminals each; sites in `windowless` get no maintenance window. */
  async function fleet(sizes: number[], options: { windowless?: number[]; appVersion?: string } = {}) {
    const model = await t.services.estate.createModel({
      code: unique('RM'), vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await t.services.estate.createMerchant({ name: unique('Rollout merchant '), timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const prefix = unique('RO');
    const sites: { id: string; terminals: Term[] }[] = [];
    for (const [s, size] of sizes.entries()) {
      const site = await t.services.estate.createSite({ merchantId: merchant.id, code: `${prefix}-S${s}`, name: `Shop ${s}` });
      if (!options.windowless?.includes(s)) await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId: site.id }, schedule: NIGHTLY }), 201);
      const terminals: Term[] = [];
      for (let i = 0; i < size; i++) {
        const created = await t.services.estate.createTerminal({ serialNumber: `${prefix}-S${s}-T${String(i).padStart(2, '0')}`, modelId: model.id, siteId: site.id, tags: [] });
        const { credential } = await enrolTerminal(t, created.serialNumber);
        const term: Term = { id: created.id, serialNumber: created.serialNumber, siteId: site.id, siteSize: size, credential, seq: 1, appVersion: options.appVersion ?? '3.2.0', downloaded: new Set() };
        await beat(term);
        terminals.push(term);
      }
      sites.push({ id: site.id, terminals });
    }
    return { model, merchant, sites, terminals: sites.flatMap((s) => s.terminals) };
  }

  /** The next night, 01:00 in Shanghai: the sites' windows open. */
  function nextNight() {
    const next = new Date(now.getTime() + DAY);
    next.setUTCHours(17, 0, 0, 0);
    now = next;
  }
  /**
   * The next evening, an hour before the windows open: a campaign started now plans its installs for
   * the opening, and its terminals download meanwhile (campaigns start installs as early as they may).
   */
  function nextEvening() {
    nextNight();
    now = new Date(now.getTime() - 60 * MINUTE);
  }

  // ---- the terminal side
  async function beat(term: Term, overrides: Record<string, unknown> = {}): Promise<Answer> {
    const seq = term.seq++;
    return ok<Answer>(t.device('/device/v1/heartbeat', term.credential, heartbeatReport(seq, { appVersion: term.appVersion, uptimeSeconds: 3600 + seq * 60, ...overrides })));
  }
  const feedback = (term: Term, actionId: number, status: string, reportId = unique('report-')) =>
    t.device(`/device/v1/deployments/${actionId}/feedback`, term.credential, { reportId, status });
  const step = (term: Term, jobId: string, body: Record<string, unknown>) => ok<{ state: string }>(t.device(`/device/v1/maintenance/${jobId}/steps`, term.credential, body));
  const getAs = (term: Term, url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${term.credential}`, ...headers } });
  const deploymentOf = (term: Term, actionId: number) => ok<Deployment>(getAs(term, `/device/v1/deployments/${actionId}`));
  const jobState = async (jobId: string) => (await ok<{ state: JobState }>(t.api('GET', `/api/v1/maintenance/jobs/${jobId}`))).state;

  /** What went wrong on the terminals' side while driving a campaign: installs allowed at the wrong time, bad files. */
  const problems: string[] = [];
  /** Every install, in order, with the state its maintenance job had then. */
  const installs: { serialNumber: string; actionId: number; version: string; jobState: string; at: number; downAtSite: number; siteSize: number }[] = [];

  /** Downloads the package ahead of the window and checks it as the SDK would: SHA-256 and signature. */
  async function download(term: Term, deployment: Deployment) {
    await ok(feedback(term, deployment.actionId, 'downloading'));
    const res = await getAs(term, deployment.package.downloadUrl);
    expect(res.statusCode).toBe(200);
    const facts = { ...deployment.package };
    if (sha256(res.rawPayload) !== facts.sha256) problems.push(`${term.serialNumber}: downloaded file does not match its SHA-256`);
    if (!verifyPackage(facts, facts.signature, facts.publicKey)) problems.push(`${term.serialNumber}: package signature does not verify`);
    await ok(feedback(term, deployment.actionId, 'downloaded'));
    term.downloaded.add(deployment.actionId);
  }

  /** Installs (or fails to) inside the maintenance job that has the terminal out of service. */
  async function installOn(term: Term, deployment: Deployment, behaviour: Behaviour = {}) {
    const jobId = deployment.maintenanceJobId!;
    await step(term, jobId, { state: 'in_maintenance' });
    const state = await jobState(jobId);
    const down = await t.services.db.kysely.selectFrom('maintenance_jobs').select((eb) => eb.fn.countAll().as('n'))
      .where('site_id', '=', term.siteId).where('state', 'in', OUT_OF_SERVICE).executeTakeFirstOrThrow();
    installs.push({
      serialNumber: term.serialNumber, actionId: deployment.actionId, version: deployment.package.version, jobState: state, at: now.getTime(),
      downAtSite: Number(down.n), siteSize: term.siteSize,
    });
    await ok(feedback(term, deployment.actionId, 'installing'));
    if (behaviour.fail) {
      await ok(feedback(term, deployment.actionId, 'failed'));
      await step(term, jobId, { state: 'failed', note: 'install script exited with 1' });
      await step(term, jobId, { state: 'rolled_back' });
      return;
    }
    await ok(feedback(term, deployment.actionId, 'installed'));
    term.appVersion = deployment.package.version;
    await step(term, jobId, { state: 'restarting' });
    await beat(term);
    await step(term, jobId, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }, { name: 'card reader', passed: true }] });
  }

  /** One heartbeat and what the terminal's software does about its answer. */
  async function live(term: Term, behaviour: Behaviour = {}): Promise<void> {
    const answer = await beat(term);
    const hint = answer.deployment;
    if (!hint || hint.state === 'installed') return;
    const deployment = await deploymentOf(term, hint.actionId);
    const job = deployment.maintenanceJobId ? await jobState(deployment.maintenanceJobId) : null;
    if (hint.installAllowed !== (job !== null && OUT_OF_SERVICE.includes(job))) {
      problems.push(`${term.serialNumber}: installAllowed ${hint.installAllowed} while its maintenance job is ${job}`);
    }
    if (!term.downloaded.has(hint.actionId)) await download(term, deployment);
    if (hint.installAllowed) await installOn(term, deployment, behaviour);
  }

  /**
   * When the campaign's next waiting maintenance job is due (or a little later, when none waits); a
   * minute on while a job has a terminal out of service (it acts on its next heartbeat).
   */
  async function nextStart(campaignId: string): Promise<Date> {
    const jobs = await t.services.db.kysely.selectFrom('rollout_actions')
      .innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .select(['maintenance_jobs.planned_start', 'maintenance_jobs.state']).where('rollout_actions.campaign_id', '=', campaignId)
      .where('maintenance_jobs.state', 'in', ['scheduled', 'announced', ...OUT_OF_SERVICE]).orderBy('maintenance_jobs.planned_start').execute();
    const waiting = jobs.filter((j) => j.state === 'scheduled' || j.state === 'announced');
    if (waiting.length < jobs.length) return new Date(now.getTime() + MINUTE);
    const first = waiting[0] ? Date.parse(waiting[0].planned_start) : Number.POSITIVE_INFINITY;
    return new Date(first > now.getTime() ? Math.min(first, now.getTime() + 6 * 60 * MINUTE) : now.getTime() + MINUTE);
  }

  /**
   * Runs the fleet until `until` holds for the campaign: terminals heartbeat and act on their answers,
   * the maintenance tick starts due jobs, the rollouts tick moves the campaign on, the clock goes to the
   * next due job. Bounded.
   */
  async function drive(campaignId: string, terms: Term[], options: { until?: (c: Campaign) => boolean; behaviour?: (term: Term) => Behaviour } = {}): Promise<Campaign> {
    const until = options.until ?? ((c: Campaign) => c.state !== 'running');
    for (let round = 0; round < 300; round++) {
      for (const term of terms) await live(term, options.behaviour?.(term));
      if (await t.services.jobLifecycle.startDueJobs()) {
        for (const term of terms) await live(term, options.behaviour?.(term));
      }
      await t.services.campaignEngine.tick();
      const current = await campaign(campaignId);
      if (until(current)) return current;
      now = await nextStart(campaignId);
    }
    throw new Error(`campaign ${campaignId} did not get there in 300 rounds: ${JSON.stringify(await campaign(campaignId))}`);
  }

  // ---------------------------------------------------------------------------------------------------
  describe('publisher keys', () => {
    it('accepts only Ed25519 public keys, once, and refuses packages of a revoked key', async () => {
      expect(await expectError(t.api('POST', '/api/v1/publisher-keys', { name: 'junk', publicKey: 'not a key' }))).toMatchObject({ code: 'validation_error', field: 'publicKey' });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const wrongType = await expectError(t.api('POST', '/api/v1/publisher-keys', { name: 'rsa', publicKey: pemOf(rsa.publicKey) }));
      expect(wrongType).toMatchObject({ field: 'publicKey', key: 'rollouts.public_key_invalid', params: { problem: 'wrong_type', type: 'rsa' } });
      expect(wrongType.message).toContain('Ed25519');
      // A private key pasted by mistake is refused rather than quietly reduced to its public half.
      const pair = newKeyPair();
      const secret = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      expect(await expectError(t.api('POST', '/api/v1/publisher-keys', { name: 'oops', publicKey: secret }))).toMatchObject({ field: 'publicKey', key: 'rollouts.public_key_invalid', params: { problem: 'private' } });

      const key = await registerKey('vendor', pemOf(pair.publicKey));
      expect(key.id).toMatch(/^[0-9a-f]{32}$/);
      expect(await expectError(t.api('POST', '/api/v1/publisher-keys', { name: 'again', publicKey: pemOf(pair.publicKey) }), 409)).toMatchObject({ code: 'conflict', field: 'publicKey' });
      const listed = await ok<{ items: { id: string; revokedAt: string | null }[] }>(t.api('GET', '/api/v1/publisher-keys'));
      expect(listed.items).toContainEqual(expect.objectContaining({ id: key.id, revokedAt: null }));

      nextNight();
      const model = (await fleet([2])).model.id;
      const signed = await publish({ version: '3.3.0', name: unique('vendor-app-'), models: [model], privateKey: pair.privateKey, keyId: key.id });
      const revoked = await ok<{ revokedAt: string | null }>(t.api('POST', `/api/v1/publisher-keys/${key.id}/revoke`));
      expect(revoked.revokedAt).toBe(now.toISOString());
      expect(await expectError(t.api('POST', `/api/v1/publisher-keys/${key.id}/revoke`), 409)).toMatchObject({ code: 'conflict' });

      const before = { campaigns: await rows('campaigns'), actions: await rows('rollout_actions') };
      const error = await expectError(t.api('POST', '/api/v1/campaigns', { name: 'revoked', packageId: signed.id, filter: { modelId: model } }));
      expect(error).toMatchObject({ field: 'packageId', key: 'rollouts.package_key_revoked' });
      expect({ campaigns: await rows('campaigns'), actions: await rows('rollout_actions') }).toEqual(before);
      // Nor can it sign anything new.
      const { res } = await declare({ version: '3.3.1', name: unique('vendor-app-'), models: [model], privateKey: pair.privateKey, keyId: key.id });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ field: 'keyId', key: 'rollouts.key_revoked' });
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('packages', () => {
    it('accepts a package signed by a registered key, and only content that matches it', async () => {
      const { model } = await fleet([]);
      const name = unique('app-');
      const { res, content } = await declare({ version: '4.0.0', name, models: [model.id] });
      expect(res.statusCode, res.body).toBe(201);
      const declared = res.json<{ id: string; ready: boolean; sha1: string | null }>();
      expect(declared).toMatchObject({ ready: false, sha1: null, version: '4.0.0', keyId, compatibleModels: [model.id] });
      const files = () => (existsSync(join(dataDir, 'packages')) ? readdirSync(join(dataDir, 'packages')) : []);
      const before = files();

      // Tampered: same size, one byte changed.
      const tampered = Buffer.from(content);
      tampered[100] = tampered[100]! ^ 0xff;
      expect(await expectError(upload(declared.id, tampered))).toMatchObject({ code: 'validation_error', field: 'sha256', key: 'rollouts.content_sha_mismatch' });
      expect(await expectError(upload(declared.id, Buffer.concat([content, Buffer.from('x')])))).toMatchObject({ field: 'size' });
      expect(await expectError(upload(declared.id, content.subarray(0, 100)))).toMatchObject({ field: 'size' });
      expect((await ok<{ ready: boolean }>(t.api('GET', `/api/v1/packages/${declared.id}`))).ready).toBe(false);
      expect(files()).toEqual(before);

      // Only the raw file is content.
      const asJson = await t.api('PUT', `/api/v1/packages/${declared.id}/content`, { content: content.toString('base64') });
      expect(asJson.statusCode, asJson.body).toBe(415);

      // Not ready yet: no campaign can use it.
      expect(await expectError(t.api('POST', '/api/v1/campaigns', { name: 'too early', packageId: declared.id, filter: { modelId: model.id } }))).toMatchObject({
        field: 'packageId', key: 'rollouts.package_not_uploaded',
      });

      const ready = await ok<{ ready: boolean; sha1: string; md5: string; uploadedAt: string }>(upload(declared.id, content));
      expect(ready).toMatchObject({
        ready: true, uploadedAt: now.toISOString(),
        sha1: createHash('sha1').update(content).digest('hex'), md5: createHash('md5').update(content).digest('hex'),
      });
      expect(files().sort()).toEqual([...before, `${declared.id}.pkg`].sort());
      expect(await expectError(upload(declared.id, content), 409)).toMatchObject({ code: 'conflict' });
      expect((await declare({ version: '4.0.0', name, models: [model.id] })).res.statusCode).toBe(409);
      const listed = await ok<{ items: { id: string }[] }>(t.api('GET', `/api/v1/packages?name=${name}`));
      expect(listed.items.map((p) => p.id)).toEqual([declared.id]);
    });

    it('refuses a package whose signature does not hold, naming the field', async () => {
      const { model } = await fleet([]);
      const name = unique('app-');
      const content = randomBytes(500);
      const facts = { kind: 'application', name, version: '1.2.3', size: content.length, sha256: sha256(content) };
      const body = { ...facts, fileName: 'app.apk', keyId, compatibleModels: [model.id] };
      const stranger = newKeyPair();
      const byStranger = await expectError(t.api('POST', '/api/v1/packages', { ...body, signature: signPackage(facts, stranger.privateKey) }));
      expect(byStranger).toMatchObject({ field: 'signature', key: 'rollouts.signature_invalid' });
      // Signed as 1.2.2, declared as 1.2.3: a signed file cannot be relabelled.
      expect(await expectError(t.api('POST', '/api/v1/packages', { ...body, signature: signPackage({ ...facts, version: '1.2.2' }, publisher.privateKey) }))).toMatchObject({ field: 'signature' });
      expect(await expectError(t.api('POST', '/api/v1/packages', { ...body, signature: 'AAAA' }))).toMatchObject({ field: 'signature' });
      expect(await expectError(t.api('POST', '/api/v1/packages', { ...body, keyId: 'f'.repeat(32), signature: signPackage(facts, publisher.privateKey) }))).toMatchObject({ field: 'keyId' });
      expect(await expectError(t.api('POST', '/api/v1/packages', { ...body, compatibleModels: ['no-such-model'], signature: signPackage(facts, publisher.privateKey) }))).toMatchObject({ field: 'compatibleModels' });
      expect(await expectError(t.api('POST', '/api/v1/packages', { ...body, size: 2 * 1024 * 1024, signature: signPackage({ ...facts, size: 2 * 1024 * 1024 }, publisher.privateKey) }), 413)).toMatchObject({ field: 'size' });
      expect((await ok<{ items: unknown[] }>(t.api('GET', `/api/v1/packages?name=${name}`))).items).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('campaigns refused', () => {
    it('refuses a campaign that cannot be run, naming the field, and assigns nothing', async () => {
      nextNight();
      const { model, sites } = await fleet([2], { appVersion: '3.4.0' });
      const other = await fleet([]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const before = { campaigns: await rows('campaigns'), actions: await rows('rollout_actions') };
      const attempt = (body: Record<string, unknown>) => expectError(t.api('POST', '/api/v1/campaigns', { name: 'refused', packageId: pkg.id, filter: { siteId: sites[0]!.id }, ...body }));

      expect(await attempt({ filter: { siteId: sites[0]!.id, tag: 'nobody-has-this' } })).toMatchObject({ field: 'filter', key: 'rollouts.filter_matches_none' });
      expect(await attempt({ filter: { modelId: other.model.id } })).toMatchObject({ field: 'filter.modelId', key: 'rollouts.package_not_for_model', params: { model: `${other.model.vendor} ${other.model.model}` } });
      // Every terminal there runs 3.4.0: 3.3.0 would be a downgrade.
      expect(await attempt({})).toMatchObject({ field: 'allowDowngrade', key: 'rollouts.none_eligible', params: { matched: 2, downgrade: 2 } });
      expect(await attempt({ filter: { installedVersion: '3.4.0' } })).toMatchObject({ field: 'allowDowngrade' });
      expect(await attempt({ waves: [50, 10] })).toMatchObject({ field: 'waves', key: 'rollouts.waves_invalid', params: { problem: 'order', wave: 2 } });
      expect(await attempt({ waves: [10, 90] })).toMatchObject({ field: 'waves', key: 'rollouts.waves_invalid', params: { problem: 'last' } });
      expect(await attempt({ waves: [0, 100] })).toMatchObject({ field: 'waves' });
      expect(await attempt({ packageId: 'no-such-package' })).toMatchObject({ field: 'packageId' });
      expect({ campaigns: await rows('campaigns'), actions: await rows('rollout_actions') }).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('a campaign in three waves', () => {
    it('updates every terminal inside its window, wave after wave drawn across sites, and skips terminals without a window', async () => {
      nextNight();
      const { model, merchant, sites, terminals } = await fleet([5, 5, 5, 5, 2], { windowless: [4] });
      const inWindows = terminals.filter((x) => x.siteId !== sites[4]!.id);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [10, 50, 100], seed: 7 });
      expect(created).toMatchObject({ state: 'running', currentWave: 1, package: { id: pkg.id, version: '3.3.0' }, settings: { seed: 7 } });
      expect(created.waves.map((w) => [w.percent, w.terminals])).toEqual([[10, 3], [50, 8], [100, 11]]);

      // Drawn across sites: wave 1 is not the first serial numbers, and no two of it share a site.
      const all = await actions(created.id);
      const bySerial = [...all].sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
      const wave1 = all.filter((a) => a.wave === 1);
      expect(wave1.map((a) => a.serialNumber).sort()).not.toEqual(bySerial.slice(0, 3).map((a) => a.serialNumber));
      const siteOf = new Map(terminals.map((x) => [x.id, x.siteId]));
      expect(new Set(wave1.map((a) => siteOf.get(a.terminalId))).size).toBe(3);
      // Wave 2 (50 % together) reaches every site before any site gives a third terminal.
      const firstTwo = all.filter((a) => a.wave <= 2);
      const perSite = sites.map((s) => firstTwo.filter((a) => siteOf.get(a.terminalId) === s.id).length);
      expect(Math.min(...perSite)).toBeGreaterThanOrEqual(2);
      expect(Math.max(...perSite)).toBeLessThanOrEqual(3);

      const done = await drive(created.id, terminals);
      expect(problems).toEqual([]);
      expect(done.state).toBe('completed');
      expect(done.waves.map((w) => w.state)).toEqual(['passed', 'passed', 'passed']);
      expect(done.waves.map((w) => w.actions.succeeded! + w.actions.skipped!)).toEqual([3, 8, 11]);
      // The action list pages without losing or repeating any.
      const paged: Action[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res: { items: Action[]; nextCursor: string | null } = await ok(t.api('GET', `/api/v1/campaigns/${created.id}/actions?limit=5${cursor ? `&cursor=${cursor}` : ''}`));
        paged.push(...res.items);
        cursor = res.nextCursor;
        if (!cursor) break;
      }
      expect(paged.map((a) => a.id)).toEqual(all.map((a) => a.id));

      const final = await actions(created.id);
      const ours = installs.filter((i) => final.some((a) => a.id === i.actionId));
      expect(ours.map((i) => i.serialNumber).sort()).toEqual(inWindows.map((x) => x.serialNumber).sort());
      for (const term of inWindows) {
        expect(await terminalVersion(term), term.serialNumber).toBe('3.3.0');
        expect(final.find((a) => a.terminalId === term.id)?.state, term.serialNumber).toBe('succeeded');
      }
      for (const term of terminals.filter((x) => x.siteId === sites[4]!.id)) {
        const action = final.find((a) => a.terminalId === term.id)!;
        expect(action).toMatchObject({ state: 'skipped', skipReason: 'no_window', reason: expect.stringContaining(`no maintenance window applies to terminal ${term.serialNumber}`) });
        expect(await terminalVersion(term)).toBe('3.2.0');
      }
      // Every install ran while its maintenance job had the terminal out of service, inside the window.
      for (const install of ours) {
        expect(install.jobState).toBe('in_maintenance');
        const local = new Date(install.at + 8 * 60 * MINUTE).getUTCHours();
        expect(local, new Date(install.at).toISOString()).toBeGreaterThanOrEqual(1);
        expect(local).toBeLessThan(5);
      }
      // The waves ran in order: no install of a wave before the previous wave ended.
      const waveOf = new Map(final.map((a) => [a.id, a.wave]));
      for (const [i, wave] of done.waves.entries()) {
        if (i === 0) continue;
        const previousEnd = Date.parse(done.waves[i - 1]!.endedAt!);
        expect(Date.parse(wave.startedAt!)).toBeGreaterThanOrEqual(previousEnd);
        for (const install of ours.filter((x) => waveOf.get(x.actionId) === wave.wave)) expect(install.at).toBeGreaterThanOrEqual(previousEnd);
      }
      // The continuity rule: while a terminal installed, some other terminal of its site was still taking payments.
      for (const install of ours) expect(install.downAtSite, install.serialNumber).toBeLessThan(install.siteSize);
    }, 180_000);
  });

  // ---------------------------------------------------------------------------------------------------
  describe('downloads', () => {
    it('serves the package only to a terminal it was assigned to, in ranges that resume an interrupted download', async () => {
      nextEvening();
      const { model, sites, terminals: [a, b] } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id], content: randomBytes(200_000) });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [50, 100] });
      const [first] = await actions(created.id, '&wave=1');
      const assigned = first!.terminalId === a!.id ? a! : b!;
      const notYet = assigned === a ? b! : a!;
      const hint = (await beat(assigned)).deployment!;
      expect(hint).toMatchObject({ actionId: first!.id, state: 'scheduled', installAllowed: false });
      expect((await beat(notYet)).deployment).toBeNull();
      const url = `/device/v1/packages/${pkg.id}/content`;
      expect((await deploymentOf(assigned, first!.id)).package).toMatchObject({ id: pkg.id, downloadUrl: url, sha256: sha256(pkg.content), size: 200_000 });

      expect((await getAs(notYet, url)).statusCode).toBe(404);
      expect((await getAs(notYet, `/device/v1/deployments/${first!.id}`)).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);

      const whole = await getAs(assigned, url);
      expect(whole.statusCode).toBe(200);
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect(whole.rawPayload.equals(pkg.content)).toBe(true);
      const etag = String(whole.headers.etag);
      // A strong validator: If-Range may only use those.
      expect(etag).toMatch(/^"[^"]+"$/);

      const part = await getAs(assigned, url, { range: 'bytes=0-65535' });
      expect(part.statusCode).toBe(206);
      expect(part.headers['content-range']).toBe('bytes 0-65535/200000');
      expect(part.rawPayload.equals(pkg.content.subarray(0, 65_536))).toBe(true);
      // The connection dropped after 65,536 bytes: the rest, if the file is still the same one.
      const rest = await getAs(assigned, url, { range: 'bytes=65536-', 'if-range': etag });
      expect(rest.statusCode).toBe(206);
      expect(rest.headers['content-range']).toBe('bytes 65536-199999/200000');
      expect(sha256(Buffer.concat([part.rawPayload, rest.rawPayload]))).toBe(sha256(pkg.content));
      // Another file behind the same URL (an ETag that does not match): the whole file again.
      const stale = await getAs(assigned, url, { range: 'bytes=65536-', 'if-range': '"something-else"' });
      expect(stale.statusCode).toBe(200);
      expect(stale.rawPayload.equals(pkg.content)).toBe(true);
      const beyond = await getAs(assigned, url, { range: 'bytes=300000-' });
      expect(beyond.statusCode).toBe(416);
      expect(beyond.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('feedback', () => {
    it('changes an action once per report, only forward, and never after it closed', async () => {
      nextEvening();
      const { model, sites, terminals } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100] });
      const list = await actions(created.id);
      // `a` is the terminal whose maintenance job comes first (one at a time at the site).
      const planned = await Promise.all(terminals.map(async (term) => {
        const action = list.find((x) => x.terminalId === term.id)!;
        return { term, action, start: (await t.services.maintenance.job(action.maintenanceJobId!))!.planned_start };
      }));
      const [a, b] = planned.sort((x, y) => x.start.localeCompare(y.start)) as unknown as [{ term: Term; action: Action }, { term: Term; action: Action }];
      expect(a.action.state).toBe('scheduled');

      const first = await ok<{ changed: boolean; state: string }>(feedback(a.term, a.action.id, 'downloading', 'dl-1'));
      expect(first).toMatchObject({ actionId: a.action.id, changed: true, state: 'downloading' });
      const retry = await ok<{ changed: boolean; state: string; effect: string }>(feedback(a.term, a.action.id, 'downloading', 'dl-1'));
      expect(retry).toMatchObject({ changed: false, state: 'downloading', effect: expect.stringContaining('repeated') });
      const stored = await ok<{ feedback: { body: { reportId: string } }[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions/${a.action.id}`));
      expect(stored.feedback.filter((f) => f.body.reportId === 'dl-1')).toHaveLength(1);

      // Another terminal's action does not exist for this one.
      expect((await feedback(b.term, a.action.id, 'failed')).statusCode).toBe(404);
      expect((await feedback(a.term, 999_999_999, 'downloading')).statusCode).toBe(404);
      expect((await ok<{ items: Action[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions?limit=1000`))).items.find((x) => x.id === a.action.id)!.state).toBe('downloading');

      // Its window comes: the job starts, the terminal installs; a late "downloaded" changes nothing.
      const job = await t.services.maintenance.job(a.action.maintenanceJobId!);
      now = new Date(Math.max(now.getTime(), Date.parse(job!.planned_start)));
      await beat(b.term);
      // (Planned at the window's opening, it may have started already.)
      expect((await beat(a.term)).deployment!.installAllowed).toBe(OUT_OF_SERVICE.includes(await jobState(job!.id)));
      await t.services.jobLifecycle.startDueJobs();
      expect((await beat(a.term)).deployment).toMatchObject({ installAllowed: true });
      await step(a.term, job!.id, { state: 'in_maintenance' });
      await ok(feedback(a.term, a.action.id, 'installing'));
      expect(await ok(feedback(a.term, a.action.id, 'installed'))).toMatchObject({ changed: true, state: 'installed' });
      expect(await ok(feedback(a.term, a.action.id, 'downloaded'))).toMatchObject({ changed: false, state: 'installed', effect: expect.stringContaining('late') });
      a.term.appVersion = '3.3.0';
      await beat(a.term);
      await step(a.term, job!.id, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] });
      await t.services.campaignEngine.tick();
      const closed = await ok<Action & { feedback: unknown[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions/${a.action.id}`));
      expect(closed.state).toBe('succeeded');
      // A late failure report after the action closed: recorded, nothing changes.
      expect(await ok(feedback(a.term, a.action.id, 'failed', 'late-fail'))).toMatchObject({ changed: false, state: 'succeeded' });
      const after = await ok<Action & { feedback: { status: string; effect: string }[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions/${a.action.id}`));
      expect(after.state).toBe('succeeded');
      expect(after.feedback.at(-1)).toMatchObject({ status: 'failed', effect: expect.stringContaining('already succeeded') });
      expect(after.feedback).toHaveLength(closed.feedback.length + 1);
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('settling actions', () => {
    it('does not count a job an operator finished before the terminal installed as an update', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [50, 100] });
      const [action] = await actions(created.id, '&wave=1');
      const job = (await t.services.maintenance.job(action!.maintenanceJobId!))!;
      now = new Date(Math.max(now.getTime(), Date.parse(job.planned_start)));
      for (const term of terminals) await beat(term);
      await t.services.jobLifecycle.startDueJobs();
      expect(await jobState(job.id)).toBe('draining');
      await ok(t.api('POST', `/api/v1/maintenance/jobs/${job.id}/finish`, { note: 'the shop needs it back' }));
      await t.services.campaignEngine.tick();
      const settled = (await actions(created.id, '&wave=1'))[0]!;
      expect(settled).toMatchObject({ state: 'failed', reason: expect.stringContaining('never reported installing') });
      expect(await terminalVersion(terminals.find((x) => x.id === settled.terminalId)!)).toBe('3.2.0');
    });

    it('answers hawkBit polls arriving together each with the terminal\'s own deployment', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([2, 2, 2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const campaigns = [await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100] }), await startCampaign({ packageId: pkg.id, filter: { siteId: sites[1]!.id }, waves: [100] })];
      const offeredActions = (await Promise.all(campaigns.map((c) => actions(c.id)))).flat();
      const jobs = await Promise.all(offeredActions.map(async (a) => (await t.services.maintenance.job(a.maintenanceJobId!))!));
      now = new Date(Math.max(now.getTime(), ...jobs.map((j) => Date.parse(j.planned_start))));
      for (const term of terminals) await beat(term);
      await t.services.jobLifecycle.startDueJobs();
      // Every terminal polls at once: each terminal whose job has it in maintenance gets its own deployment, the others none.
      const answers = await Promise.all(terminals.map((term) => t.app.inject({
        method: 'GET', url: `/DEFAULT/controller/v1/${term.serialNumber}`, headers: { authorization: `TargetToken ${term.credential}` },
      })));
      const offered = answers.map((res) => {
        expect(res.statusCode, res.body).toBe(200);
        const href = res.json<{ _links: { deploymentBase?: { href: string } } }>()._links.deploymentBase?.href;
        return href ? Number(/deploymentBase\/(\d+)/.exec(href)![1]) : null;
      });
      const expected = await Promise.all(terminals.map(async (term) => {
        const action = offeredActions.find((a) => a.terminalId === term.id);
        return action && OUT_OF_SERVICE.includes(await jobState(action.maintenanceJobId!)) ? action.id : null;
      }));
      expect(offered).toEqual(expected);
      expect(expected.filter((id) => id !== null).length).toBeGreaterThanOrEqual(2);
    });

    it('skips, with the code job_aborted, an install whose maintenance job an operator aborted before it started', async () => {
      nextNight();
      const { model, sites } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [50, 100] });
      const [action] = await actions(created.id, '&wave=1');
      await ok(t.api('POST', `/api/v1/maintenance/jobs/${action!.maintenanceJobId!}/abort`, { note: 'the shop has a promotion tonight' }));
      await t.services.campaignEngine.tick();
      const settled = (await actions(created.id, '&wave=1'))[0]!;
      expect(settled).toMatchObject({ state: 'skipped', skipReason: 'job_aborted', reason: expect.stringContaining('ended aborted') });
      // Only a skipped install carries a skip code.
      expect((await actions(created.id, '&wave=2')).map((a) => a.skipReason)).toEqual([null]);
    });

    it('skips, and does not count as a failed install, a terminal whose link was down through its window', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [50, 100], maxFailureRate: 0.1 });
      const [action] = await actions(created.id, '&wave=1');
      const job = (await t.services.maintenance.job(action!.maintenanceJobId!))!;
      now = new Date(Math.max(now.getTime(), Date.parse(job.planned_start)));
      for (const term of terminals) await beat(term);
      await t.services.jobLifecycle.startDueJobs();
      expect(await jobState(job.id)).toBe('draining');
      // The terminal never hears of it: its lease runs out.
      now = new Date(Date.parse((await t.services.maintenance.job(job.id))!.lease_until!) + 1000);
      await t.services.jobLifecycle.expireLeases();
      await t.services.campaignEngine.tick();
      const settled = (await actions(created.id, '&wave=1'))[0]!;
      expect(settled).toMatchObject({ state: 'skipped', skipReason: 'job_ended_before_install', reason: expect.stringContaining('before the terminal began installing') });
      // One of one missed its window, yet the wave does not halt on installs: the next wave starts.
      expect((await campaign(created.id)).state).toBe('running');
    });

    it('skips terminals that are offline or locked when their wave is planned, naming why, so the wave is judged on time', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([3, 3]);
      const [offline, locked] = [terminals[0]!, terminals[3]!];
      const reachable = terminals.filter((x) => x !== offline && x !== locked);
      // A day later one terminal has not been heard from since; another was locked after a tamper alarm.
      nextNight();
      for (const term of terminals.filter((x) => x !== offline)) await beat(term);
      await ok(t.api('POST', `/api/v1/terminals/${locked.id}/lock`, { reason: 'tamper alarm' }));
      const windowEnds = now.getTime() + 240 * MINUTE;
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [100] });
      const skipped = await actions(created.id, '&state=skipped');
      expect(skipped.map((a) => [a.serialNumber, a.reason]).sort()).toEqual([
        [offline.serialNumber, expect.stringMatching(new RegExp(`^terminal ${offline.serialNumber} is offline \\(last heard from at \\d{4}-.*\\); its job could not start$`))],
        [locked.serialNumber, expect.stringMatching(new RegExp(`^terminal ${locked.serialNumber} is locked \\(tamper alarm, since .*\\); its job could not start until an operator lifts the lock$`))],
      ].sort());
      expect(skipped.every((a) => a.maintenanceJobId === null)).toBe(true);
      // Each carries why as a code too, for a dashboard to say in its reader's language.
      expect(skipped.map((a) => [a.serialNumber, a.skipReason]).sort()).toEqual([[offline.serialNumber, 'offline'], [locked.serialNumber, 'locked']].sort());
      // The others install tonight, and the wave is judged without waiting for the window to end.
      const done = await drive(created.id, reachable);
      expect(problems).toEqual([]);
      expect(done.state).toBe('completed');
      expect(Date.parse(done.waves[0]!.endedAt!)).toBeLessThan(windowEnds);
      expect(done.waves[0]!.actions).toMatchObject({ succeeded: 4, skipped: 2 });
    });

    it('withdraws the waiting maintenance job of a terminal that gave up before its window', async () => {
      nextEvening();
      const { model, sites, terminals } = await fleet([2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [50, 100], maxFailureRate: 0.5 });
      const [action] = await actions(created.id, '&wave=1');
      const term = terminals.find((x) => x.id === action!.terminalId)!;
      await ok(feedback(term, action!.id, 'downloading'));
      expect(await ok(feedback(term, action!.id, 'failed'))).toMatchObject({ changed: true, state: 'failed' });
      expect(await jobState(action!.maintenanceJobId!)).toBe('aborted');
      expect((await beat(term)).deployment).toBeNull();
    });
  });

  // ---------------------------------------------------------------------------------------------------
  describe('halts', () => {
    it('halts a wave whose installs fail too often, withdraws its waiting jobs, and goes on when resumed', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([4, 4]);
      const app = unique('app-');
      const pkg = await publish({ version: '3.3.0', name: app, models: [model.id] });
      // The fleet team hears of halts by e-mail (a fleet channel: every merchant, in Chinese).
      const channel = await ok<{ id: string }>(t.api('POST', '/api/v1/notification-channels', { kind: 'email', name: 'release desk', address: 'release@fleet.example', events: ['campaign.halted'] }), 201);
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [50, 100], maxFailureRate: 0.1 });
      const wave1 = await actions(created.id, '&wave=1');
      expect(wave1).toHaveLength(4);
      // The wave's first install fails: 1 of 4 is more than 10 %. (Its site's other wave-1 terminal waits for it.)
      const starts = await Promise.all(wave1.map(async (a) => ({ terminalId: a.terminalId, start: (await t.services.maintenance.job(a.maintenanceJobId!))!.planned_start })));
      const failing = starts.sort((a, b) => a.start.localeCompare(b.start))[0]!.terminalId;
      const halted = await drive(created.id, terminals, { behaviour: (term) => ({ fail: term.id === failing }) });
      expect(problems).toEqual([]);
      expect(halted.state).toBe('halted');
      expect(halted.halt).toMatchObject({ wave: 1, reason: expect.stringMatching(/^1 of 4 installs in wave 1 failed \(25\.0 %\), more than the allowed 10\.0 %/), figures: { failureRate: 0.25 } });
      expect(halted.waves[0]!.state).toBe('failed');
      const haltedAt = Date.parse(halted.halt!.at);
      const notices = await ok<{ items: { event: string; locale: string; subject: string; merchantId: string | null }[] }>(t.api('GET', `/api/v1/notification-deliveries?channelId=${channel.id}`));
      expect(notices.items).toEqual([expect.objectContaining({ event: 'campaign.halted', locale: 'zh-CN', merchantId: merchant.id, subject: `【灰度发布已叫停】${created.name}（${app} 3.3.0）` })]);

      const failed = (await actions(created.id)).find((a) => a.terminalId === failing)!;
      expect(failed).toMatchObject({ state: 'failed', reason: expect.stringContaining('failed') });
      for (let hour = 0; hour < 4; hour++) {
        now = new Date(now.getTime() + 60 * MINUTE);
        for (const term of terminals) expect((await beat(term)).deployment).toBeNull();
        await t.services.jobLifecycle.startDueJobs();
        for (const term of terminals) expect((await beat(term)).mode).toBe('normal');
      }
      const others = await Promise.all(wave1.filter((a) => a.terminalId !== failing).map(async (a) => (await ok<{ items: { state: string; startedAt: string | null }[] }>(t.api('GET', `/api/v1/terminals/${a.terminalId}/maintenance-jobs`))).items));
      for (const job of others.flat()) {
        expect(job.startedAt === null || Date.parse(job.startedAt) <= haltedAt).toBe(true);
        expect(['aborted', 'completed']).toContain(job.state);
      }
      expect(others.flat().filter((j) => j.state === 'aborted').length).toBeGreaterThanOrEqual(1);
      expect((await actions(created.id, '&wave=2')).map((a) => a.state)).toEqual(['queued', 'queued', 'queued', 'queued']);
      expect((await actions(created.id, '&wave=1&state=queued')).length).toBeGreaterThanOrEqual(1);

      // Accepting one failure in four, the operator resumes: the rest of the fleet is updated.
      nextNight();
      for (const term of terminals) await beat(term);
      const resumed = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/resume`, { maxFailureRate: 0.5, note: 'known flaky install on one shop' }));
      expect(resumed).toMatchObject({ state: 'running', halt: null, settings: { maxFailureRate: 0.5 } });
      const done = await drive(created.id, terminals);
      expect(problems).toEqual([]);
      expect(done.state).toBe('completed');
      for (const term of terminals) expect(await terminalVersion(term)).toBe(term.id === failing ? '3.2.0' : '3.3.0');
    }, 120_000);

    it('keeps why a campaign halted and why installs were skipped, failed or withdrawn as catalogue sentences a zh-CN reader gets in Chinese', async () => {
      nextNight();
      // A shop without a maintenance window: its terminal is skipped. The first install fails: 1 of 8 halts the wave.
      const { model, merchant, sites, terminals } = await fleet([4, 4, 1], { windowless: [2] });
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [100], maxFailureRate: 0.1 });
      const wave1 = (await actions(created.id)).filter((a) => a.maintenanceJobId);
      const starts = await Promise.all(wave1.map(async (a) => ({ terminalId: a.terminalId, start: (await t.services.maintenance.job(a.maintenanceJobId!))!.planned_start })));
      const failing = starts.sort((a, b) => a.start.localeCompare(b.start))[0]!.terminalId;
      const halted = await drive(created.id, terminals, { behaviour: (term) => ({ fail: term.id === failing }) });
      expect(halted.state).toBe('halted');

      const zh = { 'accept-language': 'zh-CN,zh;q=0.9' };
      const { halt } = await ok<Campaign & { halt: { reasonKey: string; reasonParams: SaidParams } }>(t.api('GET', `/api/v1/campaigns/${created.id}`, undefined, zh));
      expect(halt).toMatchObject({
        reason: '1 of 8 installs in wave 1 failed (12.5 %), more than the allowed 10.0 %',
        reasonKey: 'rollouts.halt.installs', reasonParams: { failed: '1', attempted: '8', wave: '1', rate: '12.5 %', max: '10.0 %' },
      });
      // The catalogue's English is the stored text, word for word; the Chinese names no id and no English word.
      expect(say('en', { key: halt.reasonKey, params: halt.reasonParams })).toBe(halt.reason);
      expect(say('zh-CN', { key: halt.reasonKey, params: halt.reasonParams })).toBe('第 1 批的 8 次安装中有 1 次失败（12.5 %），超过允许的 10.0 %');

      const all = (await ok<{ items: (Action & { reasonKey: string | null; reasonParams: SaidParams | null })[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions?limit=1000`, undefined, zh))).items;
      const sayAll = (a: (typeof all)[number], locale: 'en' | 'zh-CN') => say(locale, { key: a.reasonKey!, params: a.reasonParams });
      const windowless = sites[2]!.terminals[0]!;
      const skipped = all.find((a) => a.terminalId === windowless.id)!;
      expect(skipped).toMatchObject({ state: 'skipped', skipReason: 'no_window', reasonKey: 'maintenance.plan.no_window', reasonParams: { serial: windowless.serialNumber } });
      expect(sayAll(skipped, 'en')).toBe(skipped.reason);
      expect(sayAll(skipped, 'zh-CN')).toBe(`终端 ${windowless.serialNumber} 没有适用的维护窗口（终端、门店、商户及其匹配的筛选条件均没有）`);
      // The failed install and those put back in the queue by the halt say why in Chinese without the job's id.
      const failed = all.find((a) => a.terminalId === failing)!;
      expect(failed.state).toBe('failed');
      expect(failed.reasonKey).toMatch(/^rollouts\.action\./);
      expect(sayAll(failed, 'zh-CN')).not.toMatch(/[A-Za-z]/);
      const withdrawn = all.filter((a) => a.reason?.startsWith('campaign halted: '));
      expect(withdrawn.length).toBeGreaterThanOrEqual(1);
      for (const a of withdrawn) {
        expect(a).toMatchObject({ state: 'queued', reasonKey: 'rollouts.action.withdrawn_halted' });
        expect(sayAll(a, 'en')).toBe(a.reason);
        expect(sayAll(a, 'zh-CN')).toBe('灰度发布已叫停：第 1 批的 8 次安装中有 1 次失败（12.5 %），超过允许的 10.0 %');
      }
      // Cancelled, the queued installs say who cancelled it, in Chinese too.
      await ok(t.api('POST', `/api/v1/campaigns/${created.id}/cancel`, { note: '换个时间再发' }));
      const cancelled = (await ok<{ items: (Action & { reasonKey: string | null; reasonParams: SaidParams | null })[] }>(t.api('GET', `/api/v1/campaigns/${created.id}/actions?limit=1000&state=cancelled`))).items;
      expect(cancelled.length).toBeGreaterThanOrEqual(1);
      for (const a of cancelled) {
        expect(a.reasonKey).toBe('rollouts.action.cancelled_by_note');
        expect(sayAll(a, 'en')).toBe(a.reason);
        expect(sayAll(a, 'zh-CN')).toMatch(/^灰度发布已由 .+ 取消：换个时间再发$/);
      }
    }, 120_000);

    it('halts when card reads fail more often on the updated terminals than on comparable ones, with the figures', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([3, 3, 3, 3]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [25, 100], observeMinutes: 60 });
      const observing = await drive(created.id, terminals, { until: (c) => c.waves[0]!.state === 'observing' });
      expect(problems).toEqual([]);
      const updated = new Set((await actions(created.id, '&wave=1&state=succeeded')).map((a) => a.terminalId));
      expect(updated.size).toBe(3);

      // An hour of trade: the updated terminals misread every fourth card, the others hardly any.
      for (let i = 0; i < 6; i++) {
        now = new Date(now.getTime() + 10 * MINUTE);
        for (const term of terminals) {
          const bad = updated.has(term.id);
          await beat(term, { cardReader: { chip: { attempts: 40, failures: bad ? 10 : i % 3 === 0 ? 1 : 0 }, contactless: { attempts: 20, failures: 0 } } });
        }
        await t.services.campaignEngine.tick();
        if (i < 5) expect((await campaign(created.id)).state, `after ${i + 1}0 minutes`).toBe('running');
      }
      now = new Date(Math.max(now.getTime(), Date.parse(observing.waves[0]!.installedAt!) + 61 * MINUTE));
      await t.services.campaignEngine.tick();
      const halted = await campaign(created.id);
      expect(halted.state).toBe('halted');
      expect(halted.halt!.reason).toMatch(/^payments got worse on wave 1's updated terminals than on comparable terminals still on the old version: card-read failure rate 1\d\.\d % against 0\.\d % \(z = \d+\.\d\)/);
      const metric = halted.halt!.figures.metrics!.find((m) => m.metric === 'card_read_failure_rate')!;
      expect(metric.worse).toBe(true);
      expect(metric.updated).toBeGreaterThan(0.1);
      expect(metric.comparison).toBeLessThan(0.01);
      expect(metric.z).toBeGreaterThan(3);
      expect(halted.halt!.figures).toMatchObject({ judged: true, worse: true });
      expect(halted.waves[0]).toMatchObject({ state: 'failed', verdict: { payments: { worse: true } } });
      // The next wave did not start.
      expect((await actions(created.id, '&wave=2')).every((a) => a.state === 'queued')).toBe(true);

      // The operator looks at the figures, accepts them and resumes: the wave passes, keeping its figures, and the next starts.
      const resumed = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/resume`, { note: 'card reader firmware of one batch, known' }));
      expect(resumed).toMatchObject({ state: 'running', currentWave: 2, halt: null });
      expect(resumed.waves[0]).toMatchObject({ state: 'passed', verdict: { payments: { worse: true }, acceptedBy: 'admin', note: 'card reader firmware of one batch, known' } });
      expect(resumed.waves[1]!.state).toBe('installing');
    }, 120_000);

    it('does not halt a wave whose card readers failed as often before the update: each terminal is judged against its own figures', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([3, 3, 3, 3]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      // Two of the first shop's three readers were failing long before any update; the build changes nothing.
      const faulty = new Set(sites[0]!.terminals.slice(0, 2).map((x) => x.id));
      const trade = async (i: number) => {
        for (const term of terminals) await beat(term, { cardReader: { chip: { attempts: 40, failures: faulty.has(term.id) ? 12 : i % 3 === 0 ? 1 : 0 } } });
      };
      for (let i = 0; i < 6; i++) {
        now = new Date(now.getTime() + 10 * MINUTE);
        await trade(i);
      }
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100], observeMinutes: 60 });
      const observing = await drive(created.id, terminals, { until: (c) => c.waves[0]!.state === 'observing' });
      expect(problems).toEqual([]);
      for (let i = 0; i < 6; i++) {
        now = new Date(now.getTime() + 10 * MINUTE);
        await trade(i);
      }
      now = new Date(Math.max(now.getTime(), Date.parse(observing.waves[0]!.installedAt!) + 61 * MINUTE));
      await t.services.campaignEngine.tick();
      const done = await campaign(created.id);
      expect(done.halt).toBeNull();
      expect(done.state).toBe('completed');
      const cards = done.waves[0]!.verdict!.payments!.metrics.find((m) => m.metric === 'card_read_failure_rate')!;
      expect(cards).toMatchObject({ basis: 'change', worse: false });
      // Against the other shops alone the wave looks far worse: what halted good builds (and rollbacks) before.
      expect(cards.updated).toBeGreaterThan(cards.comparison + 0.1);
      expect(cards.updatedBefore).toBeGreaterThan(cards.comparisonBefore! + 0.1);
    }, 120_000);

    it('leaves terminals out of service for any maintenance job over the judged hours out of the comparison', async () => {
      nextNight();
      const { model, sites } = await fleet([2, 2]);
      const [busy, ended, idle] = [sites[0]!.terminals[0]!, sites[0]!.terminals[1]!, sites[1]!.terminals[0]!];
      const since = new Date(now.getTime() - 24 * 60 * MINUTE).toISOString();
      const job = (terminal: Term, started: number, ended: number | null) => ({
        id: unique('job-'), terminal_id: terminal.id, site_id: terminal.siteId, work: '["repair"]', reason: 'another campaign', state: ended === null ? 'in_maintenance' as const : 'completed' as const,
        planned_start: new Date(now.getTime() - started * MINUTE).toISOString(), expected_minutes: 30, max_minutes: 60,
        started_at: new Date(now.getTime() - started * MINUTE).toISOString(), lease_until: null, ended_at: ended === null ? null : new Date(now.getTime() - ended * MINUTE).toISOString(),
        waiting_reason: null, override_reason: null, self_tests: null, refused_transactions: 0, created_by: 'test', created_at: since, updated_at: since,
      });
      // One is in maintenance now (another campaign's install); one was two days ago, long before the judged hours.
      await t.services.db.kysely.insertInto('maintenance_jobs').values([job(busy, 30, null), job(ended, 3000, 2900)]).execute();
      const comparable = await new RolloutsRepository(t.services.db.kysely).comparableTerminals([model.id], 'app_version', '3.3.0', 'no-campaign', since, 100);
      expect(comparable.map((c) => c.id).sort()).toEqual([ended.id, idle.id, sites[1]!.terminals[1]!.id].sort());
    });

    it('lets a wave whose payments are no worse pass, with the figures it was judged by', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([3, 3, 3, 3]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [25, 100], observeMinutes: 60 });
      const observing = await drive(created.id, terminals, { until: (c) => c.waves[0]!.state === 'observing' });
      for (let i = 0; i < 6; i++) {
        now = new Date(now.getTime() + 10 * MINUTE);
        for (const term of terminals) await beat(term, { cardReader: { chip: { attempts: 40, failures: i % 2 } } });
      }
      now = new Date(Math.max(now.getTime(), Date.parse(observing.waves[0]!.installedAt!) + 61 * MINUTE));
      await t.services.campaignEngine.tick();
      const passed = await campaign(created.id);
      expect(passed.state).toBe('running');
      expect(passed.waves[0]).toMatchObject({ state: 'passed', verdict: { failureRate: 0, payments: { judged: true, worse: false } } });
      expect(passed.waves[0]!.verdict!.payments!.metrics.map((m) => m.metric)).toEqual(['card_read_failure_rate', 'transaction_failure_rate', 'reboots_per_terminal_hour']);
      expect(passed.waves[1]!.state).toBe('installing');
    }, 120_000);
  });

  // ---------------------------------------------------------------------------------------------------
  describe('operators steering a campaign', () => {
    it('pauses (withdrawing waiting installs), resumes, and cancels', async () => {
      nextEvening();
      const { model, merchant, terminals } = await fleet([2, 2]);
      const name = unique('app-');
      const pkg = await publish({ version: '3.3.0', name, models: [model.id] });
      // Watched for five hours, wave 1 passes after tonight's window: wave 2 then waits for tomorrow's.
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [50, 100], observeMinutes: 300 });
      const scheduled = await actions(created.id, '&state=scheduled');
      expect(scheduled).toHaveLength(2);
      // Its terminals are taken: another campaign cannot have them meanwhile.
      const rival = await publish({ version: '3.3.5', name: unique('app-'), models: [model.id] });
      expect(await expectError(t.api('POST', '/api/v1/campaigns', { name: 'rival', packageId: rival.id, filter: { merchantId: merchant.id } }))).toMatchObject({
        field: 'filter', key: 'rollouts.none_eligible', params: { in_other_campaign: 4 },
      });

      const paused = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/pause`, { note: 'holiday sales' }));
      expect(paused.state).toBe('paused');
      expect(await expectError(t.api('POST', `/api/v1/campaigns/${created.id}/pause`, {}), 409)).toMatchObject({ code: 'conflict' });
      for (const action of scheduled) expect(await jobState(action.maintenanceJobId!)).toBe('aborted');
      expect((await actions(created.id)).map((a) => a.state)).toEqual(['queued', 'queued', 'queued', 'queued']);
      now = new Date(now.getTime() + 3 * 60 * MINUTE);
      for (const term of terminals) expect((await beat(term)).deployment).toBeNull();
      await t.services.jobLifecycle.startDueJobs();
      await t.services.campaignEngine.tick();
      for (const term of terminals) expect((await beat(term)).mode).toBe('normal');
      expect((await campaign(created.id)).state).toBe('paused');

      nextNight();
      // The fleet heartbeats on meanwhile (a terminal silent since yesterday would be offline and skipped).
      for (const term of terminals) await beat(term);
      const resumed = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/resume`, {}));
      expect(resumed.state).toBe('running');
      expect((await actions(created.id, '&state=scheduled')).map((a) => a.terminalId).sort()).toEqual(scheduled.map((a) => a.terminalId).sort());
      const afterWave1 = await drive(created.id, terminals, { until: (c) => c.currentWave === 2 });
      expect(afterWave1.waves[0]!.state).toBe('passed');

      const cancelled = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/cancel`, { note: 'superseded by 3.3.1' }));
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.waves.map((w) => w.state)).toEqual(['passed', 'cancelled']);
      const wave2 = await actions(created.id, '&wave=2');
      expect(wave2.map((a) => a.state)).toEqual(['cancelled', 'cancelled']);
      expect(wave2[0]!.reason).toContain('superseded by 3.3.1');
      for (const term of terminals) expect((await beat(term)).deployment).toBeNull();
      expect(await expectError(t.api('POST', `/api/v1/campaigns/${created.id}/resume`, {}), 409)).toMatchObject({ code: 'conflict' });
      expect(await expectError(t.api('POST', `/api/v1/campaigns/${created.id}/cancel`, {}), 409)).toMatchObject({ code: 'conflict' });
      // The terminals are free for the next campaign.
      const next = await publish({ version: '3.3.1', name, models: [model.id] });
      const again = await startCampaign({ packageId: next.id, filter: { merchantId: merchant.id } });
      expect(again.excluded).toEqual({});
    }, 120_000);

    it('rolls a completed campaign back to each terminal\'s previous version', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([2, 2]);
      const name = unique('app-');
      const previous = await publish({ version: '3.2.0', name, models: [model.id] });
      const pkg = await publish({ version: '3.3.0', name, models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [50, 100] });
      expect((await drive(created.id, terminals)).state).toBe('completed');
      for (const term of terminals) expect(await terminalVersion(term)).toBe('3.3.0');

      const rollback = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/rollback`, { name: 'back to 3.2.0' }), 201);
      expect(rollback).toMatchObject({ rollbackOf: created.id, package: { id: previous.id, version: '3.2.0' }, state: 'running' });
      expect((await actions(rollback.id)).map((a) => a.previousVersion)).toEqual(['3.3.0', '3.3.0', '3.3.0', '3.3.0']);
      expect(await expectError(t.api('POST', `/api/v1/campaigns/${rollback.id}/rollback`, {}), 409)).toMatchObject({ key: 'rollouts.rollback_of_rollback' });
      const done = await drive(rollback.id, terminals);
      expect(problems).toEqual([]);
      expect(done.state).toBe('completed');
      for (const term of terminals) expect(await terminalVersion(term)).toBe('3.2.0');
    }, 120_000);

    it('rolls back the terminals whose previous version has a package, and lists the others with the reason', async () => {
      nextNight();
      const { model, merchant, sites, terminals } = await fleet([2, 2]);
      // The second shop ran 3.1.0, whose package was never uploaded to PosFleet.
      for (const term of sites[1]!.terminals) {
        term.appVersion = '3.1.0';
        await beat(term);
      }
      const name = unique('app-');
      const previous = await publish({ version: '3.2.0', name, models: [model.id] });
      const pkg = await publish({ version: '3.3.0', name, models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [50, 100] });
      expect((await drive(created.id, terminals)).state).toBe('completed');

      const rollback = await ok<Campaign & { leftOut: { terminalId: string; serialNumber: string; previousVersion: string | null; reason: string }[] }>(
        t.api('POST', `/api/v1/campaigns/${created.id}/rollback`, {}), 201);
      expect(rollback).toMatchObject({ rollbackOf: created.id, package: { id: previous.id }, state: 'running', excluded: { no_previous_package: 2 } });
      expect((await actions(rollback.id)).map((a) => a.terminalId).sort()).toEqual(sites[0]!.terminals.map((x) => x.id).sort());
      expect(rollback.leftOut.sort((a, b) => a.serialNumber.localeCompare(b.serialNumber))).toEqual(sites[1]!.terminals.map((x) => ({
        terminalId: x.id, serialNumber: x.serialNumber, previousVersion: '3.1.0', reason: `no package of ${name} 3.1.0 is ready (upload it, then roll these back with a campaign for 3.1.0)`,
      })));
      // The same list stays with the campaign.
      expect((await campaign(rollback.id)) as unknown).toMatchObject({ leftOut: rollback.leftOut });
      const done = await drive(rollback.id, terminals);
      expect(done.state).toBe('completed');
      for (const term of terminals) expect(await terminalVersion(term)).toBe(term.siteId === sites[0]!.id ? '3.2.0' : '3.3.0');
    }, 120_000);

    it('cannot roll back when the previous version has no package, and leaves the campaign running', async () => {
      nextNight();
      const { model, merchant, terminals } = await fleet([2, 2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const created = await startCampaign({ packageId: pkg.id, filter: { merchantId: merchant.id }, waves: [50, 100], observeMinutes: 600 });
      expect((await drive(created.id, terminals, { until: (c) => c.waves[0]!.state === 'observing' })).state).toBe('running');
      const before = await rows('campaigns');
      expect(await expectError(t.api('POST', `/api/v1/campaigns/${created.id}/rollback`, {}), 409)).toMatchObject({ key: 'rollouts.no_previous_package', params: { versions: expect.stringContaining('3.2.0') } });
      expect(await rows('campaigns')).toBe(before);
      expect((await campaign(created.id)).state).toBe('running');
    }, 60_000);
  });

  // ---------------------------------------------------------------------------------------------------
  describe('fleet view', () => {
    it('lists packages and campaigns newest first, a page at a time', async () => {
      nextNight();
      const { model, sites } = await fleet([1, 1]);
      const name = unique('listed-');
      const older = await publish({ version: '4.0.0', name, models: [model.id] });
      now = new Date(now.getTime() + 60_000);
      const newer = await publish({ version: '4.0.1', name, models: [model.id] });
      const first = await startCampaign({ packageId: older.id, filter: { siteId: sites[0]!.id } });
      now = new Date(now.getTime() + 60_000);
      const second = await startCampaign({ packageId: newer.id, filter: { siteId: sites[1]!.id } });

      const packages = await ok<{ items: { id: string }[]; nextCursor: string | null }>(t.api('GET', `/api/v1/packages?name=${name}&limit=1`));
      expect(packages.items.map((p) => p.id)).toEqual([newer.id]);
      const rest = await ok<{ items: { id: string }[]; nextCursor: string | null }>(t.api('GET', `/api/v1/packages?name=${name}&limit=1&cursor=${packages.nextCursor}`));
      expect(rest.items.map((p) => p.id)).toEqual([older.id]);

      const campaigns = await ok<{ items: { id: string }[]; nextCursor: string }>(t.api('GET', '/api/v1/campaigns?state=running&limit=1'));
      expect(campaigns.items.map((c) => c.id)).toEqual([second.id]);
      const next = await ok<{ items: { id: string }[] }>(t.api('GET', `/api/v1/campaigns?state=running&limit=1&cursor=${campaigns.nextCursor}`));
      expect(next.items.map((c) => c.id)).toEqual([first.id]);
      expect((await t.api('GET', '/api/v1/campaigns?cursor=bm90LWEtY3Vyc29y')).json().error).toMatchObject({ field: 'cursor' });
    }, 60_000);

    it('shows versions per model, the share on the latest security patch, and versions installed by hand', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([2, 2]);
      now = new Date(now.getTime() + 60_000); // the install comes a minute after the first report of 3.2.0
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id], securityPatch: true });
      const created = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100] });
      expect((await drive(created.id, terminals)).state).toBe('completed');
      // A technician flashes 3.9.1 by hand on a terminal of the other site.
      const flashed = sites[1]!.terminals[0]!;
      flashed.appVersion = '3.9.1';
      await beat(flashed);

      const view = await ok<{
        versions: { modelId: string; kind: string; version: string | null; terminals: number }[];
        securityPatch: { modelId: string; name: string; latestVersion: string; terminals: number; onLatest: number; share: number }[];
        installedOutside: { terminalId: string; kind: string; fromVersion: string | null; toVersion: string }[];
      }>(t.api('GET', '/api/v1/fleet/versions'));
      const ofModel = view.versions.filter((v) => v.modelId === model.id);
      expect(ofModel[0]).toEqual({ modelId: model.id, kind: 'application', version: '3.3.0', terminals: 2 });
      expect(ofModel).toHaveLength(4);
      expect(ofModel).toEqual(expect.arrayContaining([
        { modelId: model.id, kind: 'application', version: '3.2.0', terminals: 1 },
        { modelId: model.id, kind: 'application', version: '3.9.1', terminals: 1 },
        { modelId: model.id, kind: 'firmware', version: 'fw-1', terminals: 4 },
      ]));
      expect(view.securityPatch.filter((s) => s.modelId === model.id)).toEqual([
        expect.objectContaining({ latestVersion: '3.3.0', terminals: 4, onLatest: 3, share: 0.75 }),
      ]);
      const ofFleet = view.installedOutside.filter((v) => terminals.some((x) => x.id === v.terminalId));
      expect(ofFleet).toEqual([expect.objectContaining({ terminalId: flashed.id, kind: 'application', fromVersion: '3.2.0', toVersion: '3.9.1' })]);

      // Each terminal's own history says which campaign installed a version, and which came from elsewhere.
      type Change = { kind: string; fromVersion: string | null; toVersion: string; campaignId: string | null };
      const history = async (id: string) => (await ok<{ items: Change[] }>(t.api('GET', `/api/v1/terminals/${id}/versions`))).items.filter((c) => c.kind === 'application');
      expect(await history(flashed.id)).toEqual([
        expect.objectContaining({ fromVersion: '3.2.0', toVersion: '3.9.1', campaignId: null }),
        expect.objectContaining({ fromVersion: null, toVersion: '3.2.0', campaignId: null }),
      ]);
      expect((await history(sites[0]!.terminals[0]!.id))[0]).toMatchObject({ fromVersion: '3.2.0', toVersion: '3.3.0', campaignId: created.id });
    }, 60_000);

    it('lists actions stuck in a state, and not those waiting for their window', async () => {
      nextNight();
      const { model, sites, terminals } = await fleet([2, 2]);
      const pkg = await publish({ version: '3.3.0', name: unique('app-'), models: [model.id] });
      const tonight = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100] });
      const planned = await Promise.all((await actions(tonight.id)).map(async (a) => ({ action: a, job: (await t.services.maintenance.job(a.maintenanceJobId!))! })));
      const first = planned.sort((a, b) => a.job.planned_start.localeCompare(b.job.planned_start))[0]!;
      // Its terminal goes into maintenance and is never heard of again.
      now = new Date(Math.max(now.getTime(), Date.parse(first.job.planned_start)));
      for (const term of terminals) await beat(term);
      await t.services.jobLifecycle.startDueJobs();
      expect(await jobState(first.job.id)).toBe('draining');
      // After tonight's window: a campaign for the other site waits for tomorrow night.
      now = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 21, 30));
      const tomorrow = await startCampaign({ packageId: pkg.id, filter: { siteId: sites[1]!.id }, waves: [100] });
      expect((await actions(tomorrow.id)).map((a) => a.state)).toEqual(['scheduled', 'scheduled']);

      now = new Date(now.getTime() + 135 * MINUTE);
      for (const term of terminals.filter((x) => x.id !== first.action.terminalId)) await beat(term);
      await t.services.jobLifecycle.startDueJobs();
      const view = await ok<{ stuck: { actionId: number; campaignId: string; terminalId: string; state: string; since: string }[] }>(t.api('GET', '/api/v1/fleet/versions'));
      const ours = view.stuck.filter((x) => x.campaignId === tonight.id || x.campaignId === tomorrow.id);
      expect(ours).toEqual([{ actionId: first.action.id, campaignId: tonight.id, terminalId: first.action.terminalId, state: 'scheduled', since: first.action.updatedAt }]);
    }, 60_000);
  });
});
