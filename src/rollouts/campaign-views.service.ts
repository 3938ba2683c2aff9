// Reading campaigns: a campaign with its waves (and why its current wave waits), the list, its actions
// one by one, the live progress the dashboard's stream carries, and where a campaign another capability
// started stands. Nothing here changes a campaign.
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import { notFound, orNotFound } from '../shared/errors.ts';
import { groupBy } from '../shared/group-by.ts';
import { WAITING, type JobState, type WaitingCode } from '../shared/job-states.ts';
import { parseJson } from '../shared/json.ts';
import { encodeCursor, timeIdKey, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { reasonView } from './action-reasons.ts';
import { OFFERED, type ActionState } from './action-states.ts';
import { tallyOf, type CampaignSettings } from './campaigns.ts';
import type { ActionRow, RolloutsRepository } from './rollouts.repository.ts';
import {
  IN_PROGRESS, type ActionListQuery, type ActionView, type CampaignListQuery, type CampaignProgress, type CampaignState, type CampaignView, type WaveState,
} from './rollouts.schemas.ts';
import { waveWaiting } from './wave-waiting.ts';

export class CampaignViews {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly estate: EstateLookups,
    private readonly maintenance: Pick<MaintenanceService, 'job'>,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    const [pkg, waves, tally] = await Promise.all([this.repo.package(campaign.package_id), this.repo.waves(id), this.repo.tally(id)]);
    const settings = parseJson<CampaignSettings>(campaign.settings, {} as CampaignSettings);
    const byWave = groupBy(tally, (t) => t.wave);
    const halt = parseJson<{ wave: number; kind: 'installs' | 'payments'; reason: string } | null>(campaign.halt, null);
    const current = waves.find((w) => w.wave === campaign.current_wave);
    // Only the current wave of a campaign in progress can be waiting.
    const waiting = current && IN_PROGRESS.includes(campaign.state as CampaignState) ? waveWaiting({
      campaignState: campaign.state as CampaignState, halt, wave: current.wave + 1, waveState: current.state as WaveState, installedAt: current.installed_at,
      observeMinutes: settings.observeMinutes,
      waitingJobs: (await this.repo.waitingJobsOf(id, current.wave, OFFERED)).map((j) => ({ ...j, timeZone: j.siteZone ?? j.merchantZone })),
      queuedReasons: await this.repo.queuedReasonsOf(id, current.wave),
    }, this.clock()) : null;
    return {
      id: campaign.id, name: campaign.name, rollbackOf: campaign.rollback_of, filter: parseJson(campaign.filter, {}),
      package: { id: pkg!.id, kind: pkg!.kind, name: pkg!.name, version: pkg!.version },
      settings: {
        waves: settings.waves, maxFailureRate: settings.maxFailureRate, observeMinutes: settings.observeMinutes, allowDowngrade: settings.allowDowngrade, seed: settings.seed,
        singleTerminalSites: settings.singleTerminalSites?.policy ?? 'hold', singleTerminalSitesReason: settings.singleTerminalSites?.reason ?? null,
      },
      state: campaign.state as CampaignState, currentWave: campaign.current_wave + 1, halt: parseJson(campaign.halt, null), excluded: settings.excluded ?? {},
      ...(campaign.rollback_of && { leftOut: settings.leftOut ?? [] }),
      waves: waves.map((w) => {
        const actions = tallyOf(byWave.get(w.wave) ?? []);
        return {
          wave: w.wave + 1, percent: w.percent, state: w.state as WaveState, terminals: Object.values(actions).reduce((a, b) => a + b, 0), actions,
          startedAt: w.started_at, installedAt: w.installed_at, endedAt: w.ended_at, verdict: parseJson(w.verdict, null),
          waiting: w.wave === current?.wave ? waiting : null,
        };
      }),
      createdBy: campaign.created_by, createdAt: campaign.created_at, updatedAt: campaign.updated_at, endedAt: campaign.ended_at,
    };
  }

  /** Campaigns in progress (running, paused or halted) with each wave's installs by state: what the dashboard's live stream carries. */
  async progress(): Promise<CampaignProgress[]> {
    const campaigns = await this.repo.campaignsIn(IN_PROGRESS, 50);
    return Promise.all(campaigns.map(async (c) => {
      const byWave = groupBy(await this.repo.tally(c.id), (t) => t.wave);
      const settings = parseJson<CampaignSettings>(c.settings, {} as CampaignSettings);
      return {
        id: c.id, name: c.name, state: c.state as CampaignState, currentWave: c.current_wave + 1, waves: settings.waves.length, createdAt: c.created_at, updatedAt: c.updated_at,
        actions: settings.waves.map((_, wave) => tallyOf(byWave.get(wave) ?? [])),
      };
    }));
  }

  async list(query: CampaignListQuery) {
    const limit = query.limit ?? 100;
    const page = toPage(await this.repo.listCampaigns({ ...query, limit }), limit, (c) => timeIdKey(c.created_at, c.id));
    return {
      items: page.items.map((c) => ({
        id: c.id, name: c.name, packageId: c.package_id, state: c.state as CampaignState, currentWave: c.current_wave + 1,
        waves: parseJson<CampaignSettings>(c.settings, {} as CampaignSettings).waves.length, rollbackOf: c.rollback_of, createdAt: c.created_at, updatedAt: c.updated_at,
      })),
      nextCursor: page.nextCursor,
    };
  }

  async actions(id: string, query: ActionListQuery) {
    if (!(await this.repo.campaign(id))) throw notFound('campaign', id);
    const limit = query.limit ?? 100;
    const rows = await this.repo.listActions(id, { ...query, wave: query.wave === undefined ? undefined : query.wave - 1, limit });
    const page = toPage(rows, limit, (a) => String(a.id));
    return { items: page.items.map((a) => actionView(a, a.serial_number, a.job_state, { reason: a.waiting_reason, code: a.waiting_code })), nextCursor: page.nextCursor && encodeCursor(String(page.items.at(-1)!.id)) };
  }

  async action(id: string, actionId: number): Promise<ActionView> {
    const action = await this.repo.action(actionId);
    if (!action || action.campaign_id !== id) throw notFound('action', String(actionId));
    const terminal = await this.estate.findTerminal(action.terminal_id);
    const feedback = await this.repo.feedbackOf(actionId);
    const job = action.maintenance_job_id ? await this.maintenance.job(action.maintenance_job_id) : undefined;
    return {
      ...actionView(action, terminal?.serialNumber ?? '', job?.state ?? null, { reason: job?.waiting_reason ?? null, code: job?.waiting_code ?? null }),
      feedback: feedback.map((f) => ({ source: f.source, status: f.status, body: parseJson(f.body, null), effect: f.effect, receivedAt: f.received_at })),
    };
  }

  /** Where a campaign stands, with its rollback's, and its terminals whose action ended without the change. */
  async outcome(id: string): Promise<{ state: CampaignState; rollback: { id: string; state: CampaignState } | null; notDelivered: string[] } | undefined> {
    const campaign = await this.repo.campaign(id);
    if (!campaign) return undefined;
    const rollback = await this.repo.rollbackOf(id);
    const ended = await this.repo.actionsOf(id, { states: ['failed', 'skipped', 'cancelled'] });
    return {
      state: campaign.state as CampaignState, rollback: rollback ? { id: rollback.id, state: rollback.state as CampaignState } : null,
      notDelivered: ended.map((a) => a.terminal_id),
    };
  }
}

function actionView(a: ActionRow, serialNumber: string, jobState: string | null, job: { reason: string | null; code: WaitingCode | null }): ActionView {
  // Only an offered action's job that has not started yet is waiting.
  const waits = OFFERED.includes(a.state as ActionState) && !!jobState && WAITING.includes(jobState as JobState);
  return {
    id: Number(a.id), campaignId: a.campaign_id, terminalId: a.terminal_id, serialNumber, wave: a.wave + 1, packageId: a.package_id, previousVersion: a.previous_version,
    state: a.state as ActionState, maintenanceJobId: a.maintenance_job_id, reason: a.reason, ...reasonView(a), skipReason: a.state === 'skipped' ? a.skip_reason : null,
    waiting: waits ? job.reason : null, waitingCode: waits ? job.code : null, updatedAt: a.updated_at, finishedAt: a.finished_at,
  };
}
