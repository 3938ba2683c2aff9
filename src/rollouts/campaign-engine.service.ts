// The campaign engine: how any campaign moves, whatever it delivers. Each wave's actions become
// maintenance jobs planned inside the terminals' maintenance windows (so the continuity rule decides each
// start); the tick settles actions whose job ended, halts a wave whose installs fail too often or whose
// payments got worse than on comparable terminals, and starts the next wave. What a campaign delivers —
// the work its jobs do and how its terminals fared after it — comes from a CampaignDelivery; new campaigns
// (campaign-creation.ts), operators' actions (campaigns.service.ts) and terminals' feedback
// (deployments.service.ts) call in here to move on.
import { FLEET } from '../access/roles.ts';
import { batches } from '../db/batches.ts';
import { WAITING, type JobState, type WorkKind } from '../shared/job-states.ts';
import type { LastTerminalPolicies, LastTerminalPolicy, MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { WindowPlanner } from '../maintenance/window-planner.service.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import type { MessageKey } from '../shared/messages/format.ts';
import { english, said, type Said } from '../shared/messages/said.ts';
import type { Clock } from '../shared/time.ts';
import { saidColumns } from './action-reasons.ts';
import { installFailure, OFFERED, waveInstalled, type ActionState, type SkipReason } from './action-states.ts';
import { ROLLOUTS, tallyOf, workOf, type CampaignSettings } from './campaigns.ts';
import type { HealthVerdict, MetricComparison } from './payment-health.ts';
import type { ActionRow, CampaignRow, RolloutsRepository } from './rollouts.repository.ts';

/** The maintenance job that carries one wave's actions out: the work it does, and the reason its terminals are shown. */
export interface DeliveryJob {
  work: WorkKind;
  reason: string;
}

/**
 * What a campaign delivers, as the engine needs it. The engine owns the waves, the windows and the
 * halts; a delivery says what the maintenance job for the actions of one item (`packageId`) does, and
 * judges a wave whose installs are done (a verdict that is `worse` halts the campaign).
 */
export interface CampaignDelivery {
  job(campaign: CampaignRow, packageId: string, wave: number): Promise<DeliveryJob>;
  judge(campaign: CampaignRow, wave: number): Promise<HealthVerdict>;
}

/** The terminal said it installs (or did): a completed job then means the package is in place. */
const INSTALL_REPORTED: readonly string[] = ['installing', 'installed'];
/** An action whose job ended this way is settled by it. */
const JOB_OUTCOME: Partial<Record<JobState, ActionState>> = {
  completed: 'succeeded', failed: 'failed', rolled_back: 'failed', handed_to_technician: 'failed', aborted: 'skipped',
};
/** Why a plan found no place for a terminal that a later occurrence (or tick) may have. */
const NO_ROOM: readonly string[] = ['site_limit', 'fleet_limit', 'too_late', 'open_job'];
/** The planner's reasons that skip an install, as its skip code. */
const PLAN_SKIPS: Partial<Record<string, SkipReason>> = { no_window: 'no_window', longer_than_window: 'longer_than_window', offline: 'offline', locked: 'locked' };
/** Occurrences tried per planning (about two weeks of nightly windows). */
const PLAN_ROUNDS = 14;
/** Terminals a wave plans in one go (a wave of a large fleet, a thousand at a time). */
const PLAN_TERMINALS = 1000;

export class CampaignEngine {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly delivery: CampaignDelivery,
    private readonly maintenance: MaintenanceService,
    private readonly windows: WindowPlanner,
    private readonly clock: Clock,
    private readonly notifications: Pick<NotificationService, 'notify'>,
  ) {}

  private now = () => this.clock().toISOString();

  /** Moves every running campaign on; settles actions of paused and halted ones too. */
  async tick(): Promise<number> {
    let moved = 0;
    let failure: unknown;
    // Running campaigns move on; the others only need settling while some of their installs are under way
    // (so the tick does not grow with every campaign ever cancelled).
    const waiting = await this.repo.campaignsWithOpenActions(['paused', 'halted', 'cancelled'], OFFERED);
    for (const [state, campaigns] of [['running', await this.repo.campaignsInState('running')], ['other', waiting]] as const) {
      for (const campaign of campaigns) {
        // One campaign that cannot move on (say, planning hit a conflict) must not hold up the others.
        try {
          await this.settle(campaign.id);
          if (state === 'running') moved += (await this.advance(campaign.id)) ? 1 : 0;
        } catch (error) {
          failure ??= error;
        }
      }
    }
    if (failure !== undefined) throw failure;
    return moved;
  }

  /**
   * Offered actions whose maintenance job ended take its outcome; a job that vanished frees the action.
   * A job that completed although the terminal never reported installing (an operator finished it, or
   * the terminal skipped the install) updated nothing: the action failed, it did not succeed. A job that
   * failed before the terminal began installing (its link was down through its window, so its lease
   * ran out) says nothing about the package: the action is skipped, not counted as a failed install.
   */
  private async settle(campaignId: string): Promise<void> {
    const at = this.now();
    for (const action of await this.repo.offeredWithJobs(campaignId, OFFERED)) {
      let outcome = action.job_state ? JOB_OUTCOME[action.job_state] : action.maintenance_job_id ? 'skipped' : undefined;
      if (!outcome) continue;
      // The English keeps the job's id (for the log); the catalogue's sentence leaves it out (no id on a page).
      let reason = outcome === 'succeeded' ? null : `its maintenance job ${action.maintenance_job_id} ended ${action.job_state ?? 'missing'}`;
      let why: Said | null = outcome === 'succeeded' ? null : said('rollouts.action.job_ended', { state: action.job_state ?? 'missing' });
      let skip: SkipReason | null = outcome !== 'skipped' ? null : action.job_state ? 'job_aborted' : 'job_missing';
      if (outcome === 'succeeded' && !INSTALL_REPORTED.includes(action.state)) {
        outcome = 'failed';
        reason = `its maintenance job ${action.maintenance_job_id} completed, but the terminal never reported installing the package (it was ${action.state})`;
        why = said('rollouts.action.never_installing', { was: action.state });
      } else if (outcome === 'failed' && !INSTALL_REPORTED.includes(action.state)) {
        outcome = 'skipped';
        skip = 'job_ended_before_install';
        reason = `its maintenance job ${action.maintenance_job_id} ended ${action.job_state} before the terminal began installing (it was ${action.state}): not a failed install`;
        why = said('rollouts.action.ended_before_install', { state: action.job_state ?? 'missing', was: action.state });
      }
      await this.repo.moveAction(this.repo.db, action.id, action.state, { state: outcome, reason, ...saidColumns(why), skip_reason: skip, updated_at: at, finished_at: at });
    }
  }

  /** One step for a running campaign's current wave (after it was created or resumed, too). True when something changed. */
  async advance(campaignId: string): Promise<boolean> {
    const campaign = await this.repo.campaign(campaignId);
    if (!campaign || campaign.state !== 'running') return false;
    const settings = parseJson<CampaignSettings>(campaign.settings, {} as CampaignSettings);
    const wave = (await this.repo.waves(campaignId)).find((w) => w.wave === campaign.current_wave);
    if (!wave) return false;
    const at = this.now();
    let changed = false;

    if (wave.state === 'pending' || wave.state === 'installing') {
      if (wave.state === 'pending') await this.repo.moveWave(this.repo.db, campaignId, wave.wave, ['pending'], { state: 'installing', started_at: at });
      changed = (await this.planQueued(campaign, wave.wave)) || changed;
      const tally = tallyOf((await this.repo.tally(campaignId)).filter((t) => t.wave === wave.wave));
      const failure = installFailure(tally, settings.maxFailureRate);
      if (failure.failed) {
        // Counts as text: the English says "1200", not "1,200", as it always did.
        const reason = said('rollouts.halt.installs', {
          failed: String(tally.failed), attempted: String(failure.attempted), wave: String(wave.wave + 1), rate: pct(failure.rate), max: pct(settings.maxFailureRate),
        });
        await this.halt(campaign, wave.wave, 'installs', reason, { failureRate: failure.rate, actions: tally }, { failureRate: failure.rate, payments: null });
        return true;
      }
      if (!waveInstalled(tally)) return changed;
      await this.repo.moveWave(this.repo.db, campaignId, wave.wave, ['installing'], { state: 'observing', installed_at: at });
      return (await this.advance(campaignId)) || true;
    }

    if (wave.state === 'observing') {
      const installedAt = wave.installed_at ? Date.parse(wave.installed_at) : 0;
      if (this.clock().getTime() < installedAt + settings.observeMinutes * 60_000) return changed;
      const tally = tallyOf((await this.repo.tally(campaignId)).filter((t) => t.wave === wave.wave));
      const failureRate = installFailure(tally, settings.maxFailureRate).rate;
      const payments = await this.delivery.judge(campaign, wave.wave);
      if (payments.worse) {
        const reason = said('rollouts.halt.payments', { wave: String(wave.wave + 1), metrics: payments.metrics.filter((m) => m.worse).map(describeMetric) });
        await this.halt(campaign, wave.wave, 'payments', reason, payments, { failureRate, payments });
        return true;
      }
      await this.passWave(campaign, wave.wave, { failureRate, payments });
      return (await this.advance(campaignId)) || true;
    }
    return changed;
  }

  /** `verdict` null: the wave keeps the verdict it has (an operator accepted it). */
  async passWave(campaign: CampaignRow, wave: number, verdict: unknown): Promise<void> {
    const at = this.now();
    const waves = await this.repo.waves(campaign.id);
    const last = wave === waves.length - 1;
    await this.repo.transaction(async (trx) => {
      const recorded = verdict === null ? {} : { verdict: JSON.stringify(verdict) };
      if (!(await this.repo.moveWave(trx, campaign.id, wave, ['observing'], { state: 'passed', ended_at: at, ...recorded }))) return;
      await this.repo.updateCampaign(trx, campaign.id, last
        ? { state: 'completed', updated_at: at, ended_at: at }
        : { current_wave: wave + 1, updated_at: at });
    });
  }

  /** The halt keeps why in English (`reason`) and as the catalogue's sentence (`reasonKey`, `reasonParams`). */
  private async halt(campaign: CampaignRow, wave: number, kind: 'installs' | 'payments', why: Said, figures: unknown, verdict: unknown): Promise<void> {
    const at = this.now();
    const reason = english(why);
    const halt = { wave: wave + 1, kind, reason, reasonKey: why.key, reasonParams: why.params, at, figures };
    const halted = await this.repo.transaction(async (trx) => {
      if (!(await this.repo.moveCampaign(trx, campaign.id, 'running', { state: 'halted', halt: JSON.stringify(halt), updated_at: at }))) return false;
      await this.repo.moveWave(trx, campaign.id, wave, ['installing', 'observing'], { state: 'failed', verdict: JSON.stringify(verdict) });
      return true;
    });
    if (!halted) return;
    await this.withdrawWaiting(campaign.id, 'queued', said('rollouts.action.withdrawn_halted', { reason: [why] }));
    // The fleet's channels (and the merchant's, for a campaign to one merchant) hear of it once.
    const pkg = await this.repo.package(campaign.package_id);
    const { merchantId = null } = parseJson<{ merchantId?: string }>(campaign.filter, {});
    await this.notifications.notify({
      event: 'campaign.halted', merchantId, siteId: null, key: `campaign.halted:${campaign.id}:${at}`,
      data: {
        campaignId: campaign.id, name: campaign.name, package: pkg ? `${pkg.name} ${pkg.version}` : campaign.package_id, wave: halt.wave, kind,
        reason, reasonKey: why.key, reasonParams: why.params, haltedAt: at,
      },
    });
  }

  /**
   * Plans the wave's queued actions as maintenance jobs in their windows. Terminals no window can ever
   * take (none applies, or too short) are skipped with the reason. Terminals that only found no room
   * (their site does one job at a time, the fleet limit, the window closing) are planned into the
   * following occurrences, a night at a time; those still without a place, or with another open
   * maintenance job, stay queued with the reason and are tried again at the next tick.
   */
  private async planQueued(campaign: CampaignRow, wave: number): Promise<boolean> {
    const queued = await this.repo.actionsOf(campaign.id, { wave, states: ['queued'] });
    if (!queued.length) return false;
    let moved = false;
    for (const [packageId, actions] of groupBy(queued, (a) => a.package_id)) {
      const job = await this.delivery.job(campaign, packageId, wave);
      for (const batch of batches(actions, PLAN_TERMINALS)) {
        const byTerminal = new Map(batch.map((a) => [a.terminal_id, a]));
        let notBefore: string | undefined;
        for (let round = 0; round < PLAN_ROUNDS && byTerminal.size; round++) {
          const at = this.now();
          let running: Promise<boolean> | undefined;
          const plan = await this.windows.plan({
            terminalIds: [...byTerminal.keys()], work: [job.work], ...(notBefore && { notBefore }), reason: job.reason,
            // A wave is judged once all of it installed: its installs start as early as the limits allow.
            packed: true,
            // A terminal offline or locked now is skipped with the reason, rather than holding the wave until its window ends.
            reachableOnly: true,
          }, FLEET, ROLLOUTS, {
            // Each job is created only with its action's move to scheduled, in one transaction, and only
            // while the campaign runs (its row held until commit): a pause or cancel comes before or after
            // the whole step, never between a job and its action.
            claim: async (trx, terminalId, jobId) => {
              running ??= this.repo.holdRunning(trx, campaign.id);
              if (!(await running)) return false;
              return this.repo.moveAction(trx, byTerminal.get(terminalId)!.id, 'queued', { state: 'scheduled', maintenance_job_id: jobId, reason: null, updated_at: at });
            },
          });
          for (const p of plan.planned) {
            byTerminal.delete(p.terminalId);
            if (p.jobId) moved = true;
          }
          for (const miss of plan.notFitting) {
            const action = byTerminal.get(miss.terminalId)!;
            if (NO_ROOM.includes(miss.reason)) {
              if (action.reason !== miss.message) await this.repo.moveAction(this.repo.db, action.id, 'queued', { reason: miss.message, updated_at: at });
              if (miss.reason === 'open_job') byTerminal.delete(miss.terminalId);
              continue;
            }
            byTerminal.delete(miss.terminalId);
            const skip = PLAN_SKIPS[miss.reason] ?? null;
            const why = miss.key ? said(miss.key as MessageKey, miss.params ?? {}) : null;
            moved = (await this.repo.moveAction(this.repo.db, action.id, 'queued', { state: 'skipped', reason: miss.message, ...saidColumns(why), skip_reason: skip, updated_at: at, finished_at: at })) || moved;
          }
          // The next round starts after the latest occurrence this one filled.
          if (!plan.planned.length) break;
          notBefore = plan.planned.map((p) => p.window.end).sort().at(-1);
        }
      }
    }
    return moved;
  }

  /**
   * Where the terminals' installs would go if they were planned now (a dry run: no job is made): each
   * in the next occurrence of its maintenance window, or left out with the planner's reason.
   */
  async previewPlan(terminalIds: string[], pkg: { kind: string; name: string; version: string }) {
    if (!terminalIds.length) return { planned: [], notFitting: [] };
    const plan = await this.windows.plan({
      terminalIds, work: [workOf(pkg.kind)], reason: `install ${pkg.name} ${pkg.version} (preview)`, dryRun: true, packed: true, reachableOnly: true,
      fleetLimit: 10_000, perSiteLimit: 100,
    }, FLEET, ROLLOUTS);
    return { planned: plan.planned, notFitting: plan.notFitting };
  }

  /**
   * For the maintenance tick (MaintenanceDependencies.lastTerminal): each due job of a campaign's
   * action may take its site's only terminal as the campaign's policy for single-terminal sites says.
   */
  lastTerminalPolicies(): LastTerminalPolicies {
    return {
      of: async (due) => {
        const policies = new Map<string, LastTerminalPolicy>();
        for (const row of await this.repo.campaignsOfJobs(due.map((j) => j.id))) {
          const chosen = parseJson<CampaignSettings>(row.settings, {} as CampaignSettings).singleTerminalSites ?? { policy: 'hold', reason: null };
          policies.set(row.jobId, chosen.policy === 'allow'
            ? { when: 'always', reason: `campaign "${row.name}" allows single-terminal sites: ${chosen.reason ?? ''}` }
            : chosen.policy === 'when_closed'
              ? { when: 'site_closed', reason: `campaign "${row.name}" updates single-terminal sites only while they are closed (singleTerminalSites: when_closed)` }
              : { when: 'never', reason: `campaign "${row.name}" holds single-terminal sites (singleTerminalSites: hold)` });
        }
        return policies;
      },
    };
  }

  /** A terminal closed its action itself: its job, if it has not started, is withdrawn, and the campaign moves on. */
  async actionClosed(action: ActionRow, state: ActionState): Promise<void> {
    // A terminal that gave up before its window (a download that failed) does not need to go out of service for it.
    if (action.maintenance_job_id) await this.abortWaitingJob(action.maintenance_job_id, `the terminal reported the install ${state}`);
    await this.advance(action.campaign_id);
  }

  /** Aborts a maintenance job that has not started yet; false when it started (or ended) meanwhile. */
  private async abortWaitingJob(jobId: string, reason: string): Promise<boolean> {
    const job = await this.maintenance.job(jobId);
    if (!job || !WAITING.includes(job.state)) return false;
    try {
      await this.maintenance.operatorMove(jobId, 'aborted', reason, FLEET, ROLLOUTS);
      return true;
    } catch {
      return false; // it started meanwhile: the install goes on and is settled by its job
    }
  }

  /** Aborts the waiting maintenance jobs of the campaign's offered actions; the actions become `to`, with why. */
  async withdrawWaiting(campaignId: string, to: 'queued' | 'cancelled', why: Said): Promise<void> {
    const at = this.now();
    const reason = english(why);
    for (const action of await this.repo.offeredWithJobs(campaignId, OFFERED)) {
      if (!action.maintenance_job_id || !action.job_state || !WAITING.includes(action.job_state)) continue;
      if (!(await this.abortWaitingJob(action.maintenance_job_id, reason))) continue;
      await this.repo.moveAction(this.repo.db, action.id, action.state, {
        state: to, maintenance_job_id: null, reason, ...saidColumns(why), updated_at: at, ...(to === 'cancelled' && { finished_at: at }),
      });
    }
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const figure = (metric: MetricComparison['metric'], x: number) => (metric === 'reboots_per_terminal_hour' ? x.toFixed(2) : pct(x));

/** "card-read failure rate 48.0 % against 12.1 % (z = 11.9), from 12.3 % against 12.0 % before the update". */
function describeMetric(m: MetricComparison): Said {
  const now = { metric: m.metric, updated: figure(m.metric, m.updated), comparison: figure(m.metric, m.comparison), z: m.z.toFixed(1) };
  if (m.basis === 'groups' || m.updatedBefore === null || m.comparisonBefore === null) return said('rollouts.halt.metric_groups', now);
  return said('rollouts.halt.metric', { ...now, updatedBefore: figure(m.metric, m.updatedBefore), comparisonBefore: figure(m.metric, m.comparisonBefore) });
}
