// A configuration change that needs maintenance, on both databases: a terminal its campaign skipped (here
// one whose shop has no maintenance window yet) keeps the configuration before the change — its heartbeat
// answers keep the old hash — until a follow-up campaign gives it the change in a job inside its window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { enrolTerminal, startTestApp, type TestApp } from './support/app.ts';
import { configurationTerminals, type ConfigTerminal } from './support/configuration-terminals.ts';
import { databases } from './support/databases.ts';
import { ok } from './support/http.ts';

const MINUTE = 60_000;
/** 01:00–05:00 in Shanghai: 17:00–21:00 UTC. */
const NIGHTLY = { kind: 'cron', cron: '0 1 * * *', durationMinutes: 240 } as const;

type Term = ConfigTerminal;
interface Change { id: string; state: string; campaignId: string | null; version: number | null; holders: number; waiting: number; updatedAt: string }
interface Campaign { id: string; name: string; state: string }

describe.each(databases())('configuration campaign follow-ups on $name', (db) => {
  let t: TestApp;
  const { beat, fetchConfiguration, live, effective } = configurationTerminals(() => t, 'acquirerPort');
  // 00:00 in Shanghai: the nightly windows open in an hour.
  let now = new Date('2026-12-01T16:00:00.000Z');
  const terms: Term[] = [];
  let merchantId = '';
  let lonelySiteId = '';
  let modelId = '';
  const openingHours = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '09:00', close: '22:00' }]]));

  const campaign = (id: string) => ok<Campaign>(t.api('GET', `/api/v1/campaigns/${id}`));
  const change = (id: string) => ok<Change>(t.api('GET', `/api/v1/configuration/changes/${id}`));

  beforeAll(async () => {
    t = await startTestApp(await db.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000' }, () => now);
    await ok(t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }), 201);
    const model = await t.services.estate.createModel({
      code: 'FU-MODEL', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    modelId = model.id;
    merchantId = (await t.services.estate.createMerchant({ name: 'Follow-up merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id;
    // A shop with two terminals and the nightly window; a shop with one terminal and no window yet.
    const shop = await t.services.estate.createSite({ merchantId, code: 'FU-S0', name: 'Shop with a window' });
    await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId: shop.id }, schedule: NIGHTLY, timeZone: 'Asia/Shanghai' }), 201);
    // Its only terminal is taken out of service while the shop is closed (09:00–22:00 every day).
    lonelySiteId = (await t.services.estate.createSite({ merchantId, code: 'FU-S1', name: 'Shop alone', openingHours })).id;
    for (const [siteId, serial] of [[shop.id, 'FU-T0'], [shop.id, 'FU-T1'], [lonelySiteId, 'FU-ALONE']] as const) {
      const created = await t.services.estate.createTerminal({ serialNumber: serial, modelId: model.id, siteId, tags: [] });
      const { credential } = await enrolTerminal(t, created.serialNumber);
      terms.push({ id: created.id, credential, seq: 1, applied: null, inJob: [] });
    }
    for (const term of terms) await live(term);
    await t.services.configuration.refresh();
    for (const term of terms) await live(term);
  });
  afterAll(() => t.close());

  /** Terminals heartbeat, due jobs start, the campaign moves on, the clock goes ahead; until it completed. */
  async function complete(campaignId: string): Promise<Campaign> {
    for (let round = 0; round < 200; round++) {
      for (const term of terms) await live(term);
      if (await t.services.jobLifecycle.startDueJobs()) for (const term of terms) await live(term);
      await t.services.campaignEngine.tick();
      const current = await campaign(campaignId);
      if (current.state === 'completed') return current;
      now = new Date(now.getTime() + 10 * MINUTE);
    }
    throw new Error(`campaign ${campaignId} did not complete: ${JSON.stringify(await campaign(campaignId))}`);
  }

  it('keeps a terminal the campaign skipped on the configuration before the change until a follow-up campaign gives it the change inside its window', async () => {
    const alone = terms[2]!;
    const before = await effective(alone);
    expect(before.values.acquirerPort).toBe(443);

    const held = await ok<{ pending: Change | null }>(t.api('PATCH', `/api/v1/configuration/levels/merchant/${merchantId}`, { values: { acquirerPort: 8443 }, reason: 'new acquirer port' }));
    const delivering = await ok<Change>(t.api('POST', `/api/v1/configuration/changes/${held.pending!.id}/campaign`, { name: 'Acquirer port', waves: [100], observeMinutes: 0, seed: 3 }), 201);
    const first = await complete(delivering.campaignId!);
    expect(terms.map((term) => term.inJob)).toEqual([[8443], [8443], []]);
    for (const term of terms.slice(0, 2)) expect((await effective(term)).values.acquirerPort).toBe(8443);

    // The campaign completed without it: the change is not its level's version yet, and the skipped
    // terminal's heartbeat answers keep the hash of the configuration before it.
    expect(await t.services.configurationCampaigns.tick()).toBe(0);
    expect(await change(held.pending!.id)).toMatchObject({ state: 'delivering', campaignId: first.id, version: null, holders: 2, waiting: 1 });
    expect((await beat(alone)).configuration!.hash).toBe(before.hash);
    expect((await fetchConfiguration(alone)).values.acquirerPort).toBe(443);
    expect((await effective(alone)).values.acquirerPort).toBe(443);

    // The shop gets a window. A day after the first campaign (at noon UTC, outside the window), a
    // follow-up campaign starts for that terminal alone.
    await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId: lonelySiteId }, schedule: NIGHTLY, timeZone: 'Asia/Shanghai' }), 201);
    const dayLater = new Date(Date.parse(delivering.updatedAt) + 24 * 60 * MINUTE);
    now = new Date(`${dayLater.toISOString().slice(0, 10)}T12:00:00.000Z`);
    if (now < dayLater) now = new Date(now.getTime() + 24 * 60 * MINUTE);
    for (const term of terms) await live(term);
    expect(await t.services.configurationCampaigns.tick()).toBe(0);
    const following = await change(held.pending!.id);
    expect(following).toMatchObject({ state: 'delivering', version: null, waiting: 1 });
    expect(following.campaignId).not.toBe(first.id);
    const followUp = await campaign(following.campaignId!);
    expect(followUp.name).toBe('Acquirer port (follow-up: 1 terminal)');
    // Its job waits for the window (01:00 Shanghai, 17:00 UTC): until then the terminal keeps the configuration before the change.
    await t.services.campaignEngine.tick();
    for (const term of terms) await live(term);
    expect(alone.inJob).toEqual([]);
    expect((await beat(alone)).configuration!.hash).toBe(before.hash);
    const windowOpens = `${now.toISOString().slice(0, 10)}T17:00:00.000Z`;

    // Inside the window its job gives it the change; its heartbeat answers carry the new hash.
    await complete(followUp.id);
    expect(alone.inJob).toEqual([8443]);
    const jobs = await t.services.db.kysely.selectFrom('rollout_actions').innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .select(['maintenance_jobs.started_at', 'rollout_actions.terminal_id']).where('rollout_actions.campaign_id', '=', followUp.id).execute();
    expect(jobs.map((j) => j.terminal_id)).toEqual([alone.id]);
    expect(jobs[0]!.started_at! >= windowOpens).toBe(true);
    const after = await effective(alone);
    expect(after.values.acquirerPort).toBe(8443);
    expect(after.hash).not.toBe(before.hash);
    expect((await beat(alone)).configuration!.hash).toBe(after.hash);
    expect(alone.applied).toBe(after.hash);

    // Everyone has it now: the change becomes a version of its level.
    expect(await t.services.configurationCampaigns.tick()).toBe(1);
    expect(await change(held.pending!.id)).toMatchObject({ state: 'applied', version: 1, waiting: 0 });
    expect((await effective(alone)).hash).toBe(after.hash);
  }, 240_000);

  it('rolls back a follow-up campaign on the terminals it changed only, in their windows: those the first campaign updated keep the change', async () => {
    for (const term of terms) term.inJob = [];
    // A new shop with one terminal and no window yet: the first campaign skips it.
    const siteId = (await t.services.estate.createSite({ merchantId, code: 'FU-S2', name: 'Shop opened later', openingHours })).id;
    const created = await t.services.estate.createTerminal({ serialNumber: 'FU-NEW', modelId, siteId, tags: [] });
    const newcomer: Term = { id: created.id, credential: (await enrolTerminal(t, created.serialNumber)).credential, seq: 1, applied: null, inJob: [] };
    terms.push(newcomer);
    await live(newcomer);
    await t.services.configuration.refresh();
    await live(newcomer);
    const first = terms.slice(0, 3);

    const held = await ok<{ pending: Change | null }>(t.api('PATCH', `/api/v1/configuration/levels/merchant/${merchantId}`, { values: { acquirerPort: 9443 }, reason: 'port again' }));
    const id = held.pending!.id;
    const delivering = await ok<Change>(t.api('POST', `/api/v1/configuration/changes/${id}/campaign`, { name: 'Port 9443', waves: [100], observeMinutes: 0, seed: 5, singleTerminalSites: 'when_closed' }), 201);
    await complete(delivering.campaignId!);
    expect(terms.map((term) => term.inJob)).toEqual([[9443], [9443], [9443], []]);
    expect(await t.services.configurationCampaigns.tick()).toBe(0);
    const kept = await Promise.all(first.map((term) => effective(term)));
    expect(kept.map((e) => e.values.acquirerPort)).toEqual([9443, 9443, 9443]);

    // The new shop gets a window; a day later a follow-up campaign gives the change to its terminal.
    await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId }, schedule: NIGHTLY, timeZone: 'Asia/Shanghai' }), 201);
    const dayLater = new Date(Date.parse((await change(id)).updatedAt) + 24 * 60 * MINUTE);
    now = new Date(`${dayLater.toISOString().slice(0, 10)}T12:00:00.000Z`);
    if (now < dayLater) now = new Date(now.getTime() + 24 * 60 * MINUTE);
    for (const term of terms) await live(term);
    expect(await t.services.configurationCampaigns.tick()).toBe(0);
    const followUpId = (await change(id)).campaignId!;
    expect(followUpId).not.toBe(delivering.campaignId);
    await complete(followUpId);
    expect(newcomer.inJob).toEqual([9443]);

    // Its terminal trades worse; the operator rolls the follow-up back. Its rollback takes the change
    // back from that terminal only, in a job inside its window.
    const rollback = await ok<Campaign>(t.api('POST', `/api/v1/campaigns/${followUpId}/rollback`, {}), 201);
    await complete(rollback.id);
    expect(newcomer.inJob).toEqual([9443, 8443]);
    const actions = await t.services.db.kysely.selectFrom('rollout_actions').select('terminal_id').where('campaign_id', '=', rollback.id).execute();
    expect(actions.map((a) => a.terminal_id)).toEqual([newcomer.id]);
    expect((await effective(newcomer)).values.acquirerPort).toBe(8443);

    // The change's delivery ended; the first campaign's terminals keep it, at every heartbeat after.
    expect(await t.services.configurationCampaigns.tick()).toBe(1);
    expect(await change(id)).toMatchObject({ state: 'cancelled', holders: 3, version: null });
    now = new Date(now.getTime() + 60 * MINUTE);
    await t.services.configuration.refresh();
    for (const [i, term] of first.entries()) {
      expect((await beat(term)).configuration!.hash).toBe(kept[i]!.hash);
      await live(term);
      expect((await effective(term)).values.acquirerPort).toBe(9443);
      expect(term.inJob).toEqual([9443]);
    }
    // Their level's version is still the one before the change.
    expect(await ok<{ version: number }>(t.api('GET', `/api/v1/configuration/levels/merchant/${merchantId}`))).toMatchObject({ version: 1 });
  }, 240_000);
});
