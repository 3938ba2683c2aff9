// The hawkBit DDI API against a real hawkBit client: Debian's SWUpdate (suricatta) polls PosFleet,
// downloads and installs a CMS-signed .swu image (made here, with its own key and certificate) once its
// maintenance window is open and its maintenance job has it out of service, and a second run with
// `-c 2` confirms success as after a reboot. The deployment then stands as succeeded, its job completed,
// its campaign completed, every feedback message SWUpdate sent is stored, and the terminal's version,
// version history and the fleet's figures show the new version. A device alone at its site is updated
// under the campaign's recorded policy for single-terminal sites.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { ADMIN_TOKEN, heartbeatContent, operatorApi, poll, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';
import { makeSignedSwuImage, startSuricatta, swupdateAvailable, SWUPDATE_FEEDBACK, SWUPDATE_LOG } from './support/swupdate.ts';

interface Feedback { source: string; status: string; effect: string; body: { status: { execution: string; result: { finished: string }; details?: string[] } } }

describe.skipIf(!swupdateAvailable())('hawkBit DDI with SWUpdate', () => {
  let server: TestServer;
  let api: OperatorApi;
  const work = mkdtempSync(join(tmpdir(), 'posfleet-ddi-'));

  beforeAll(async () => {
    server = await startTestServer({
      prefix: 'posfleet-ddi',
      // Heartbeats every minute keep the site's spare online through the test; SWUpdate polls every second.
      env: { HEARTBEAT_INTERVAL_SECONDS: '60', DDI_POLL_SECONDS: '1', ROLLOUT_TICK_SECONDS: '1', DATA_DIR: join(work, 'data') },
    });
    api = operatorApi(server);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function enrol(serialNumber: string): Promise<string> {
    const { code } = await api('POST', '/api/v1/enrolment-codes', { serialNumber });
    const response = await fetch(`${server.url}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber, code }) });
    expect(response.status).toBe(201);
    return ((await response.json()) as { credential: string }).credential;
  }

  it('installs a signed image inside the window and ends in a succeeded deployment with every feedback stored', async () => {
    // A site with the hawkBit device and a spare that keeps the shop trading (the continuity rule).
    const model = await api('POST', '/api/v1/terminal-models', { code: 'LINUX-POS', vendor: 'PosFleet', model: 'Linux POS', components: { cardReader: { chip: true, swipe: false, contactless: true }, printer: true, battery: false, networks: ['ethernet'] } });
    const merchant = await api('POST', '/api/v1/merchants', { name: 'Lime Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const site = await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'LIME-01', name: 'People\'s Square' });
    const device = await api('POST', '/api/v1/terminals', { serialNumber: 'LNX-0001', modelId: model.id, siteId: site.id, tags: ['hawkbit'] });
    const spare = await api('POST', '/api/v1/terminals', { serialNumber: 'LNX-SPARE', modelId: model.id, siteId: site.id, tags: ['backup'] });
    const token = await enrol(device.serialNumber);
    const spareCredential = await enrol(spare.serialNumber);
    const beat = await fetch(`${server.url}/device/v1/heartbeat`, {
      method: 'POST', headers: { authorization: `Bearer ${spareCredential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...heartbeatContent(), seq: 1, sentAt: new Date().toISOString() }),
    });
    expect(beat.status).toBe(200);
    await api('POST', '/api/v1/maintenance/windows', {
      name: 'all day', target: { siteId: site.id }, schedule: { kind: 'once', start: new Date(Date.now() - 5 * 60_000).toISOString(), durationMinutes: 240 },
    });

    // The publisher's package: the .swu image, signed for PosFleet with an Ed25519 key.
    const image = await makeSignedSwuImage(join(work, 'image'), { version: '2.0.0', board: 'posfleet-t1', revision: 'r2' });
    const keys = generateKeyPairSync('ed25519');
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = await api('POST', '/api/v1/publisher-keys', { name: 'OS team', publicKey });
    const facts = { kind: 'firmware', name: 'posfleet-os', version: '2.0.0', size: image.size, sha256: image.sha256 };
    const pkg = await api('POST', '/api/v1/packages', {
      ...facts, fileName: 'image.swu', signature: signPackage(facts, keys.privateKey), keyId: key.id, compatibleModels: [model.id], securityPatch: true,
    });
    const uploaded = await fetch(`${server.url}/api/v1/packages/${pkg.id}/content`, {
      method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: readFileSync(image.imagePath),
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(200);
    expect(await uploaded.json()).toMatchObject({ ready: true, sha1: image.sha1 });

    const campaign = await api('POST', '/api/v1/campaigns', { name: 'OS 2.0.0', packageId: pkg.id, filter: { siteId: site.id, tag: 'hawkbit' }, waves: [100], observeMinutes: 0 });
    const [action] = (await api('GET', `/api/v1/campaigns/${campaign.id}/actions`)).items;
    expect(action).toMatchObject({ terminalId: device.id, state: 'scheduled' });
    // Another controller's name with this token, or a bad token: refused alike, naming nobody.
    const root = `${server.url}/default/controller/v1`;
    const foreign = await fetch(`${root}/LNX-SPARE`, { headers: { authorization: `TargetToken ${token}` } });
    expect(foreign.status).toBe(401);
    expect(await foreign.text()).not.toContain('LNX-0001');
    expect((await fetch(`${root}/LNX-0001`, { headers: { authorization: 'TargetToken nope' } })).status).toBe(401);

    // The tenant as swupdate's documentation and Debian's example configuration spell it.
    const common = { serverUrl: server.url, tenant: 'default', controllerId: device.serialNumber, token, certPath: image.certPath, hardware: image.hardware };
    const feedback = async () => (await api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`)).feedback as Feedback[];

    // Run 1: its polls show the device online, so the maintenance tick starts its job (the spare keeps the
    // shop trading); only then is the deployment offered. It downloads, installs, ends with "All Chunks
    // Installed." and waits for a reboot.
    const run1 = startSuricatta({ ...common, workDir: join(work, 'run1') });
    try {
      await poll(async () => ((await api('GET', `/api/v1/maintenance/jobs/${action.maintenanceJobId}`)).startedAt ? true : undefined), 30_000, 'the job to start');
      await poll(async () => ((await feedback()).some((f) => f.body.status.details?.includes(SWUPDATE_FEEDBACK.allChunksInstalled)) ? true : undefined), 30_000, 'run 1 to install');
      await run1.waitForOutput(SWUPDATE_LOG.installSucceeded, 30_000);
    } finally {
      await run1.stop();
    }
    expect(readFileSync(image.installedFile, 'utf8')).toBe(image.payload);
    expect((await api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`)).state).toBe('installing');
    expect((await api('GET', `/api/v1/maintenance/jobs/${action.maintenanceJobId}`)).state).toBe('in_maintenance');

    // Run 2, as after the reboot: SWUpdate confirms success.
    const run2 = startSuricatta({ ...common, workDir: join(work, 'run2'), confirm: 2 });
    try {
      await poll(async () => ((await api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`)).state === 'succeeded' ? true : undefined), 30_000, 'the deployment to succeed');
      await run2.waitForOutput(SWUPDATE_LOG.mainLoop, 30_000);
    } finally {
      await run2.stop();
    }

    const stored = await feedback();
    expect(stored.every((f) => f.source === 'ddi')).toBe(true);
    const details = stored.flatMap((f) => f.body.status.details ?? []);
    for (const line of [SWUPDATE_FEEDBACK.installStarted, SWUPDATE_FEEDBACK.chunkInstalled, SWUPDATE_FEEDBACK.allChunksInstalled, SWUPDATE_FEEDBACK.confirmedSuccess]) {
      expect(details, line).toContain(line);
    }
    expect(stored.at(-1)!.body.status).toMatchObject({ execution: 'closed', result: { finished: 'success' } });
    const job = await api('GET', `/api/v1/maintenance/jobs/${action.maintenanceJobId}`);
    expect(job.state).toBe('completed');
    await poll(async () => ((await api('GET', `/api/v1/campaigns/${campaign.id}`)).state === 'completed' ? true : undefined), 30_000, 'the campaign to complete');

    // The device runs the new version: on its record, in its history (with the campaign), in the fleet's figures.
    expect(await api('GET', `/api/v1/terminals/${device.id}`)).toMatchObject({ firmwareVersion: '2.0.0' });
    expect((await api('GET', `/api/v1/terminals/${device.id}/versions`)).items).toEqual([expect.objectContaining({ kind: 'firmware', toVersion: '2.0.0', campaignId: campaign.id })]);
    const fleet = await api('GET', '/api/v1/fleet/versions');
    expect(fleet.versions).toContainEqual({ modelId: model.id, kind: 'firmware', version: '2.0.0', terminals: 1 });
    expect(fleet.securityPatch).toContainEqual(expect.objectContaining({ modelId: model.id, latestVersion: '2.0.0', onLatest: 1 }));

    // Nothing more is offered to the device.
    const answer = await (await fetch(`${root}/LNX-0001`, { headers: { authorization: `TargetToken ${token}` } })).json() as { _links: Record<string, unknown> };
    expect(answer._links.deploymentBase).toBeUndefined();
  }, 120_000);

  it('updates a device alone at its site under the campaign\'s recorded policy for single-terminal sites', async () => {
    const model = await api('POST', '/api/v1/terminal-models', { code: 'LINUX-KIOSK', vendor: 'PosFleet', model: 'Linux kiosk', components: { cardReader: { chip: true, swipe: false, contactless: true }, printer: false, battery: false, networks: ['ethernet'] } });
    const merchant = await api('POST', '/api/v1/merchants', { name: 'Kiosk Co', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const site = await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'KIOSK-01', name: 'Metro kiosk' });
    const device = await api('POST', '/api/v1/terminals', { serialNumber: 'KSK-0001', modelId: model.id, siteId: site.id, firmwareVersion: '1.0.0' });
    const token = await enrol(device.serialNumber);
    await api('POST', '/api/v1/maintenance/windows', {
      name: 'all day', target: { siteId: site.id }, schedule: { kind: 'once', start: new Date(Date.now() - 5 * 60_000).toISOString(), durationMinutes: 240 },
    });
    const image = await makeSignedSwuImage(join(work, 'kiosk-image'), { version: '1.1.0', board: 'posfleet-k1', revision: 'r1' });
    const keys = generateKeyPairSync('ed25519');
    const key = await api('POST', '/api/v1/publisher-keys', { name: 'Kiosk OS team', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const facts = { kind: 'firmware', name: 'kiosk-os', version: '1.1.0', size: image.size, sha256: image.sha256 };
    const pkg = await api('POST', '/api/v1/packages', { ...facts, fileName: 'kiosk.swu', signature: signPackage(facts, keys.privateKey), keyId: key.id, compatibleModels: [model.id] });
    const uploaded = await fetch(`${server.url}/api/v1/packages/${pkg.id}/content`, {
      method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: readFileSync(image.imagePath),
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(200);

    const reason = 'the kiosk is unattended at night; the operator accepts it cannot take payments while it updates';
    const campaign = await api('POST', '/api/v1/campaigns', {
      name: 'Kiosk OS 1.1.0', packageId: pkg.id, filter: { siteId: site.id }, waves: [100], observeMinutes: 0, singleTerminalSites: 'allow', singleTerminalSitesReason: reason,
    });
    expect(campaign.settings).toMatchObject({ singleTerminalSites: 'allow', singleTerminalSitesReason: reason });
    const [action] = (await api('GET', `/api/v1/campaigns/${campaign.id}/actions`)).items;

    const common = { serverUrl: server.url, tenant: 'default', controllerId: device.serialNumber, token, certPath: image.certPath, hardware: image.hardware };
    const run1 = startSuricatta({ ...common, workDir: join(work, 'kiosk-run1') });
    try {
      await poll(async () => ((await api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`)).state === 'installing' ? true : undefined), 30_000, 'the kiosk to install');
      await run1.waitForOutput(SWUPDATE_LOG.installSucceeded, 30_000);
    } finally {
      await run1.stop();
    }
    const job = await api('GET', `/api/v1/maintenance/jobs/${action.maintenanceJobId}`);
    expect(job.transitions.map((t: { note: string | null }) => t.note)).toContainEqual(expect.stringContaining(reason));
    const run2 = startSuricatta({ ...common, workDir: join(work, 'kiosk-run2'), confirm: 2 });
    try {
      await poll(async () => ((await api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`)).state === 'succeeded' ? true : undefined), 30_000, 'the kiosk update to succeed');
    } finally {
      await run2.stop();
    }
    expect(readFileSync(image.installedFile, 'utf8')).toBe(image.payload);
    expect(await api('GET', `/api/v1/terminals/${device.id}`)).toMatchObject({ firmwareVersion: '1.1.0' });
    expect((await api('GET', `/api/v1/terminals/${device.id}/versions`)).items).toEqual([expect.objectContaining({ fromVersion: '1.0.0', toVersion: '1.1.0', campaignId: campaign.id })]);
  }, 120_000);
});
