// Baselines through the API, on every database of the matrix: the group a filter names is judged
// terminal by terminal (in baseline / drifting / waiting / failed) and counted; a terminal that joins
// the group later (a new one, one swapped in) is judged too, as a baseline never finishes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { databases } from './support/databases.ts';
import { beat, publishPackage, rolloutEstate, unique } from './support/rollout-fixture.ts';
import { ok } from './support/http.ts';

describe.each(databases())('baselines on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh());
  });
  afterAll(() => t?.close());

  async function reporting(estate: Awaited<ReturnType<typeof buildEstate>>, appVersion: string, tags: string[] = []) {
    const terminal = await buildTerminal(t, estate, { tags });
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { appVersion }));
    expect(res.statusCode, res.body).toBe(200);
    return terminal;
  }

  it("counts a group's compliance, and judges a terminal that joins the group later", async () => {
    const estate = await buildEstate(t);
    const current = await reporting(estate, '3.3.0', ['front']);
    const old = await reporting(estate, '3.2.0', ['front']);
    await reporting(estate, '3.1.0', ['back']); // not in the group (other tag)

    const created = await t.api('POST', '/api/v1/baselines', { name: 'Front counters', filter: { siteId: estate.site.id, tag: 'front' }, appVersion: '3.3.0' });
    expect(created.statusCode, created.body).toBe(201);
    const baseline = created.json<{ id: string; counts: Record<string, number> }>();
    expect(baseline.counts).toEqual({ in_baseline: 1, waiting: 0, drifting: 1, failed: 0, total: 2 });

    const detail = (await t.api('GET', `/api/v1/baselines/${baseline.id}`)).json<{ terminals: { terminalId: string; state: string; why: string }[] }>();
    expect(detail.terminals).toEqual(expect.arrayContaining([
      expect.objectContaining({ terminalId: current.id, state: 'in_baseline' }),
      expect.objectContaining({ terminalId: old.id, state: 'drifting', why: 'has application 3.2.0 (baseline 3.3.0)' }),
    ]));

    // A new terminal joins the group: the baseline judges it as well.
    await reporting(estate, '3.0.0', ['front']);
    const listed = (await t.api('GET', '/api/v1/baselines')).json<{ items: { id: string; counts: Record<string, number> }[] }>().items;
    expect(listed.find((b) => b.id === baseline.id)?.counts).toEqual({ in_baseline: 1, waiting: 0, drifting: 2, failed: 0, total: 3 });
  });

  it("is edited (versions, configuration version of the group's configuration) and judges a terminal by the configuration it applied", async () => {
    const estate = await buildEstate(t);
    const schema = await t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    expect([201, 409]).toContain(schema.statusCode);
    const terminal = await buildTerminal(t, estate, { tags: ['till'] });
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    let seq = 1;
    const beat = async (configuration?: Record<string, unknown>) =>
      (await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { appVersion: '3.3.0', ...(configuration && { configuration }) }))).json<{ configuration: { hash: string } | null }>();
    await beat();
    const filter = { siteId: estate.site.id, tag: 'till' };
    const created = (await t.api('POST', '/api/v1/baselines', { name: `Tills ${estate.site.id}`, filter, appVersion: '3.3.0' })).json<{ id: string }>();

    // A configuration version needs the saved configuration group with the same filter, and that version.
    const refused = await t.api('PATCH', `/api/v1/baselines/${created.id}`, { configurationVersion: 1 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('configurationVersion');
    const group = (await t.api('POST', '/api/v1/configuration/groups', { name: `tills ${estate.site.id}`, filter })).json<{ id: string }>();
    const set = await t.api('PATCH', `/api/v1/configuration/levels/group/${group.id}`, { values: { receiptFooter: '谢谢 Thanks' }, reason: 'tills', delivery: 'now' });
    expect(set.statusCode, set.body).toBe(200);
    expect((await t.api('PATCH', `/api/v1/baselines/${created.id}`, { configurationVersion: 2 })).json().error.field).toBe('configurationVersion');
    const edited = await t.api('PATCH', `/api/v1/baselines/${created.id}`, { name: `Tills v1 ${estate.site.id}`, configurationVersion: 1 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ name: `Tills v1 ${estate.site.id}`, appVersion: '3.3.0', configurationVersion: 1, counts: { drifting: 1, total: 1 } });
    const stateOf = async () => (await t.api('GET', `/api/v1/baselines/${created.id}`)).json<{ terminals: { state: string; why: string; configurationVersion: number | null }[] }>().terminals[0];
    expect(await stateOf()).toMatchObject({ state: 'drifting', why: 'has configuration another (baseline v1)', configurationVersion: null });

    // The terminal fetches and applies its configuration (the hash in its heartbeat answer): in baseline.
    await beat();
    const hash = (await beat()).configuration!.hash;
    await beat({ appliedHash: hash });
    expect(await stateOf()).toMatchObject({ state: 'in_baseline', configurationVersion: 1 });

    // Without its application version the baseline still names the configuration; deleted, it is gone.
    expect((await t.api('PATCH', `/api/v1/baselines/${created.id}`, { appVersion: null })).json()).toMatchObject({ appVersion: null, configurationVersion: 1 });
    expect((await t.api('DELETE', `/api/v1/baselines/${created.id}`)).statusCode).toBe(204);
    expect((await t.api('GET', `/api/v1/baselines/${created.id}`)).statusCode).toBe(404);
  });

  it('refuses a baseline naming no version, an unknown site or a taken name, naming the field', async () => {
    const estate = await buildEstate(t);
    const cases: [unknown, number, string][] = [
      [{ name: 'No version', filter: { siteId: estate.site.id } }, 400, 'appVersion'],
      [{ name: 'Nowhere', filter: { siteId: 'no-such-site' }, appVersion: '1.0.0' }, 400, 'filter.siteId'],
      [{ name: 'Front counters', filter: {}, appVersion: '1.0.0' }, 409, 'name'],
    ];
    await t.api('POST', '/api/v1/baselines', { name: 'Front counters', filter: {}, appVersion: '1.0.0' });
    for (const [body, status, field] of cases) {
      const res = await t.api('POST', '/api/v1/baselines', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.field).toBe(field);
    }
  });

  it("says a refusal in the account's language, with its key, as a final conflict", async () => {
    const name = unique('Counters');
    expect((await t.api('POST', '/api/v1/baselines', { name, filter: {}, appVersion: '1.0.0' })).statusCode).toBe(201);
    // The bootstrap admin's account is zh-CN: its language wins over the header.
    const again = await t.api('POST', '/api/v1/baselines', { name, filter: {}, appVersion: '1.0.0' }, { 'accept-language': 'en' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', field: 'name', key: 'terminal_data.baseline_name_taken', message: `名为“${name}”的基线已存在。`, retryable: false });
  });
});

