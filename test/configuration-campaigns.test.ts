// Configuration campaigns on both databases, through the operator API and the terminal protocol: a
// receipt footer applies live; a new acquirer host is held pending, goes out as a campaign whose jobs
// sit in the sites' maintenance windows, each terminal taking the change inside its job; a wave whose
// payments get worse halts it, and the rollback gives the updated terminals their previous configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { enrolTerminal, startTestApp, type TestApp } from './support/app.ts';
import { configurationTerminals, type ConfigTerminal } from './support/configuration-terminals.ts';
import { databases } from './support/databases.ts';
import { ok } from './support/http.ts';

const MINUTE = 60_000;
/** 01:00–05:00 in Shanghai: 17:00–21:00 UTC. */
const NIGHTLY = { kind: 'cron', cron: '0 1 * * *', durationMinutes: 240 } as const;

interface Term extends ConfigTerminal { serialNumber: string; siteId: string; }
interface Change { id: string; state: string; campaignId: string | null; version: number | null; holders: number; changes: { parameter: string; old: unknown; new: unknown }[] }
interface Campaign { id: string; state: string; package: { kind: string; version: string }; halt: null | { reason: string }; waves: { state: string; installedAt: string | null }[] }

describe.each(databases())('configuration campaigns on $name', (db) => {
  let t: TestApp;
  const { beat, fetchConfiguration, live, effective } = configurationTerminals(() => t, 'acquirerHost');
  // 00:00 in Shanghai: the nightly windows open in an hour.
  let now = new Date('2026-12-01T16:00:00.000Z');
  const terms: Term[] = [];
  let merchantId = '';

  const campaign = (id: string) => ok<Campaign>(t.api('GET', `/api/v1/campaigns/${id}`));
  const set = (values: Record<string, unknown>, reason: string) => ok<{ version: number; needsMaintenance: boolean; pending: Change | null }>(
    t.api('PATCH', `/api/v1/configuration/levels/merchant/${merchantId}`, { values, reason }));

  beforeAll(async () => {
    t = await startTestApp(await db.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000' }, () => now);
    await ok(t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }), 201);
    const model = await t.services.estate.createModel({
      code: 'CC-MODEL', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await t.services.estate.createMerchant({ name: 'Campaign merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    merchantId = merchant.id;
    for (let s = 0; s < 4; s++) {
      const site = await t.services.estate.createSite({ merchantId, code: `CC-S${s}`, name: `Shop ${s}` });
      await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId: site.id }, schedule: NIGHTLY, timeZone: 'Asia/Shanghai' }), 201);
      for (let i = 0; i < 3; i++) {
        const created = await t.services.estate.createTerminal({ serialNumber: `CC-S${s}-T${i}`, modelId: model.id, siteId: site.id, tags: [] });
        const { credential } = await enrolTerminal(t, created.serialNumber);
        terms.push({ id: created.id, serialNumber: created.serialNumber, siteId: site.id, credential, seq: 1, applied: null, inJob: [] });
      }
    }
    for (const term of terms) await live(term);
    await t.services.configuration.refresh();
    for (const term of terms) await live(term);
  });
  afterAll(() => t.close());

  /** Terminals heartbeat, due jobs start, the campaign moves on, the clock goes ahead; until `until` holds. */
  async function drive(campaignId: string, until: (c: Campaign) => boolean): Promise<Campaign> {
    for (let round = 0; round < 200; round++) {
      for (const term of terms) await live(term);
      if (await t.services.jobLifecycle.startDueJobs()) for (const term of terms) await live(term);
      await t.services.campaignEngine.tick();
      const current = await campaign(campaignId);
      if (until(current)) return current;
      now = new Date(now.getTime() + 10 * MINUTE);
    }
    throw new Error(`campaign ${campaignId} did not get there: ${JSON.stringify(await campaign(campaignId))}`);
  }

  it('applies a receipt footer live, without maintenance', async () => {
    const before = await effective(terms[0]!);
    const result = await set({ receiptFooter: '欢迎再来 Welcome back' }, 'new footer');
    expect(result).toMatchObject({ needsMaintenance: false, pending: null, version: 1 });
    const answer = await beat(terms[0]!);
    expect(answer.mode).toBe('normal');
    expect(answer.configuration!.hash).not.toBe(before.hash);
    expect((await fetchConfiguration(terms[0]!)).values.receiptFooter).toBe('欢迎再来 Welcome back');
    expect(await t.services.db.kysely.selectFrom('maintenance_jobs').select('id').where('terminal_id', '=', terms[0]!.id).execute()).toEqual([]);
    for (const term of terms) await live(term);
  });

  it('sends a new acquirer host out as a campaign inside the windows, halts it when payments get worse, and rolls it back to the previous configuration', async () => {
    const before = await effective(terms[0]!);
    const held = await set({ acquirerHost: 'acq2.unionpay.example' }, 'new acquirer host');
    expect(held).toMatchObject({ needsMaintenance: true, version: 1, pending: { state: 'pending', changes: [{ parameter: 'acquirerHost', old: null, new: 'acq2.unionpay.example' }] } });
    // Pending: not live anywhere, nothing fetched changes.
    expect((await effective(terms[0]!)).hash).toBe(before.hash);
    expect((await fetchConfiguration(terms[5]!)).values.acquirerHost).toBe('pos.unionpay.example');
    const second = await t.api('PATCH', `/api/v1/configuration/levels/merchant/${merchantId}`, { values: { acquirerPort: 8443 }, reason: 'port too' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.field).toBe('values');

    const delivering = await ok<Change>(t.api('POST', `/api/v1/configuration/changes/${held.pending!.id}/campaign`, { name: 'Acquirer host', waves: [50, 100], observeMinutes: 60, seed: 7 }), 201);
    expect(delivering).toMatchObject({ state: 'delivering', holders: 0 });
    const created = await campaign(delivering.campaignId!);
    expect(created.package).toMatchObject({ kind: 'configuration', version: held.pending!.id });
    // The campaign's jobs wait for the window (01:00 Shanghai): nobody has the change before it.
    for (const term of terms) await live(term);
    expect(terms.every((term) => term.inJob.length === 0)).toBe(true);
    const jobs = await t.services.db.kysely.selectFrom('rollout_actions').innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .select(['maintenance_jobs.planned_start']).where('rollout_actions.campaign_id', '=', created.id).execute();
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.planned_start >= '2026-12-01T17:00:00.000Z')).toBe(true);

    const observing = await drive(created.id, (c) => c.waves[0]!.state === 'observing');
    const updated = terms.filter((term) => term.inJob.includes('acq2.unionpay.example'));
    expect(updated.length).toBe(6);
    for (const term of updated) expect((await effective(term)).values.acquirerHost).toBe('acq2.unionpay.example');
    const untouched = terms.find((term) => !updated.includes(term))!;
    expect((await effective(untouched)).values.acquirerHost).toBe('pos.unionpay.example');
    expect((await ok<Change>(t.api('GET', `/api/v1/configuration/changes/${held.pending!.id}`))).holders).toBe(6);

    // An hour of trade: the updated terminals misread every fourth card, the others hardly any.
    for (let i = 0; i < 6; i++) {
      now = new Date(now.getTime() + 10 * MINUTE);
      for (const term of terms) {
        const bad = updated.includes(term);
        await live(term, { cardReader: { chip: { attempts: 40, failures: bad ? 10 : i % 3 === 0 ? 1 : 0 }, contactless: { attempts: 20, failures: 0 } } });
      }
    }
    now = new Date(Math.max(now.getTime(), Date.parse(observing.waves[0]!.installedAt!) + 61 * MINUTE));
    await t.services.campaignEngine.tick();
    const halted = await campaign(created.id);
    expect(halted.state).toBe('halted');
    expect(halted.halt!.reason).toMatch(/^payments got worse on wave 1's updated terminals/);

    // Rolled back: a campaign giving the updated terminals the configuration before the change, in their jobs.
    const rollback = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${created.id}/rollback`, {}), 201);
    expect(rollback.package.version).toBe(`${held.pending!.id}:before`);
    for (const term of updated) term.inJob = [];
    now = new Date('2026-12-02T16:50:00.000Z'); // the next night
    await drive(rollback.id, (c) => c.state === 'completed');
    for (const term of updated) expect(term.inJob).toEqual(['pos.unionpay.example']);
    expect(await t.services.configurationCampaigns.tick()).toBe(1);
    const done = await ok<Change>(t.api('GET', `/api/v1/configuration/changes/${held.pending!.id}`));
    expect(done).toMatchObject({ state: 'rolled_back', holders: 0, version: null });
    for (const term of terms) expect((await effective(term)).values.acquirerHost).toBe('pos.unionpay.example');
    expect((await effective(terms[0]!)).hash).toBe(before.hash);
    // The level never had the change: its history holds the footer only.
    const history = await ok<{ items: unknown[] }>(t.api('GET', `/api/v1/configuration/levels/merchant/${merchantId}/history`));
    expect(history.items).toHaveLength(1);
  }, 240_000);

  it('ends the delivery of a change whose campaign is cancelled: the terminals that took it keep it, the level keeps its version, and a rollback takes them back in their windows', async () => {
    for (const term of terms) term.inJob = [];
    const level = () => ok<{ version: number; values: Record<string, unknown> }>(t.api('GET', `/api/v1/configuration/levels/merchant/${merchantId}`));
    const levelBefore = await level();
    const held = await set({ acquirerHost: 'acq3.unionpay.example' }, 'third acquirer host');
    const delivering = await ok<Change>(t.api('POST', `/api/v1/configuration/changes/${held.pending!.id}/campaign`, { name: 'Acquirer host 3', waves: [50, 100], observeMinutes: 60, seed: 11 }), 201);
    await drive(delivering.campaignId!, (c) => c.waves[0]!.state === 'observing');
    const updated = terms.filter((term) => term.inJob.includes('acq3.unionpay.example'));
    expect(updated.length).toBe(6);
    const hashes = new Map(await Promise.all(terms.map(async (term) => [term.id, (await effective(term)).hash] as const)));

    // The operator cancels the campaign: its waiting jobs are withdrawn, and the change's delivery ends.
    await ok(t.api('POST', `/api/v1/campaigns/${delivering.campaignId!}/cancel`, { note: 'wrong week' }));
    await t.services.configurationCampaigns.tick();
    const cancelled = await ok<Change>(t.api('GET', `/api/v1/configuration/changes/${held.pending!.id}`));
    expect(cancelled).toMatchObject({ state: 'cancelled', holders: 6, terminals: 12, version: null });
    // Nothing moves outside a window: the updated terminals keep the new port, the others the old one.
    now = new Date(now.getTime() + 24 * 60 * MINUTE);
    for (const term of terms) await live(term);
    await t.services.configuration.refresh();
    for (const term of terms) {
      expect((await effective(term)).hash).toBe(hashes.get(term.id));
      expect((await effective(term)).values.acquirerHost).toBe(updated.includes(term) ? 'acq3.unionpay.example' : 'pos.unionpay.example');
    }
    expect(terms.every((term) => term.inJob.length === (updated.includes(term) ? 1 : 0))).toBe(true);
    // The level's version is what every terminal in service has: not the change.
    expect(await level()).toMatchObject({ version: levelBefore.version });
    expect((await level()).values.acquirerHost).toBeUndefined();
    expect(await t.services.configurationCampaigns.tick()).toBe(0);
    // While terminals keep it, the level takes no other change that needs maintenance.
    const other = await t.api('PATCH', `/api/v1/configuration/levels/merchant/${merchantId}`, { values: { acquirerPort: 8443 }, reason: 'another port' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.field).toBe('values');

    // Delivered again (at noon UTC, outside the windows), it goes to the others only; cancelled again
    // before their window, the same terminals keep it.
    const noon = new Date(`${now.toISOString().slice(0, 10)}T12:00:00.000Z`);
    now = noon > now ? noon : new Date(noon.getTime() + 24 * 60 * MINUTE);
    for (const term of terms) await live(term);
    const again = await ok<Change>(t.api('POST', `/api/v1/configuration/changes/${held.pending!.id}/campaign`, { name: 'Acquirer host 3, the rest', waves: [100], seed: 12 }), 201);
    expect(again).toMatchObject({ state: 'delivering', holders: 6 });
    const targeted = await t.services.db.kysely.selectFrom('rollout_actions').select('terminal_id').where('campaign_id', '=', again.campaignId!).execute();
    expect(targeted.map((a) => a.terminal_id).sort()).toEqual(terms.filter((term) => !updated.includes(term)).map((term) => term.id).sort());
    await ok(t.api('POST', `/api/v1/campaigns/${again.campaignId!}/cancel`, {}));
    await t.services.configurationCampaigns.tick();
    expect(await ok<Change>(t.api('GET', `/api/v1/configuration/changes/${held.pending!.id}`))).toMatchObject({ state: 'cancelled', holders: 6 });

    // Rolled back: the terminals that kept it get the configuration before it, in their jobs; then nobody runs it.
    const rollback = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${delivering.campaignId!}/rollback`, {}), 201);
    await drive(rollback.id, (c) => c.state === 'completed');
    for (const term of updated) expect(term.inJob).toEqual(['acq3.unionpay.example', 'pos.unionpay.example']);
    expect(await ok<Change>(t.api('GET', `/api/v1/configuration/changes/${held.pending!.id}`))).toMatchObject({ state: 'rolled_back', holders: 0, version: null });
    for (const term of terms) expect((await effective(term)).values.acquirerHost).toBe('pos.unionpay.example');
  }, 240_000);
});
