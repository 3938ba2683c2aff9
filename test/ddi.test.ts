// The hawkBit DDI API driven in-process, on both databases and an injected clock: what a hawkBit device's
// install records (its version, its history with the campaign, the fleet's figures), who a TargetToken
// lets in, and configData as devices send it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { ok } from './support/http.ts';
import { beat, ddi, ddiFeedback, publishPackage, rolloutEstate, unique } from './support/rollout-fixture.ts';

const MINUTE = 60_000;

describe.each(databases())('hawkBit DDI on $name', (kind) => {
  let t: TestApp;
  // 01:00 in Shanghai: the nightly windows are open.
  let now = new Date('2026-06-15T17:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000' }, () => now);
  });
  afterAll(() => t.close());

  const links = async (term: { serialNumber: string; credential: string }) => (await ok<{ _links: Record<string, { href: string }> }>(ddi(t, term, 'GET')))._links;

  it('records the version a hawkBit device confirmed installing, with its campaign, as a heartbeat would', async () => {
    // The hawkBit device and a PosFleet terminal that keeps the shop trading meanwhile.
    const { model, sites } = await rolloutEstate(t, [2], { tags: (_, i) => (i === 0 ? ['hawkbit'] : []), firmwareVersion: '1.0.0' });
    const [device, other] = sites[0]!.terminals as [typeof sites[0]['terminals'][0], typeof sites[0]['terminals'][0]];
    await beat(t, other, { firmwareVersion: '1.0.0' });
    const pkg = await publishPackage(t, { kind: 'firmware', name: unique('os-'), version: '2.0.0', models: [model.id], securityPatch: true });
    const campaign = await ok<{ id: string }>(t.api('POST', '/api/v1/campaigns', {
      name: unique('OS '), packageId: pkg.id, filter: { siteId: sites[0]!.id, tag: 'hawkbit' }, waves: [100], observeMinutes: 0,
    }), 201);

    // Its first poll shows it online; its job starts; the deployment is offered.
    expect(await links(device)).not.toHaveProperty('deploymentBase');
    await t.services.jobLifecycle.startDueJobs();
    const href = (await links(device)).deploymentBase!.href;
    const actionId = Number(/deploymentBase\/(\d+)/.exec(href)![1]);
    await ok(ddi(t, device, 'GET', `/deploymentBase/${actionId}`));
    await ok(ddi(t, device, 'POST', `/deploymentBase/${actionId}/feedback`, ddiFeedback('proceeding', 'none', ['Installation in progress'])));
    now = new Date(now.getTime() + 5 * MINUTE);
    await ok(ddi(t, device, 'POST', `/deploymentBase/${actionId}/feedback`, ddiFeedback('closed', 'success', ['SWUpdate successfully installed'])));
    await t.services.campaignEngine.tick();
    expect((await ok<{ state: string }>(t.api('GET', `/api/v1/campaigns/${campaign.id}/actions/${actionId}`))).state).toBe('succeeded');

    expect(await ok(t.api('GET', `/api/v1/terminals/${device.id}`))).toMatchObject({ firmwareVersion: '2.0.0' });
    const versions = await ok<{ items: unknown[] }>(t.api('GET', `/api/v1/terminals/${device.id}/versions`));
    expect(versions.items).toEqual([{ kind: 'firmware', fromVersion: '1.0.0', toVersion: '2.0.0', at: now.toISOString(), campaignId: campaign.id }]);
    const fleet = await ok<{ versions: { modelId: string; kind: string; version: string; terminals: number }[]; securityPatch: { modelId: string; onLatest: number; terminals: number }[]; installedOutside: { terminalId: string }[] }>(t.api('GET', '/api/v1/fleet/versions'));
    expect(fleet.versions).toContainEqual({ modelId: model.id, kind: 'firmware', version: '2.0.0', terminals: 1 });
    expect(fleet.securityPatch.find((p) => p.modelId === model.id)).toMatchObject({ terminals: 2, onLatest: 1 });
    expect(fleet.installedOutside.map((v) => v.terminalId)).not.toContain(device.id);
    const onNew = await ok<{ items: { id: string }[] }>(t.api('GET', `/api/v1/terminals?siteId=${sites[0]!.id}&firmwareVersion=2.0.0`));
    expect(onNew.items.map((x) => x.id)).toEqual([device.id]);
    // A campaign for terminals on the installed version finds it.
    const next = await publishPackage(t, { kind: 'firmware', name: pkg.name, version: '2.1.0', models: [model.id] });
    const followUp = await ok<{ id: string }>(t.api('POST', '/api/v1/campaigns', {
      name: unique('OS '), packageId: next.id, filter: { siteId: sites[0]!.id, installedVersion: '2.0.0' }, waves: [100], observeMinutes: 0,
    }), 201);
    const targeted = await ok<{ items: { terminalId: string }[] }>(t.api('GET', `/api/v1/campaigns/${followUp.id}/actions`));
    expect(targeted.items.map((a) => a.terminalId)).toEqual([device.id]);
    await ok(t.api('POST', `/api/v1/campaigns/${followUp.id}/cancel`, {}));

    // A later heartbeat of the same firmware adds no firmware change.
    await beat(t, device, { firmwareVersion: '2.0.0' });
    const after = await ok<{ items: { kind: string }[] }>(t.api('GET', `/api/v1/terminals/${device.id}/versions`));
    expect(after.items.filter((v) => v.kind === 'firmware')).toHaveLength(1);
  });

  it('answers another terminal\'s token as an unknown one, naming nobody, and takes the tenant in any case', async () => {
    const { terminals } = await rolloutEstate(t, [2]);
    const [a, b] = terminals as [typeof terminals[0], typeof terminals[0]];
    const foreign = await ddi(t, { serialNumber: a.serialNumber, credential: b.credential }, 'GET');
    expect(foreign.statusCode).toBe(401);
    const unknown = await ddi(t, { serialNumber: a.serialNumber, credential: 'nope' }, 'GET');
    expect(foreign.json()).toEqual(unknown.json());
    expect(foreign.body).not.toContain(b.serialNumber);
    for (const tenant of ['default', 'DEFAULT', 'Default']) expect((await ddi(t, a, 'GET', '', undefined, tenant)).statusCode, tenant).toBe(200);
    expect((await ddi(t, a, 'GET', '', undefined, 'other')).statusCode).toBe(404);
  });

  it('stores both of two first configData PUTs sent at once, and asks for configData again after an update', async () => {
    const { model, sites } = await rolloutEstate(t, [2], { tags: (_, i) => (i === 0 ? ['hawkbit'] : []) });
    const [device, other] = sites[0]!.terminals as [typeof sites[0]['terminals'][0], typeof sites[0]['terminals'][0]];
    await beat(t, other);
    expect(await links(device)).toHaveProperty('configData');
    const answers = await Promise.all([
      ddi(t, device, 'PUT', '/configData', { mode: 'merge', data: { hwRevision: 'r2' } }),
      ddi(t, device, 'PUT', '/configData', { mode: 'merge', data: { mac: '00:11:22:33:44:55' } }),
    ]);
    expect(answers.map((a) => a.statusCode), answers.map((a) => a.body).join()).toEqual([200, 200]);
    const stored = await t.services.db.kysely.selectFrom('ddi_config_data').select('attributes').where('terminal_id', '=', device.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.attributes)).toEqual({ hwRevision: 'r2', mac: '00:11:22:33:44:55' });
    expect(await links(device)).not.toHaveProperty('configData');

    // An update the device confirms: it is asked for its attributes again, until it sends them.
    now = new Date(now.getTime() + MINUTE);
    const pkg = await publishPackage(t, { kind: 'application', name: unique('app-'), version: '4.0.0', models: [model.id] });
    await ok(t.api('POST', '/api/v1/campaigns', { name: unique('App '), packageId: pkg.id, filter: { siteId: sites[0]!.id, tag: 'hawkbit' }, waves: [100], observeMinutes: 0 }), 201);
    await t.services.jobLifecycle.startDueJobs();
    const actionId = Number(/deploymentBase\/(\d+)/.exec((await links(device)).deploymentBase!.href)![1]);
    await ok(ddi(t, device, 'POST', `/deploymentBase/${actionId}/feedback`, ddiFeedback('proceeding', 'none')));
    await ok(ddi(t, device, 'POST', `/deploymentBase/${actionId}/feedback`, ddiFeedback('closed', 'success')));
    expect(await links(device)).toHaveProperty('configData');
    await ok(ddi(t, device, 'PUT', '/configData', { mode: 'merge', data: { hwRevision: 'r3' } }));
    expect(await links(device)).not.toHaveProperty('configData');
  });
});