// A baseline never finishes: a spare a work order swaps in keeps its old software until the baseline's
// job gives it the version, in its next window, through a campaign like any other.
describe.each(databases())('baselines kept on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-06-15T08:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {}, () => now);
  });
  afterAll(() => t?.close());

  it("gives a spare swapped in by a work order the baseline's version in its next window", async () => {
    const estate = await rolloutEstate(t, [3]);
    const [faulty, ...others] = estate.terminals;
    for (const term of estate.terminals) await beat(t, term, { appVersion: '3.3.0' });
    await publishPackage(t, { kind: 'application', name: 'pay-app', version: '3.3.0', models: [estate.model.id] });
    const baseline = await ok<{ id: string; counts: Record<string, number> }>(t.api('POST', '/api/v1/baselines', { name: unique('Shop '), filter: { siteId: estate.sites[0]!.id }, appVersion: '3.3.0' }), 201);
    expect(baseline.counts).toMatchObject({ in_baseline: 3, total: 3 });

    // A spare from the site's pool, still on 3.1.0, takes the faulty terminal's place.
    const spareRow = await t.services.estate.createTerminal({ serialNumber: unique('SPARE-'), modelId: estate.model.id });
    const spare = { ...(await enrolTerminal(t, spareRow.serialNumber)), id: spareRow.id, serialNumber: spareRow.serialNumber, siteId: estate.sites[0]!.id, seq: 1 };
    await beat(t, spare, { appVersion: '3.1.0' });
    const pool = await ok<{ id: string }>(t.api('POST', '/api/v1/backup-pools', { code: unique('POOL-'), name: 'Shop spares', siteId: estate.sites[0]!.id }), 201);
    await ok(t.api('POST', `/api/v1/backup-pools/${pool.id}/terminals`, { terminalId: spare.id }));
    const order = await ok<{ id: string }>(t.api('POST', '/api/v1/work-orders', { title: 'Reader dead', siteId: estate.sites[0]!.id, terminalIds: [faulty!.id], source: 'merchant_request' }), 201);
    await ok(t.api('POST', `/api/v1/work-orders/${order.id}/swap`, { faultyTerminalId: faulty!.id, spareTerminalId: spare.id }), 201);
    const stateOf = async (id: string) => (await ok<{ terminals: { terminalId: string; state: string; why: string }[] }>(t.api('GET', `/api/v1/baselines/${baseline.id}`))).terminals.find((x) => x.terminalId === id);
    expect(await stateOf(spare.id)).toMatchObject({ state: 'drifting', why: 'has application 3.1.0 (baseline 3.3.0)' });

    // The baseline's job plans the delivery: a campaign whose job for the spare is in its next window.
    expect(await t.services.terminalData.baselines.enforce()).toEqual({ campaigns: 1, terminals: 1 });
    expect(await t.services.terminalData.baselines.enforce()).toEqual({ campaigns: 0, terminals: 0 }); // nothing twice
    expect(await stateOf(spare.id)).toMatchObject({ state: 'waiting' });
    const hint = (await beat(t, spare, { appVersion: '3.1.0' })) as { deployment: { actionId: number } | null };
    const deployment = await ok<{ maintenanceJobId: string; package: { version: string } }>(t.app.inject({ method: 'GET', url: `/device/v1/deployments/${hint.deployment!.actionId}`, headers: { authorization: `Bearer ${spare.credential}` } }));
    expect(deployment.package.version).toBe('3.3.0');
    const job = await t.services.maintenance.job(deployment.maintenanceJobId);
    expect(job!.planned_start).toBe('2026-06-15T17:00:00.000Z'); // 01:00 in Shanghai, the site's nightly window

    // It downloads meanwhile; in the window it may install it; the other terminals were never touched.
    for (const status of ['downloading', 'downloaded']) await ok(t.device(`/device/v1/deployments/${hint.deployment!.actionId}/feedback`, spare.credential, { reportId: status, status }));
    now = new Date(job!.planned_start);
    for (const term of [...others, spare]) await beat(t, term, { appVersion: term === spare ? '3.1.0' : '3.3.0' });
    await t.services.jobLifecycle.startDueJobs();
    expect(await beat(t, spare, { appVersion: '3.1.0' })).toMatchObject({ deployment: { actionId: hint.deployment!.actionId, installAllowed: true } });
    for (const term of others) expect(await beat(t, term, { appVersion: '3.3.0' })).toMatchObject({ deployment: null });
  });
});
