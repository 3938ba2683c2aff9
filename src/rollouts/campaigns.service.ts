// Campaigns: a signed package rolled out to the terminals a filter matches, wave by wave. Each wave's
// installs are maintenance jobs planned inside the terminals' maintenance windows (so the continuity
// rule decides each start); terminals may download ahead, and install only once their job has them out
// of service. The tick moves campaigns on: it settles actions whose job ended, halts a wave whose
// installs fail too often or whose payments got worse than on comparable terminals, and starts the next.
import { randomInt, randomUUID } from 'node:crypto';
import type { Insertable, Transaction } from 'kysely';
import { FLEET, type Scope } from '../access/roles.ts';
import type { Database, RolloutActionTable } from '../db/schema.ts';
import type { EstateRepository } from '../estate/estate.repository.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { OUT_OF_SERVICE, WAITING, type JobState, type WorkKind } from '../maintenance/job-states.ts';
import type { LastTerminalPolicies, LastTerminalPolicy, MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { WindowsService } from '../maintenance/windows.service.ts';
import { conflict, invalid, notFound, orNotFound } from '../shared/errors.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import { encodeCursor, timeIdKey, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { applyFeedback, CLOSED, emptyTally, installFailure, OFFERED, waveInstalled, type ActionState, type WaveTally } from './action-states.ts';
import { exclusionOf, isAtLeast, type Exclusion } from './eligibility.ts';
import type { PackagesService } from './packages.service.ts';
import { packageView } from './packages.service.ts';
import { addTerminalChange, compareChanges, DEFAULT_HEALTH_SETTINGS, emptyChange, type GroupChange, type HealthSettings, type HealthVerdict, type MetricComparison } from './payment-health.ts';
import type { ActionRow, CampaignRow, PackageRow, RolloutsRepository, WaveRow } from './rollouts.repository.ts';
import {
  IN_PROGRESS, type ActionListQuery, type ActionView, type CampaignFilter, type CampaignInput, type CampaignListQuery, type CampaignProgress, type CampaignState,
  type CampaignView, type DeploymentHint, type DeploymentView, type FeedbackInput, type SingleTerminalSites, type VersionChangeView, type WaveState,
} from './rollouts.schemas.ts';
import { assignWaves, checkWaves } from './waves.ts';

export interface CampaignSettings {
  waves: number[];
  maxFailureRate: number;
  observeMinutes: number;
  allowDowngrade: boolean;
  seed: number;
  /** Terminals the filter matched that may not receive the package, by reason. */
  excluded: Partial<Record<Exclusion, number>>;
  /** What the continuity rule may do with a terminal alone at its site (absent in older campaigns: hold). */
  singleTerminalSites?: { policy: SingleTerminalSites; reason: string | null };
  /** A rollback's terminals it could not take back, each with why. */
  leftOut?: LeftOut[];
}

export interface LeftOut {
  terminalId: string;
  serialNumber: string | null;
  previousVersion: string | null;
  reason: string;
}

export interface RolloutSettings {
  health: HealthSettings;
  /** At most this many terminals per group are read to judge a wave's payments. */
  sampleTerminals: number;
  /** Each terminal's figures over this many hours before its wave started are its baseline (a day: each hour of trade once). */
  baselineHours: number;
  /** An offered action unchanged for this long counts as stuck in the fleet view. */
  stuckAfterMinutes: number;
  /** Base URL the terminal downloads from, e.g. https://posfleet.example.com; empty: relative links. */
  publicUrl: string;
}

export const DEFAULT_ROLLOUT_SETTINGS: RolloutSettings = { health: DEFAULT_HEALTH_SETTINGS, sampleTerminals: 500, baselineHours: 24, stuckAfterMinutes: 120, publicUrl: '' };

const ROLLOUTS = 'PosFleet rollouts';
/** The terminal said it installs (or did): a completed job then means the package is in place. */
const INSTALL_REPORTED: readonly string[] = ['installing', 'installed'];
/** An action whose job ended this way is settled by it. */
const JOB_OUTCOME: Partial<Record<JobState, ActionState>> = {
  completed: 'succeeded', failed: 'failed', rolled_back: 'failed', handed_to_technician: 'failed', aborted: 'skipped',
};
/** Why a plan found no place for a terminal that a later occurrence (or tick) may have. */
const NO_ROOM: readonly string[] = ['site_limit', 'fleet_limit', 'too_late', 'open_job'];
/** Occurrences tried per planning (about two weeks of nightly windows). */
const PLAN_ROUNDS = 14;
const WORK_OF_KIND: Record<string, WorkKind> = { application: 'update', firmware: 'upgrade', configuration: 'update', parameters: 'update' };

export class CampaignsService {
  private readonly settings: RolloutSettings;

  constructor(
    private readonly repo: RolloutsRepository,
    private readonly packages: PackagesService,
    private readonly estate: EstateRepository,
    private readonly maintenance: MaintenanceService,
    private readonly windows: WindowsService,
    private readonly clock: Clock,
    settings: Partial<RolloutSettings> = {},
  ) {
    this.settings = { ...DEFAULT_ROLLOUT_SETTINGS, ...settings };
  }

  private now = () => this.clock().toISOString();

  // ---- operators
  async create(input: CampaignInput, scope: Scope, actorName: string): Promise<CampaignView> {
    const pkg = await this.packages.assignable(input.packageId);
    const waves = input.waves ?? [1, 10, 50, 100];
    const problem = checkWaves(waves);
    if (problem) throw invalid(problem.field, problem.reason);
    const models = parseJson<string[]>(pkg.compatible_models, []);
    if (input.filter.modelId && !models.includes(input.filter.modelId)) {
      throw invalid('filter.modelId', `package ${pkg.name} ${pkg.version} is not for terminal model ${input.filter.modelId} (it is for ${models.join(', ')})`);
    }
    const allowDowngrade = input.allowDowngrade ?? false;
    const singleTerminalSites = { policy: input.singleTerminalSites ?? 'hold', reason: input.singleTerminalSitesReason?.trim() || null };
    if (singleTerminalSites.policy === 'allow' && !singleTerminalSites.reason) {
      throw invalid('singleTerminalSitesReason', "give the reason single-terminal sites may go without a terminal in service while they are updated ('allow')");
    }
    if (input.filter.installedVersion && !allowDowngrade && isAtLeast(input.filter.installedVersion, pkg.version) && input.filter.installedVersion !== pkg.version) {
      throw invalid('allowDowngrade', `terminals on ${input.filter.installedVersion} would be downgraded to ${pkg.version}; set allowDowngrade to do that on purpose`);
    }
    const targets = await this.targets(pkg, input.filter, scope);
    if (!targets.matched) throw invalid('filter', 'matches no terminal');
    const { eligible, excluded } = await this.eligible(pkg, targets.terminals, allowDowngrade);
    if (!eligible.length) {
      const reasons = Object.entries(excluded).map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`).join(', ');
      const field = excluded.downgrade === targets.matched ? 'allowDowngrade' : 'filter';
      throw invalid(field, `none of the ${targets.matched} matching terminal(s) may receive ${pkg.name} ${pkg.version}: ${reasons}`);
    }
    return this.insert({
      name: input.name, pkg, filter: input.filter, rollbackOf: null, actorName,
      terminals: eligible.map((t) => ({ terminal: t.terminal, packageId: pkg.id, previousVersion: t.installed })),
      settings: { waves, maxFailureRate: input.maxFailureRate ?? 0.1, observeMinutes: input.observeMinutes ?? 60, allowDowngrade, seed: input.seed ?? randomInt(2 ** 32), excluded, singleTerminalSites },
    });
  }

  private async insert(c: {
    name: string; pkg: PackageRow; filter: CampaignFilter; rollbackOf: string | null; actorName: string; settings: CampaignSettings;
    terminals: { terminal: Terminal; packageId: string; previousVersion: string | null }[];
  }): Promise<CampaignView> {
    const at = this.now();
    const id = randomUUID();
    const waveOf = assignWaves(c.terminals.map(({ terminal: t }) => ({ id: t.id, siteId: t.siteId, networkType: t.networkType })), c.settings.waves, c.settings.seed);
    const campaign: CampaignRow = {
      id, name: c.name, package_id: c.pkg.id, rollback_of: c.rollbackOf, filter: JSON.stringify(c.filter), settings: JSON.stringify(c.settings),
      state: 'running', current_wave: 0, halt: null, created_by: c.actorName, created_at: at, updated_at: at, ended_at: null,
    };
    const waves: WaveRow[] = c.settings.waves.map((percent, wave) => ({ campaign_id: id, wave, percent, state: 'pending', started_at: null, installed_at: null, ended_at: null, verdict: null }));
    const actions: Insertable<RolloutActionTable>[] = c.terminals.map((t) => ({
      campaign_id: id, terminal_id: t.terminal.id, wave: waveOf.get(t.terminal.id)!, package_id: t.packageId, previous_version: t.previousVersion,
      state: 'queued', maintenance_job_id: null, reason: null, created_at: at, updated_at: at, finished_at: null,
    }));
    await this.repo.transaction((trx) => this.repo.insertCampaign(trx, campaign, waves, actions));
    await this.advance(id);
    return this.get(id);
  }

  private async targets(pkg: PackageRow, filter: CampaignFilter, scope: Scope) {
    const { installedVersion, ...estateFilter } = filter;
    const column = pkg.kind === 'application' ? 'appVersion' : pkg.kind === 'firmware' ? 'firmwareVersion' : null;
    const terminals: Terminal[] = [];
    let matched = 0;
    const lastInstalled = column ? null : await this.repo.lastInstalled(pkg.kind, pkg.name);
    for await (const page of this.estate.eachTerminal({ ...estateFilter, status: 'active' }, scope)) {
      for (const t of page) {
        const installed = column ? t[column] : lastInstalled!.get(t.id) ?? null;
        if (installedVersion && installed !== installedVersion) continue;
        matched++;
        terminals.push(t);
      }
    }
    return { matched, terminals };
  }

  private async eligible(pkg: PackageRow, terminals: Terminal[], allowDowngrade: boolean) {
    const facts = { version: pkg.version, compatibleModels: parseJson<string[]>(pkg.compatible_models, []), minInstalledVersion: pkg.min_installed_version };
    const lastInstalled = pkg.kind === 'application' || pkg.kind === 'firmware' ? null : await this.repo.lastInstalled(pkg.kind, pkg.name);
    const installed = (t: Terminal) => (pkg.kind === 'application' ? t.appVersion : pkg.kind === 'firmware' ? t.firmwareVersion : lastInstalled!.get(t.id) ?? null);
    const busy = await this.repo.busyTerminals(terminals.map((t) => t.id), [...OFFERED, 'queued']);
    const excluded: Partial<Record<Exclusion, number>> = {};
    const eligible: { terminal: Terminal; installed: string | null }[] = [];
    for (const terminal of terminals) {
      const version = installed(terminal);
      const reason = busy.has(terminal.id) ? 'in_other_campaign' : exclusionOf(facts, terminal.modelId, version, allowDowngrade);
      if (reason) excluded[reason] = (excluded[reason] ?? 0) + 1;
      else eligible.push({ terminal, installed: version });
    }
    return { eligible, excluded };
  }

  async get(id: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    const [pkg, waves, tally] = await Promise.all([this.repo.package(campaign.package_id), this.repo.waves(id), this.repo.tally(id)]);
    const settings = parseJson<CampaignSettings>(campaign.settings, {} as CampaignSettings);
    const byWave = groupBy(tally, (t) => t.wave);
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
    return { items: page.items.map((a) => actionView(a, a.serial_number, a.job_state, a.waiting_reason)), nextCursor: page.nextCursor && encodeCursor(String(page.items.at(-1)!.id)) };
  }

  async action(id: string, actionId: number): Promise<ActionView> {
    const action = await this.repo.action(actionId);
    if (!action || action.campaign_id !== id) throw notFound('action', String(actionId));
    const terminal = await this.estate.findTerminal(action.terminal_id);
    const feedback = await this.repo.feedbackOf(actionId);
    const job = action.maintenance_job_id ? await this.maintenance.repo.job(action.maintenance_job_id) : undefined;
    return {
      ...actionView(action, terminal?.serialNumber ?? '', job?.state ?? null, job?.waiting_reason ?? null),
      feedback: feedback.map((f) => ({ source: f.source, status: f.status, body: parseJson(f.body, null), effect: f.effect, receivedAt: f.received_at })),
    };
  }

  /** No new installs start; installs under way finish. Waiting jobs are withdrawn and planned again on resume. */
  async pause(id: string, note: string | undefined, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state !== 'running') throw conflict(`campaign ${id} is ${campaign.state}; only a running campaign can be paused`);
    if (!(await this.repo.moveCampaign(this.repo.db, id, 'running', { state: 'paused', updated_at: this.now() }))) throw conflict(`campaign ${id} changed meanwhile; try again`).says('campaign.changed_meanwhile', {}, true);
    await this.withdrawWaiting(id, 'queued', `campaign paused by ${actorName}${note ? `: ${note}` : ''}`);
    return this.get(id);
  }

  /**
   * Goes on from paused or halted. After a halt on payments the operator's resume counts as accepting the
   * figures: the wave passes and the next starts. After a halt on install failures the wave goes on
   * with the (possibly raised) failure threshold; failures beyond it halt it again.
   */
  async resume(id: string, options: { maxFailureRate?: number | undefined; note?: string | undefined }, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state !== 'paused' && campaign.state !== 'halted') throw conflict(`campaign ${id} is ${campaign.state}; only a paused or halted campaign can be resumed`);
    const settings = parseJson<CampaignSettings>(campaign.settings, {} as CampaignSettings);
    if (options.maxFailureRate !== undefined) settings.maxFailureRate = options.maxFailureRate;
    const at = this.now();
    const halt = parseJson<{ kind?: string } | null>(campaign.halt, null);
    // Read before the transaction (on SQLite a query outside it would wait for it forever).
    const halted = (await this.repo.waves(id)).find((w) => w.wave === campaign.current_wave);
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.moveCampaign(trx, id, campaign.state, { state: 'running', settings: JSON.stringify(settings), halt: null, updated_at: at }))) {
        throw conflict(`campaign ${id} changed meanwhile; try again`).says('campaign.changed_meanwhile', {}, true);
      }
      if (campaign.state === 'halted') {
        const wave = campaign.current_wave;
        // The figures the wave failed on stay with it, with who accepted them.
        const verdict = { ...parseJson<object>(halted?.verdict, {}), acceptedBy: actorName, note: options.note ?? null };
        if (halt?.kind === 'payments') await this.repo.moveWave(trx, id, wave, ['failed'], { state: 'observing', verdict: JSON.stringify(verdict) });
        else await this.repo.moveWave(trx, id, wave, ['failed'], { state: 'installing', installed_at: null });
      }
    });
    if (campaign.state === 'halted' && halt?.kind === 'payments') await this.passWave(campaign, campaign.current_wave, null);
    await this.advance(id);
    return this.get(id);
  }

  /** Stops for good: waiting installs are withdrawn, installs under way finish. */
  async cancel(id: string, note: string | undefined, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state === 'completed' || campaign.state === 'cancelled') throw conflict(`campaign ${id} is already ${campaign.state}`);
    const at = this.now();
    if (!(await this.repo.moveCampaign(this.repo.db, id, campaign.state, { state: 'cancelled', updated_at: at, ended_at: at }))) throw conflict(`campaign ${id} changed meanwhile; try again`).says('campaign.changed_meanwhile', {}, true);
    const reason = `campaign cancelled by ${actorName}${note ? `: ${note}` : ''}`;
    await this.withdrawWaiting(id, 'cancelled', reason);
    const queued = await this.repo.actionsOf(id, { states: ['queued'] });
    await this.repo.updateActions(this.repo.db, queued.map((a) => a.id), { state: 'cancelled', reason, updated_at: at, finished_at: at });
    // Read before the transaction: on SQLite a query outside it would wait for it forever.
    const waves = await this.repo.waves(id);
    await this.repo.transaction(async (trx) => {
      for (const w of waves) await this.repo.moveWave(trx, id, w.wave, ['pending', 'installing', 'observing'], { state: 'cancelled', ended_at: at });
    });
    return this.get(id);
  }

  /**
   * Re-installs each updated terminal's previous version, as a new campaign with the same waves and
   * checks. The original stops first. Terminals whose previous version has no ready package (or is not
   * known) are left out and listed with the reason (`leftOut`); only when none can go back is it refused.
   */
  async rollback(id: string, input: { name?: string | undefined; waves?: number[] | undefined }, actorName: string): Promise<CampaignView> {
    const original = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (original.rollback_of) throw conflict(`campaign ${id} is itself a rollback; start a new campaign for the version you want`);
    const pkg = (await this.repo.package(original.package_id))!;
    const updated = await this.repo.actionsOf(id, { states: ['installed', 'succeeded'] });
    if (!updated.length) throw conflict(`campaign ${id} has updated no terminal: nothing to roll back`);
    const settings = parseJson<CampaignSettings>(original.settings, {} as CampaignSettings);
    const waves = input.waves ?? settings.waves;
    const problem = checkWaves(waves);
    if (problem) throw invalid(problem.field, problem.reason);

    const packageOf = new Map<string, PackageRow | undefined>();
    const terminals: { terminal: Terminal; packageId: string; previousVersion: string | null }[] = [];
    const leftOut: LeftOut[] = [];
    for (const action of updated) {
      const version = action.previous_version;
      if (version && !packageOf.has(version)) packageOf.set(version, await this.repo.packageByVersion(pkg.kind, pkg.name, version));
      const previous = version ? packageOf.get(version) : undefined;
      const terminal = await this.estate.findTerminal(action.terminal_id);
      const reason = !terminal ? 'the terminal was deleted'
        : !version ? `its ${pkg.kind} version before the campaign is not known`
          : !previous ? `no package of ${pkg.name} ${version} is ready (upload it, then roll these back with a campaign for ${version})`
            : !previous.uploaded_at ? `package ${pkg.name} ${version} was declared but its file never uploaded (upload it, then roll these back with a campaign for ${version})`
              : null;
      if (reason || !terminal || !previous) {
        leftOut.push({ terminalId: action.terminal_id, serialNumber: terminal?.serialNumber ?? null, previousVersion: version, reason: reason ?? '' });
        continue;
      }
      terminals.push({ terminal, packageId: previous.id, previousVersion: pkg.version });
    }
    if (!terminals.length) throw conflict(`no package of ${pkg.name} for the terminals' previous versions is ready (${[...packageOf.keys()].join(', ') || 'unknown versions'}); upload it first`);
    // Only now that the rollback can go ahead does the original stop: a refused rollback leaves it running.
    if (original.state !== 'completed' && original.state !== 'cancelled') await this.cancel(id, 'rolled back', actorName);
    const counts = groupBy(terminals, (t) => t.packageId);
    const main = [...counts].sort((a, b) => b[1].length - a[1].length)[0]![0];
    return this.insert({
      name: input.name ?? `Roll back ${original.name}`, pkg: (await this.repo.package(main))!, filter: parseJson(original.filter, {}), rollbackOf: id, actorName, terminals,
      settings: { ...settings, waves, allowDowngrade: true, seed: randomInt(2 ** 32), excluded: leftOut.length ? { no_previous_package: leftOut.length } : {}, leftOut },
    });
  }

  /** Aborts a maintenance job that has not started yet; false when it started (or ended) meanwhile. */
  private async abortWaitingJob(jobId: string, reason: string): Promise<boolean> {
    const job = await this.maintenance.repo.job(jobId);
    if (!job || !WAITING.includes(job.state as JobState)) return false;
    try {
      await this.maintenance.operatorMove(jobId, 'aborted', reason, FLEET, ROLLOUTS);
      return true;
    } catch {
      return false; // it started meanwhile: the install goes on and is settled by its job
    }
  }

  /** Aborts the waiting maintenance jobs of the campaign's offered actions; the actions become `to`. */
  private async withdrawWaiting(campaignId: string, to: 'queued' | 'cancelled', reason: string): Promise<void> {
    const at = this.now();
    for (const action of await this.repo.offeredWithJobs(campaignId, OFFERED)) {
      if (!action.maintenance_job_id || !action.job_state || !WAITING.includes(action.job_state as JobState)) continue;
      if (!(await this.abortWaitingJob(action.maintenance_job_id, reason))) continue;
      await this.repo.moveAction(this.repo.db, action.id, action.state, {
        state: to, maintenance_job_id: null, reason, updated_at: at, ...(to === 'cancelled' && { finished_at: at }),
      });
    }
  }

  // ---- the tick
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
      let outcome = action.job_state ? JOB_OUTCOME[action.job_state as JobState] : action.maintenance_job_id ? 'skipped' : undefined;
      if (!outcome) continue;
      let reason = outcome === 'succeeded' ? null : `its maintenance job ${action.maintenance_job_id} ended ${action.job_state ?? 'missing'}`;
      if (outcome === 'succeeded' && !INSTALL_REPORTED.includes(action.state)) {
        outcome = 'failed';
        reason = `its maintenance job ${action.maintenance_job_id} completed, but the terminal never reported installing the package (it was ${action.state})`;
      } else if (outcome === 'failed' && !INSTALL_REPORTED.includes(action.state)) {
        outcome = 'skipped';
        reason = `its maintenance job ${action.maintenance_job_id} ended ${action.job_state} before the terminal began installing (it was ${action.state}): not a failed install`;
      }
      await this.repo.moveAction(this.repo.db, action.id, action.state, { state: outcome, reason, updated_at: at, finished_at: at });
    }
  }

  /** One step for a running campaign's current wave. True when something changed. */
  private async advance(campaignId: string): Promise<boolean> {
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
        const reason = `${tally.failed} of ${failure.attempted} installs in wave ${wave.wave + 1} failed (${pct(failure.rate)}), more than the allowed ${pct(settings.maxFailureRate)}`;
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
      const payments = await this.judgePayments(campaign, wave.wave);
      if (payments.worse) {
        const worse = payments.metrics.filter((m) => m.worse).map(describeMetric);
        const reason = `payments got worse on wave ${wave.wave + 1}'s updated terminals than on comparable terminals still on the old version: ${worse.join('; ')}`;
        await this.halt(campaign, wave.wave, 'payments', reason, payments, { failureRate, payments });
        return true;
      }
      await this.passWave(campaign, wave.wave, { failureRate, payments });
      return (await this.advance(campaignId)) || true;
    }
    return changed;
  }

  /** `verdict` null: the wave keeps the verdict it has (an operator accepted it). */
  private async passWave(campaign: CampaignRow, wave: number, verdict: unknown): Promise<void> {
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

  private async halt(campaign: CampaignRow, wave: number, kind: 'installs' | 'payments', reason: string, figures: unknown, verdict: unknown): Promise<void> {
    const at = this.now();
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.moveCampaign(trx, campaign.id, 'running', { state: 'halted', halt: JSON.stringify({ wave: wave + 1, kind, reason, at, figures }), updated_at: at }))) return;
      await this.repo.moveWave(trx, campaign.id, wave, ['installing', 'observing'], { state: 'failed', verdict: JSON.stringify(verdict) });
    });
    await this.withdrawWaiting(campaign.id, 'queued', `campaign halted: ${reason}`);
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
    const pkg = (await this.repo.package(campaign.package_id))!;
    let moved = false;
    for (const [packageId, actions] of groupBy(queued, (a) => a.package_id)) {
      const target = packageId === pkg.id ? pkg : (await this.repo.package(packageId))!;
      for (let i = 0; i < actions.length; i += 1000) {
        const byTerminal = new Map(actions.slice(i, i + 1000).map((a) => [a.terminal_id, a]));
        let notBefore: string | undefined;
        for (let round = 0; round < PLAN_ROUNDS && byTerminal.size; round++) {
          const at = this.now();
          let running: Promise<boolean> | undefined;
          const plan = await this.windows.plan({
            terminalIds: [...byTerminal.keys()], work: [WORK_OF_KIND[target.kind] ?? 'update'], ...(notBefore && { notBefore }),
            reason: `install ${target.name} ${target.version} (campaign "${campaign.name}", wave ${wave + 1})`,
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
            moved = (await this.repo.moveAction(this.repo.db, action.id, 'queued', { state: 'skipped', reason: miss.message, updated_at: at, finished_at: at })) || moved;
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
   * Each of the wave's updated terminals against its own figures before the wave started, and that change
   * against the change of comparable terminals on the old version over the same hours. Terminals that
   * were out of service for any maintenance job meanwhile (another campaign's install, a repair) are no
   * comparison: their refusals and restarts would inflate its rates.
   */
  private async judgePayments(campaign: CampaignRow, wave: number): Promise<HealthVerdict> {
    const pkg = (await this.repo.package(campaign.package_id))!;
    const succeeded = (await this.repo.actionsOf(campaign.id, { wave, states: ['succeeded'] })).slice(0, this.settings.sampleTerminals);
    const now = this.now();
    if (!succeeded.length) return compareChanges(emptyChange(), emptyChange(), this.settings.health);
    const from = succeeded.map((a) => a.finished_at ?? now).sort()[0]!;
    const startedAt = (await this.repo.waves(campaign.id)).find((w) => w.wave === wave)?.started_at ?? from;
    const baseline = { from: new Date(Date.parse(startedAt) - this.settings.baselineHours * 3_600_000).toISOString(), to: startedAt };
    const updated = await this.figuresOf(succeeded.map((a) => ({ terminalId: a.terminal_id, since: a.finished_at ?? now })), baseline, now);
    const models = [...new Set((await Promise.all(succeeded.map((a) => this.estate.findTerminal(a.terminal_id)))).flatMap((t) => (t ? [t.modelId] : [])))];
    const column = pkg.kind === 'application' ? 'app_version' : pkg.kind === 'firmware' ? 'firmware_version' : null;
    const others = await this.repo.comparableTerminals(models, column, pkg.version, campaign.id, baseline.from, this.settings.sampleTerminals);
    const comparison = await this.figuresOf(others.map((t) => ({ terminalId: t.id, since: from })), baseline, now);
    return compareChanges(updated, comparison, this.settings.health);
  }

  /** The terminals' heartbeats over the baseline and after each one's `since`, one query per batch. */
  private async figuresOf(terminals: { terminalId: string; since: string }[], baseline: { from: string; to: string }, to: string): Promise<GroupChange> {
    const group = emptyChange();
    const since = new Map(terminals.map((t) => [t.terminalId, t.since]));
    for (let i = 0; i < terminals.length; i += 200) {
      const rows = await this.repo.heartbeatsOf(terminals.slice(i, i + 200).map((t) => t.terminalId), baseline.from, to);
      for (const [terminalId, beats] of groupBy(rows, (r) => r.terminal_id)) {
        addTerminalChange(group, beats.map((b) => heartbeatFacts(b.received_at, b.report)), {
          baselineFrom: Date.parse(baseline.from), baselineTo: Date.parse(baseline.to), since: Date.parse(since.get(terminalId)!),
        });
      }
    }
    return group;
  }

  /**
   * For the maintenance tick (MaintenanceService.useLastTerminalPolicies): each due job of a campaign's
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

  // ---- terminals
  /** For heartbeat answers: each terminal's offered action, if any (one query for the batch). */
  async hints(terminalIds: string[]): Promise<Map<string, DeploymentHint>> {
    const rows = await this.repo.actionsOfTerminals(terminalIds, OFFERED);
    return new Map(rows.map((a) => [a.terminal_id, { actionId: Number(a.id), state: a.state as ActionState, installAllowed: OUT_OF_SERVICE.includes(a.job_state as JobState) }]));
  }

  async deployment(terminalId: string, actionId: number): Promise<DeploymentView> {
    const action = await this.terminalAction(terminalId, actionId);
    if (action.state === 'queued') throw notFound('deployment', String(actionId));
    const pkg = (await this.repo.package(action.package_id))!;
    const key = await this.repo.key(pkg.key_id);
    const job = action.maintenance_job_id ? await this.maintenance.repo.job(action.maintenance_job_id) : undefined;
    const view = packageView(pkg);
    return {
      actionId: Number(action.id), state: action.state as ActionState, installAllowed: !!job && OUT_OF_SERVICE.includes(job.state as JobState), maintenanceJobId: action.maintenance_job_id,
      package: {
        id: view.id, kind: view.kind, name: view.name, version: view.version, fileName: view.fileName, size: view.size, sha256: view.sha256, signature: view.signature,
        keyId: view.keyId, publicKey: key?.public_key ?? '', securityPatch: view.securityPatch, releaseNotes: view.releaseNotes,
        downloadUrl: `${this.settings.publicUrl}/device/v1/packages/${pkg.id}/content`,
      },
    };
  }

  /** A terminal's report on its action, stored once per report id; it moves the action only forward. */
  async feedback(terminalId: string, actionId: number, input: FeedbackInput, source = 'device') {
    await this.terminalAction(terminalId, actionId);
    return this.record(actionId, { reportId: input.reportId, status: input.status, body: input, source });
  }

  /**
   * Stores a report and applies it. Shared with the hawkBit API, which maps its own statuses first and
   * passes `succeeded`: what else must be written with the action's success, in its transaction (the
   * version the device installed, as it sends no heartbeat to tell).
   */
  async record(actionId: number, report: {
    reportId: string | null; status: ActionState; body: unknown; source: string; reason?: string | null;
    succeeded?: ((trx: Transaction<Database>, action: ActionRow, pkg: PackageRow, at: string) => Promise<void>) | undefined;
  }) {
    const at = this.now();
    const answer = await this.repo.transaction(async (trx) => {
      const action = (await this.repo.action(actionId, trx))!;
      const effect = applyFeedback(action.state as ActionState, report.status);
      const row = {
        action_id: actionId, report_id: report.reportId, source: report.source, status: report.status, body: JSON.stringify(report.body),
        effect: effect.change ? `${action.state} → ${effect.to}` : effect.why, received_at: at,
      };
      if (!(await this.repo.insertFeedback(trx, row))) return { actionId, state: action.state as ActionState, changed: false, effect: 'a repeated report: already recorded' };
      if (!effect.change) return { actionId, state: action.state as ActionState, changed: false, effect: effect.why };
      const closing = CLOSED.includes(effect.to);
      const reason = effect.to === 'failed' ? report.reason ?? 'the terminal reported the install failed' : null;
      if (!(await this.repo.moveAction(trx, actionId, action.state, { state: effect.to, updated_at: at, reason, ...(closing && { finished_at: at }) }))) {
        return { actionId, state: action.state as ActionState, changed: false, effect: 'the action changed meanwhile; this report was recorded only' };
      }
      if (effect.to === 'succeeded' && report.succeeded) await report.succeeded(trx, action, (await this.repo.package(action.package_id, trx))!, at);
      return { actionId, state: effect.to, changed: true, effect: row.effect };
    });
    if (answer.changed && CLOSED.includes(answer.state)) {
      const action = (await this.repo.action(actionId))!;
      // A terminal that gave up before its window (a download that failed) does not need to go out of service for it.
      if (action.maintenance_job_id) await this.abortWaitingJob(action.maintenance_job_id, `the terminal reported the install ${answer.state}`);
      await this.advance(action.campaign_id);
    }
    return answer;
  }

  /** The action, if it is this terminal's: any other is answered as not existing. */
  async terminalAction(terminalId: string, actionId: number): Promise<ActionRow> {
    const action = await this.repo.action(actionId);
    if (!action || action.terminal_id !== terminalId) throw notFound('deployment', String(actionId));
    return action;
  }

  /** A terminal downloads only a package it has an offered action for. */
  async authoriseDownload(terminalId: string, packageId: string): Promise<PackageRow> {
    const offered = await this.repo.actionsOfTerminals([terminalId], OFFERED);
    if (!offered.some((a) => a.package_id === packageId)) throw notFound('package', packageId);
    return (await this.repo.package(packageId))!;
  }

  /** The versions a terminal the caller may see went through, newest first (the last 100). */
  async versionsOf(terminalId: string, scope: Scope): Promise<VersionChangeView[]> {
    if (!(await this.estate.findTerminal(terminalId, scope))) throw notFound('terminal', terminalId);
    return (await this.repo.versionChangesOf(terminalId, 100)).map((v) => ({
      kind: v.kind as VersionChangeView['kind'], fromVersion: v.from_version, toVersion: v.to_version, at: v.at, campaignId: v.campaign_id ?? null,
    }));
  }

  // ---- fleet view
  async fleet() {
    const [rows, ready, stuck, outside] = await Promise.all([
      this.repo.versionsPerModel(), this.repo.readyPackages(),
      this.repo.stuckActions(new Date(this.clock().getTime() - this.settings.stuckAfterMinutes * 60_000).toISOString(), OFFERED, WAITING),
      this.repo.installedOutside(new Date(this.clock().getTime() - 30 * 86_400_000).toISOString()),
    ]);
    const versions = new Map<string, { modelId: string; kind: string; version: string | null; terminals: number }>();
    for (const r of rows) {
      for (const [kind, version] of [['application', r.app_version], ['firmware', r.firmware_version]] as const) {
        const key = `${r.model_id}|${kind}|${version}`;
        const entry = versions.get(key) ?? { modelId: r.model_id, kind, version, terminals: 0 };
        entry.terminals += Number(r.n);
        versions.set(key, entry);
      }
    }
    // Per package name and model, the newest security patch, and how many terminals are on it or newer.
    const latest = new Map<string, PackageRow>();
    for (const p of ready.filter((p) => p.security_patch === 1 && (p.kind === 'application' || p.kind === 'firmware'))) {
      for (const modelId of parseJson<string[]>(p.compatible_models, [])) {
        const key = `${p.kind}|${p.name}|${modelId}`;
        const other = latest.get(key);
        if (!other || isAtLeast(p.version, other.version)) latest.set(key, p);
      }
    }
    const securityPatch = [...latest].map(([key, p]) => {
      const modelId = key.split('|')[2]!;
      const ofModel = [...versions.values()].filter((v) => v.modelId === modelId && v.kind === p.kind);
      const terminals = ofModel.reduce((n, v) => n + v.terminals, 0);
      const onLatest = ofModel.filter((v) => isAtLeast(v.version, p.version)).reduce((n, v) => n + v.terminals, 0);
      return { kind: p.kind, name: p.name, latestVersion: p.version, modelId, terminals, onLatest, share: terminals ? onLatest / terminals : 0 };
    });
    return {
      versions: [...versions.values()].sort((a, b) => a.modelId.localeCompare(b.modelId) || a.kind.localeCompare(b.kind) || b.terminals - a.terminals),
      securityPatch,
      stuck: stuck.map((a) => ({ actionId: Number(a.id), campaignId: a.campaign_id, terminalId: a.terminal_id, state: a.state, since: a.updated_at })),
      installedOutside: outside.map((v) => ({ terminalId: v.terminal_id, kind: v.kind, fromVersion: v.from_version, toVersion: v.to_version, at: v.at })),
    };
  }
}

function tallyOf(rows: { state: ActionState; n: number }[]): WaveTally {
  const tally = emptyTally();
  for (const r of rows) tally[r.state] = (tally[r.state] ?? 0) + r.n;
  return tally;
}

function actionView(a: ActionRow, serialNumber: string, jobState: string | null, waitingReason: string | null): ActionView {
  // Only an offered action's job that has not started yet is waiting.
  const waiting = OFFERED.includes(a.state as ActionState) && jobState && WAITING.includes(jobState as JobState) ? waitingReason : null;
  return {
    id: Number(a.id), campaignId: a.campaign_id, terminalId: a.terminal_id, serialNumber, wave: a.wave + 1, packageId: a.package_id, previousVersion: a.previous_version,
    state: a.state as ActionState, maintenanceJobId: a.maintenance_job_id, reason: a.reason, waiting, updatedAt: a.updated_at, finishedAt: a.finished_at,
  };
}

interface ReportedFacts {
  uptimeSeconds?: number;
  crashes?: number;
  cardReader?: Record<string, { attempts: number; failures: number } | undefined>;
  transactions?: { count?: number; failed?: number; refused?: number };
}

export function heartbeatFacts(receivedAt: string, report: string) {
  const r = parseJson<ReportedFacts>(report, {});
  const readers = Object.values(r.cardReader ?? {});
  return {
    receivedAt: Date.parse(receivedAt), uptimeSeconds: r.uptimeSeconds ?? 0, crashes: r.crashes ?? 0,
    cardReads: readers.reduce((n, c) => n + (c?.attempts ?? 0), 0), cardReadFailures: readers.reduce((n, c) => n + (c?.failures ?? 0), 0),
    transactions: r.transactions?.count ?? 0, failedTransactions: (r.transactions?.failed ?? 0) + (r.transactions?.refused ?? 0),
  };
}

const METRIC_NAMES = { card_read_failure_rate: 'card-read failure rate', transaction_failure_rate: 'failed or refused transactions', reboots_per_terminal_hour: 'reboots per terminal-hour' };
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const figure = (metric: keyof typeof METRIC_NAMES, x: number) => (metric === 'reboots_per_terminal_hour' ? x.toFixed(2) : pct(x));

/** "card-read failure rate 48.0 % against 12.1 % (z = 11.9), from 12.3 % against 12.0 % before the update". */
function describeMetric(m: MetricComparison): string {
  const now = `${METRIC_NAMES[m.metric]} ${figure(m.metric, m.updated)} against ${figure(m.metric, m.comparison)} (z = ${m.z.toFixed(1)})`;
  if (m.basis === 'groups' || m.updatedBefore === null || m.comparisonBefore === null) return `${now}, with no figures from before the update to compare`;
  return `${now}, from ${figure(m.metric, m.updatedBefore)} against ${figure(m.metric, m.comparisonBefore)} before the update`;
}
