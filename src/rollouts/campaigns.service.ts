// Campaign management: what an operator does with campaigns. A campaign rolls a signed package out to
// the terminals a filter matches, wave by wave; creating one checks the package, the filter and each
// terminal's eligibility, and records the waves. Pause, resume, cancel and rollback change its state;
// moving it on (planning installs, judging waves, halting) is the campaign engine's.
import { randomInt, randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { FLEET, type Scope } from '../access/roles.ts';
import type { RolloutActionTable } from '../db/schema.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { WAITING, type JobState } from '../shared/job-states.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import { CONFIGURATION_KEY_ID, CONFIGURATION_PACKAGE_KIND, CONFIGURATION_PACKAGE_NAME, configurationPackageId } from '../shared/configuration-package.ts';
import { conflict, invalid, notFound, orNotFound } from '../shared/errors.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import { encodeCursor, timeIdKey, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { OFFERED } from './action-states.ts';
import type { CampaignEngine } from './campaign-engine.service.ts';
import { tallyOf, type CampaignSettings, type LeftOut } from './campaigns.ts';
import { exclusionOf, isAtLeast, type Exclusion } from './eligibility.ts';
import type { PackagesService } from './packages.service.ts';
import type { ActionRow, CampaignRow, PackageRow, RolloutsRepository, WaveRow } from './rollouts.repository.ts';
import {
  IN_PROGRESS, type ActionListQuery, type ActionView, type CampaignFilter, type CampaignInput, type CampaignListQuery, type CampaignProgress, type CampaignState,
  type CampaignPreview, type CampaignView,
} from './rollouts.schemas.ts';
import { waveWaiting } from './wave-waiting.ts';
import { assignWaves, checkWaves } from './waves.ts';

export class CampaignsService {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly engine: CampaignEngine,
    private readonly packages: PackagesService,
    private readonly estate: EstateLookups,
    private readonly maintenance: MaintenanceService,
    private readonly clock: Clock,
  ) {}

  private now = () => this.clock().toISOString();

  async create(input: CampaignInput, scope: Scope, actorName: string): Promise<CampaignView> {
    const { pkg, waves, allowDowngrade, singleTerminalSites, eligible, excluded } = await this.prepare(input, scope);
    return this.insert({
      name: input.name, pkg, filter: input.filter, rollbackOf: null, actorName,
      terminals: eligible.map((t) => ({ terminal: t.terminal, packageId: pkg.id, previousVersion: t.installed })),
      settings: { waves, maxFailureRate: input.maxFailureRate ?? 0.1, observeMinutes: input.observeMinutes ?? 60, allowDowngrade, seed: input.seed ?? randomInt(2 ** 32), excluded, singleTerminalSites },
    });
  }

  /** How many terminals the campaign would reach, and its package: what decides whether a second person must approve it. */
  async reach(input: CampaignInput, scope: Scope) {
    const { pkg, eligible } = await this.prepare(input, scope);
    return { terminals: eligible.length, package: `${pkg.name} ${pkg.version}` };
  }

  /**
   * Brings the terminals `only` names to a version of a kind (a baseline's): for each ready package of
   * that kind and version, a one-wave campaign to those of them it is for, planned in their next window
   * like any campaign. Answers the campaigns started and the terminals no package or rule let it reach.
   */
  async deliverVersion(input: { name: string; kind: 'application' | 'firmware'; version: string; terminals: { id: string; modelId: string }[] }, actorName: string) {
    const ready = (await this.repo.readyPackages()).filter((p) => p.kind === input.kind && p.version === input.version).sort((a, b) => (b.uploaded_at ?? '').localeCompare(a.uploaded_at ?? ''));
    const left = new Map(input.terminals.map((t) => [t.id, t]));
    const campaigns: string[] = [];
    for (const candidate of ready) {
      const models = parseJson<string[]>(candidate.compatible_models, []);
      const only = new Set([...left.values()].filter((t) => models.includes(t.modelId)).map((t) => t.id));
      if (!only.size) continue;
      const pkg = await this.packages.assignable(candidate.id).catch(() => undefined);
      if (!pkg) continue;
      const matched = (await this.targets(pkg, {}, FLEET, only)).terminals;
      const { eligible, excluded } = await this.eligible(pkg, matched, false);
      for (const t of only) left.delete(t);
      if (!eligible.length) continue;
      const campaign = await this.insert({
        name: input.name, pkg, filter: {}, rollbackOf: null, actorName,
        terminals: eligible.map((t) => ({ terminal: t.terminal, packageId: pkg.id, previousVersion: t.installed })),
        // One wave, judged on installs and payments like any campaign; never a downgrade.
        settings: { waves: [100], maxFailureRate: 0.1, observeMinutes: 60, allowDowngrade: false, seed: randomInt(2 ** 32), excluded, singleTerminalSites: { policy: 'hold', reason: null } },
      });
      campaigns.push(campaign.id);
    }
    return { campaigns, notDelivered: [...left.keys()] };
  }

  /** Checks a campaign's input and finds the terminals it would reach (those that may receive the package, and why the others may not). */
  private async prepare(input: CampaignInput, scope: Scope) {
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
    return { pkg, waves, allowDowngrade, singleTerminalSites, eligible, excluded, matched: targets.matched };
  }

  /**
   * What starting the campaign would do, without doing it: how many terminals it reaches (by site, model
   * and installed version, and per wave), the maintenance windows they would stop trading in (the
   * planner's next occurrences, as a dry run), those no window can take, and whether a second person
   * must approve it.
   */
  async preview(input: CampaignInput, scope: Scope): Promise<Omit<CampaignPreview, 'needsApproval' | 'approvalThreshold'>> {
    const { pkg, waves, eligible, excluded, matched, singleTerminalSites } = await this.prepare(input, scope);
    const terminals = eligible.map((e) => e.terminal);
    const count = <K>(key: (t: Terminal) => K) => [...groupBy(terminals, key)].map(([k, list]) => ({ key: k, terminals: list.length })).sort((a, b) => b.terminals - a.terminals);
    const sites = new Map<string, { name: string; timeZone: string }>();
    for (const id of new Set(terminals.flatMap((t) => (t.siteId ? [t.siteId] : [])))) {
      const site = await this.estate.findSite(id);
      if (site) sites.set(id, site);
    }
    const models = new Map<string, string>();
    for (const id of new Set(terminals.map((t) => t.modelId))) {
      const model = await this.estate.findModel(id);
      if (model) models.set(id, `${model.vendor} ${model.model} (${model.code})`);
    }
    const versions = [...groupBy(eligible, (e) => e.installed ?? '')].map(([version, list]) => ({ version: version || null, terminals: list.length })).sort((a, b) => b.terminals - a.terminals);
    const waveOf = assignWaves(terminals.map((t) => ({ id: t.id, siteId: t.siteId, networkType: t.networkType })), waves, input.seed ?? 0);
    const perWave = waves.map((percent, wave) => ({ wave: wave + 1, percent, terminals: [...waveOf.values()].filter((w) => w === wave).length }));
    const plan = await this.engine.previewPlan(terminals.map((t) => t.id), pkg);
    const windows = [...groupBy(plan.planned, (p) => `${p.window.id}|${p.window.start}`)].map(([, list]) => {
      const w = list[0]!.window;
      return { id: w.id, name: w.name, start: w.start, end: w.end, localStart: w.localStart, localEnd: w.localEnd, terminals: list.length };
    }).sort((a, b) => a.start.localeCompare(b.start));
    const notPlanned: Record<string, number> = {};
    for (const miss of plan.notFitting) notPlanned[miss.reason] = (notPlanned[miss.reason] ?? 0) + 1;
    const heldByContinuity = singleTerminalSites.policy === 'hold' ? await this.aloneAtTheirSite(terminals, scope) : 0;
    return {
      package: { id: pkg.id, name: pkg.name, version: pkg.version }, matched, terminals: terminals.length, excluded,
      bySite: count((t) => t.siteId ?? '').map((s) => ({ siteId: s.key || null, name: sites.get(s.key)?.name ?? null, terminals: s.terminals })),
      byModel: count((t) => t.modelId).map((m) => ({ modelId: m.key, name: models.get(m.key) ?? m.key, terminals: m.terminals })),
      byVersion: versions, waves: perWave,
      stopTrading: { terminals: plan.planned.length, windows, notPlanned, singleTerminalSites: singleTerminalSites.policy, heldByContinuity },
    };
  }

  /**
   * Of `terminals`, how many are the only terminal (in service) at their site: with the policy 'hold' the
   * continuity rule keeps each of them trading, so the campaign does not update them.
   */
  private async aloneAtTheirSite(terminals: Terminal[], scope: Scope): Promise<number> {
    let alone = 0;
    for (const [siteId, here] of groupBy(terminals.filter((t) => t.siteId), (t) => t.siteId!)) {
      if (here.length > 1) continue;
      let atSite = 0;
      for await (const page of this.estate.eachTerminal({ siteId, status: 'active' }, scope)) atSite += page.length;
      if (atSite === 1) alone++;
    }
    return alone;
  }

  /**
   * A configuration change delivered like software: the terminals `only` names among those `filter`
   * matches get it in waves inside their windows, judged on payments; a rollback gives the configuration
   * before it back. The change is two stand-in package rows (see shared/configuration-package.ts).
   */
  async createForConfiguration(input: Omit<CampaignInput, 'packageId' | 'filter' | 'allowDowngrade'> & { changeId: string; filter: CampaignFilter; only: Set<string> }, scope: Scope, actorName: string): Promise<CampaignView> {
    const waves = input.waves ?? [1, 10, 50, 100];
    const problem = checkWaves(waves);
    if (problem) throw invalid(problem.field, problem.reason);
    const singleTerminalSites = { policy: input.singleTerminalSites ?? 'hold', reason: input.singleTerminalSitesReason?.trim() || null };
    if (singleTerminalSites.policy === 'allow' && !singleTerminalSites.reason) {
      throw invalid('singleTerminalSitesReason', "give the reason single-terminal sites may go without a terminal in service while they are updated ('allow')");
    }
    const terminals: Terminal[] = [];
    for await (const page of this.estate.eachTerminal({ ...input.filter, status: 'active' }, scope)) terminals.push(...page.filter((t) => input.only.has(t.id)));
    if (!terminals.length) throw invalid('filter', 'the change reaches no terminal in service');
    const busy = await this.repo.busyTerminals(terminals.map((t) => t.id), [...OFFERED, 'queued']);
    const eligible = terminals.filter((t) => !busy.has(t.id));
    if (!eligible.length) throw invalid('filter', `all ${terminals.length} terminal(s) the change reaches are in another campaign`);
    const at = this.now();
    await this.repo.ensureKey({ id: CONFIGURATION_KEY_ID, name: 'PosFleet configuration changes (signs nothing)', public_key: '', created_by: actorName, created_at: at, revoked_at: at });
    const models = JSON.stringify([...new Set(eligible.map((t) => t.modelId))]);
    const row = (before: boolean): PackageRow => ({
      id: configurationPackageId(input.changeId, before), kind: CONFIGURATION_PACKAGE_KIND, name: CONFIGURATION_PACKAGE_NAME,
      version: before ? `${input.changeId}:before` : input.changeId, compatible_models: models, min_installed_version: null, security_patch: 0,
      release_notes: JSON.stringify({ 'zh-CN': '配置变更', en: 'configuration change' }), file_name: '', size: 0, sha256: '', signature: '', key_id: CONFIGURATION_KEY_ID,
      sha1: null, md5: null, uploaded_at: at, created_by: actorName, created_at: at, parameters: null,
    });
    const pkg = row(false);
    await this.repo.ensurePackage(row(true));
    await this.repo.ensurePackage(pkg);
    return this.insert({
      name: input.name, pkg, filter: input.filter, rollbackOf: null, actorName,
      terminals: eligible.map((terminal) => ({ terminal, packageId: pkg.id, previousVersion: `${input.changeId}:before` })),
      settings: {
        waves, maxFailureRate: input.maxFailureRate ?? 0.1, observeMinutes: input.observeMinutes ?? 60, allowDowngrade: true, seed: input.seed ?? randomInt(2 ** 32),
        excluded: busy.size ? { in_other_campaign: busy.size } : {}, singleTerminalSites,
      },
    });
  }

  /** Where a campaign stands, with its rollback's, and its terminals whose action ended without the change. */
  async outcome(id: string): Promise<{ state: CampaignState; rollback: { id: string; state: CampaignState } | null; notDelivered: string[] } | undefined> {
    const campaign = await this.repo.campaign(id);
    if (!campaign) return undefined;
    const rollback = await this.repo.rollbackOf(id);
    const ended = await this.repo.actionsOf(id, { states: ['failed', 'skipped', 'cancelled'] });
    return {
      state: campaign.state, rollback: rollback ? { id: rollback.id, state: rollback.state } : null,
      notDelivered: ended.map((a) => a.terminal_id),
    };
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
    await this.engine.advance(id);
    return this.get(id);
  }

  private async targets(pkg: PackageRow, filter: CampaignFilter, scope: Scope, only?: Set<string>) {
    const { installedVersion, ...estateFilter } = filter;
    const column = pkg.kind === 'application' ? 'appVersion' : pkg.kind === 'firmware' ? 'firmwareVersion' : null;
    const terminals: Terminal[] = [];
    let matched = 0;
    const lastInstalled = column ? null : await this.repo.lastInstalled(pkg.kind, pkg.name);
    for await (const page of this.estate.eachTerminal({ ...estateFilter, status: 'active' }, scope)) {
      for (const t of page) {
        if (only && !only.has(t.id)) continue;
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
    const halt = parseJson<{ wave: number; kind: 'installs' | 'payments'; reason: string } | null>(campaign.halt, null);
    const current = waves.find((w) => w.wave === campaign.current_wave);
    // Only the current wave of a campaign in progress can be waiting.
    const waiting = current && IN_PROGRESS.includes(campaign.state) ? waveWaiting({
      campaignState: campaign.state, halt, wave: current.wave + 1, waveState: current.state, installedAt: current.installed_at,
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
      state: campaign.state, currentWave: campaign.current_wave + 1, halt: parseJson(campaign.halt, null), excluded: settings.excluded ?? {},
      ...(campaign.rollback_of && { leftOut: settings.leftOut ?? [] }),
      waves: waves.map((w) => {
        const actions = tallyOf(byWave.get(w.wave) ?? []);
        return {
          wave: w.wave + 1, percent: w.percent, state: w.state, terminals: Object.values(actions).reduce((a, b) => a + b, 0), actions,
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
        id: c.id, name: c.name, state: c.state, currentWave: c.current_wave + 1, waves: settings.waves.length, createdAt: c.created_at, updatedAt: c.updated_at,
        actions: settings.waves.map((_, wave) => tallyOf(byWave.get(wave) ?? [])),
      };
    }));
  }

  async list(query: CampaignListQuery) {
    const limit = query.limit ?? 100;
    const page = toPage(await this.repo.listCampaigns({ ...query, limit }), limit, (c) => timeIdKey(c.created_at, c.id));
    return {
      items: page.items.map((c) => ({
        id: c.id, name: c.name, packageId: c.package_id, state: c.state, currentWave: c.current_wave + 1,
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
    const job = action.maintenance_job_id ? await this.maintenance.job(action.maintenance_job_id) : undefined;
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
    await this.engine.withdrawWaiting(id, 'queued', `campaign paused by ${actorName}${note ? `: ${note}` : ''}`);
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
    if (campaign.state === 'halted' && halt?.kind === 'payments') await this.engine.passWave(campaign, campaign.current_wave, null);
    await this.engine.advance(id);
    return this.get(id);
  }

  /** Stops for good: waiting installs are withdrawn, installs under way finish. */
  async cancel(id: string, note: string | undefined, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state === 'completed' || campaign.state === 'cancelled') throw conflict(`campaign ${id} is already ${campaign.state}`);
    const at = this.now();
    if (!(await this.repo.moveCampaign(this.repo.db, id, campaign.state, { state: 'cancelled', updated_at: at, ended_at: at }))) throw conflict(`campaign ${id} changed meanwhile; try again`).says('campaign.changed_meanwhile', {}, true);
    const reason = `campaign cancelled by ${actorName}${note ? `: ${note}` : ''}`;
    await this.engine.withdrawWaiting(id, 'cancelled', reason);
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

}

function actionView(a: ActionRow, serialNumber: string, jobState: string | null, waitingReason: string | null): ActionView {
  // Only an offered action's job that has not started yet is waiting.
  const waiting = OFFERED.includes(a.state) && jobState && WAITING.includes(jobState as JobState) ? waitingReason : null;
  return {
    id: Number(a.id), campaignId: a.campaign_id, terminalId: a.terminal_id, serialNumber, wave: a.wave + 1, packageId: a.package_id, previousVersion: a.previous_version,
    state: a.state, maintenanceJobId: a.maintenance_job_id, reason: a.reason, waiting, updatedAt: a.updated_at, finishedAt: a.finished_at,
  };
}
