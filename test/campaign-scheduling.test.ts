// How a campaign turns its queued actions into maintenance jobs, on both databases and an injected clock:
// each job is created together with its action's move to scheduled, so an operator who pauses or cancels
// the campaign meanwhile never leaves a job that no action points to, nor an install scheduled inside a
// paused campaign; and what its recorded policy for single-terminal sites lets the continuity rule do
// with a terminal alone at its site, with the reason shown wherever it waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN } from '../src/shared/job-states.ts';
import type { WindowPlanner } from '../src/maintenance/window-planner.service.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { ok } from './support/http.ts';
import { beat, publishPackage, rolloutEstate, unique } from './support/rollout-fixture.ts';

describe.each(databases())('campaign scheduling on $name', (kind) => {
  let t: TestApp;
  // 00:00 in Shanghai: the nightly windows open in an hour, so planned jobs wait for it.
  let now = new Date('2026-06-15T16:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000' }, () => now);
  });
  afterAll(() => t.close());

  /** While planning, right after the windows planned its jobs, the operator acts on the campaign. */
  async function withOperatorDuringPlanning(act: (campaignId: string) => Promise<unknown>, run: () => Promise<void>) {
    const windows: WindowPlanner = t.services.windowPlanner;
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

  describe('a terminal alone at its site', () => {
    interface ActionItem { id: number; serialNumber: string; state: string; maintenanceJobId: string | null; waiting: string | null; waitingCode: string | null }
    interface Job { state: string; waitingReason: string | null; waitingCode: string | null; transitions: { note: string | null }[] }
    const DAILY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '09:00', close: '21:00' }]]));
    const ALWAYS_OPEN = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '00:00', close: '24:00' }]]));

    /** A site with one online terminal, a campaign for it started while its window is open; its job is due. */
    async function loneSiteCampaign(policy: Record<string, unknown>, openingHours?: Record<string, { open: string; close: string }[]>) {
      // 01:00 in Shanghai, a night later: the window is open.
      now = new Date(Math.max(now.getTime() + 24 * 3600_000, Date.parse('2026-06-16T17:00:00.000Z')));
      now.setUTCHours(17, 0, 0, 0);
      const { model, sites, terminals } = await rolloutEstate(t, [1], openingHours ? { openingHours } : {});
      await beat(t, terminals[0]!);
      const pkg = await publishPackage(t, { kind: 'application', name: unique('app-'), version: '4.0.0', models: [model.id] });
      const campaign = await ok<{ id: string; settings: Record<string, unknown> }>(t.api('POST', '/api/v1/campaigns', {
        name: unique('Lone '), packageId: pkg.id, filter: { siteId: sites[0]!.id }, waves: [100], observeMinutes: 0, ...policy,
      }), 201);
      await t.services.jobLifecycle.startDueJobs();
      const [action] = (await ok<{ items: ActionItem[] }>(t.api('GET', `/api/v1/campaigns/${campaign.id}/actions`))).items;
      const job = await ok<Job>(t.api('GET', `/api/v1/maintenance/jobs/${action!.maintenanceJobId}`));
      return { campaign, action: action!, job, terminal: terminals[0]! };
    }

    it('is counted by the preview as staying in service under \'hold\', and not under \'allow\'', async () => {
      // A site with one terminal and a site with three: only the first is its site's last working terminal.
      const { model, merchant } = await rolloutEstate(t, [1, 3]);
      const pkg = await publishPackage(t, { kind: 'application', name: unique('app-'), version: '4.0.0', models: [model.id] });
      const preview = (policy: Record<string, unknown>) => ok<{ terminals: number; stopTrading: { heldByContinuity: number; singleTerminalSites: string } }>(
        t.api('POST', '/api/v1/campaigns/preview', { name: unique('Preview '), packageId: pkg.id, filter: { merchantId: merchant.id }, ...policy }));
      const held = await preview({});
      expect(held.terminals).toBe(4);
      expect(held.stopTrading).toMatchObject({ singleTerminalSites: 'hold', heldByContinuity: 1 });
      const allowed = await preview({ singleTerminalSites: 'allow', singleTerminalSitesReason: 'closed at night anyway' });
      expect(allowed.stopTrading).toMatchObject({ singleTerminalSites: 'allow', heldByContinuity: 0 });
    });

    it('is held by default, and the campaign and the terminal say why, naming its serial number', async () => {
      const { campaign, action, job, terminal } = await loneSiteCampaign({});
      expect(campaign.settings).toMatchObject({ singleTerminalSites: 'hold', singleTerminalSitesReason: null });
      expect(job.state).toBe('scheduled');
      expect(action.waiting).toBe(job.waitingReason);
      expect(action.waitingCode).toBe('last_in_service');
      expect(job.waitingCode).toBe('last_in_service');
      expect(action.waiting).toContain(`taking terminal ${terminal.serialNumber} down would leave 0 terminal(s) in service`);
      expect(action.waiting).toContain('holds single-terminal sites (singleTerminalSites: hold)');
      expect(action.waiting).not.toContain(terminal.id);
      const one = await ok<ActionItem>(t.api('GET', `/api/v1/campaigns/${campaign.id}/actions/${action.id}`));
      expect(one.waiting).toBe(action.waiting);
      await ok(t.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`, {}));
    });

    it('is updated under \'allow\', whose reason is required, recorded with the campaign, the audit trail and the job', async () => {
      const refused = await t.api('POST', '/api/v1/campaigns', { name: unique('Lone '), packageId: 'x', filter: {}, singleTerminalSites: 'allow' });
      expect(refused.statusCode).toBe(400);
      const { model } = await rolloutEstate(t, [1]);
      const pkg = await publishPackage(t, { kind: 'application', name: unique('app-'), version: '4.0.0', models: [model.id] });
      const missing = await t.api('POST', '/api/v1/campaigns', { name: unique('Lone '), packageId: pkg.id, filter: { modelId: model.id }, singleTerminalSites: 'allow' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ error: { code: 'validation_error', field: 'singleTerminalSitesReason' } });

      const reason = 'kiosks: the merchant agreed to a 10-minute pause at night';
      const { campaign, action, job } = await loneSiteCampaign({ singleTerminalSites: 'allow', singleTerminalSitesReason: reason });
      expect(campaign.settings).toMatchObject({ singleTerminalSites: 'allow', singleTerminalSitesReason: reason });
      expect(job.state).toBe('draining');
      expect(action.waiting).toBeNull();
      expect(job.transitions.map((x) => x.note)).toContainEqual(expect.stringContaining(reason));
      const audit = await t.services.db.kysely.selectFrom('audit_log').select('details').where('action', '=', 'POST /api/v1/campaigns').where('object_id', '=', campaign.id).executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details)).toEqual({ status: 201, singleTerminalSites: 'allow', singleTerminalSitesReason: reason });
      await ok(t.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`, {}));
    });

    it('is updated under \'when_closed\' while its site is closed by its opening hours, and waits, saying so, while it is open', async () => {
      const closed = await loneSiteCampaign({ singleTerminalSites: 'when_closed' }, DAILY);
      expect(closed.campaign.settings).toMatchObject({ singleTerminalSites: 'when_closed' });
      expect(closed.job.state).toBe('draining');
      expect(closed.job.transitions.map((x) => x.note)).toContainEqual(expect.stringContaining('closed by its opening hours'));
      await ok(t.api('POST', `/api/v1/campaigns/${closed.campaign.id}/cancel`, {}));

      const open = await loneSiteCampaign({ singleTerminalSites: 'when_closed' }, ALWAYS_OPEN);
      expect(open.job.state).toBe('scheduled');
      expect(open.action.waiting).toContain(`taking terminal ${open.terminal.serialNumber} down`);
      expect(open.action.waiting).toContain('only while they are closed (singleTerminalSites: when_closed), and the site is open at');
      await ok(t.api('POST', `/api/v1/campaigns/${open.campaign.id}/cancel`, {}));
    });
  });
});
