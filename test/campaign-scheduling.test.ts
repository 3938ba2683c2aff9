// How a campaign turns its queued actions into maintenance jobs, on both databases and an injected clock:
// each job is created together with its action's move to scheduled, so an operator who pauses or cancels
// the campaign meanwhile never leaves a job that no action points to, nor an install scheduled inside a
// paused campaign.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN } from '../src/maintenance/job-states.ts';
import type { WindowsService } from '../src/maintenance/windows.service.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { beat, ok, publishPackage, rolloutEstate, unique } from './support/rollout-fixture.ts';

describe.each(databases())('campaign scheduling on $name', (kind) => {
  let t: TestApp;
  // 00:00 in Shanghai: the nightly windows open in an hour, so planned jobs wait for it.
  const now = new Date('2026-06-15T16:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000' }, () => now);
  });
  afterAll(() => t.close());

  /** While planning, right after the windows planned its jobs, the operator acts on the campaign. */
  async function withOperatorDuringPlanning(act: (campaignId: string) => Promise<unknown>, run: () => Promise<void>) {
    const windows: WindowsService = t.services.windows;
    const plan = windows.plan.bind(windows);
    let acted = false;
    windows.plan = async (input, ...rest) => {
      const result = await plan(input, ...rest);
      const name = /campaign "([^"]+)"/.exec(input.reason)?.[1];
      if (!acted && name) {
        acted = true;
        const { id } = await t.services.db.kysely.selectFrom('campaigns').select('id').where('name', '=', name).executeTakeFirstOrThrow();
        await act(id);
      }
      return result;
    };
    try {
      await run();
    } finally {
      windows.plan = plan;
    }
    expect(acted).toBe(true);
  }

  async function startCampaign() {
    const { model, sites, terminals } = await rolloutEstate(t, [3, 3]);
    for (const term of terminals) await beat(t, term);
    const pkg = await publishPackage(t, { kind: 'application', name: unique('app-'), version: '4.0.0', models: [model.id] });
    const body = { name: unique('Campaign '), packageId: pkg.id, waves: [100], observeMinutes: 0 };
    return { sites, terminals, pkg, body };
  }

  const openJobsOf = (terminalIds: string[]) => t.services.db.kysely.selectFrom('maintenance_jobs').select(['id', 'terminal_id', 'state'])
    .where('terminal_id', 'in', terminalIds).where('state', 'in', OPEN).execute();

  it('leaves no maintenance job behind when the campaign is cancelled while its installs are planned', async () => {
    const { sites, terminals, body } = await startCampaign();
    let campaignId = '';
    await withOperatorDuringPlanning((id) => t.services.campaigns.cancel(id, 'wrong build', 'operator'), async () => {
      campaignId = (await ok<{ id: string }>(t.api('POST', '/api/v1/campaigns', { ...body, filter: { siteId: sites[0]!.id } }), 201)).id;
    });
    const actions = (await ok<{ items: { state: string; maintenanceJobId: string | null }[] }>(t.api('GET', `/api/v1/campaigns/${campaignId}/actions`))).items;
    expect(actions.map((a) => a.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(await openJobsOf(terminals.map((x) => x.id))).toEqual([]);
  });

  it('schedules no install inside a campaign paused while its installs are planned, and plans them on resume', async () => {
    const { sites, terminals, body } = await startCampaign();
    let campaignId = '';
    await withOperatorDuringPlanning((id) => t.services.campaigns.pause(id, 'shop asked to wait', 'operator'), async () => {
      campaignId = (await ok<{ id: string }>(t.api('POST', '/api/v1/campaigns', { ...body, filter: { siteId: sites[1]!.id } }), 201)).id;
    });
    const siteTerminals = terminals.filter((x) => x.siteId === sites[1]!.id).map((x) => x.id);
    expect((await ok<{ state: string }>(t.api('GET', `/api/v1/campaigns/${campaignId}`))).state).toBe('paused');
    const actions = async () => (await ok<{ items: { state: string; maintenanceJobId: string | null }[] }>(t.api('GET', `/api/v1/campaigns/${campaignId}/actions`))).items;
    expect((await actions()).map((a) => [a.state, a.maintenanceJobId])).toEqual([['queued', null], ['queued', null], ['queued', null]]);
    expect(await openJobsOf(siteTerminals)).toEqual([]);

    await ok(t.api('POST', `/api/v1/campaigns/${campaignId}/resume`, {}));
    const resumed = await actions();
    expect(resumed.every((a) => a.state === 'scheduled' && a.maintenanceJobId)).toBe(true);
    const jobs = await openJobsOf(siteTerminals);
    expect(jobs.map((j) => j.id).sort()).toEqual(resumed.map((a) => a.maintenanceJobId).sort());
    await ok(t.api('POST', `/api/v1/campaigns/${campaignId}/cancel`, {}));
  });
});
