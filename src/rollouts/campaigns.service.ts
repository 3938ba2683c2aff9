// Campaign management: what an operator does with campaigns. A campaign rolls a signed package out to
// the terminals a filter matches, wave by wave; creating one checks the package, the filter and each
// terminal's eligibility, and records the waves (campaign-creation.ts, shared with the campaigns other
// capabilities start). Pause, resume, cancel and rollback change its state; moving it on (planning
// installs, judging waves, halting) is the campaign engine's, reading it campaign-views.service.ts's.
import { randomInt } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import { english, said } from '../shared/messages/said.ts';
import type { Clock } from '../shared/time.ts';
import { checkedWaves, singleTerminalSitesOf, type CampaignCreation } from './campaign-creation.ts';
import { saidColumns } from './action-reasons.ts';
import type { CampaignEngine } from './campaign-engine.service.ts';
import type { CampaignViews } from './campaign-views.service.ts';
import type { CampaignSettings, LeftOut } from './campaigns.ts';
import { EXCLUSIONS, isAtLeast } from './eligibility.ts';
import type { PackagesService } from './packages.service.ts';
import type { PackageRow, RolloutsRepository } from './rollouts.repository.ts';
import type { CampaignInput, CampaignPreview, CampaignView } from './rollouts.schemas.ts';
import { assignWaves } from './waves.ts';

export class CampaignsService {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly engine: Pick<CampaignEngine, 'previewPlan' | 'withdrawWaiting' | 'passWave' | 'advance'>,
    private readonly creation: CampaignCreation,
    private readonly views: Pick<CampaignViews, 'get'>,
    private readonly packages: Pick<PackagesService, 'assignable'>,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
  ) {}

  private now = () => this.clock().toISOString();

  async create(input: CampaignInput, scope: Scope, actorName: string): Promise<CampaignView> {
    const { pkg, waves, allowDowngrade, singleTerminalSites, eligible, excluded } = await this.prepare(input, scope);
    return this.creation.start({
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

  /** Checks a campaign's input and finds the terminals it would reach (those that may receive the package, and why the others may not). */
  /** A terminal model as a person knows it (vendor, model and code), or its id when it is gone. */
  private async modelName(id: string): Promise<string> {
    const model = await this.estate.findModel(id);
    return model ? `${model.vendor} ${model.model}` : id;
  }

  private async prepare(input: CampaignInput, scope: Scope) {
    const pkg = await this.packages.assignable(input.packageId);
    const waves = checkedWaves(input.waves);
    const models = parseJson<string[]>(pkg.compatible_models, []);
    if (input.filter.modelId && !models.includes(input.filter.modelId)) {
      throw invalidField('filter.modelId', 'rollouts.package_not_for_model', { package: pkg.name, version: pkg.version, model: await this.modelName(input.filter.modelId), models: (await Promise.all(models.map((m) => this.modelName(m)))).join(', ') });
    }
    const allowDowngrade = input.allowDowngrade ?? false;
    const singleTerminalSites = singleTerminalSitesOf(input);
    if (input.filter.installedVersion && !allowDowngrade && isAtLeast(input.filter.installedVersion, pkg.version) && input.filter.installedVersion !== pkg.version) {
      throw invalidField('allowDowngrade', 'rollouts.downgrade_needs_flag', { installed: input.filter.installedVersion, version: pkg.version });
    }
    const targets = await this.creation.targets(pkg, input.filter, scope);
    if (!targets.matched) throw invalidField('filter', 'rollouts.filter_matches_none');
    const { eligible, excluded } = await this.creation.eligible(pkg, targets.terminals, allowDowngrade);
    if (!eligible.length) {
      const field = excluded.downgrade === targets.matched ? 'allowDowngrade' : 'filter';
      const counts = Object.fromEntries(EXCLUSIONS.map((reason) => [reason, excluded[reason] ?? 0]));
      throw invalidField(field, 'rollouts.none_eligible', { matched: targets.matched, package: pkg.name, version: pkg.version, ...counts });
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

  /** No new installs start; installs under way finish. Waiting jobs are withdrawn and planned again on resume. */
  async pause(id: string, note: string | undefined, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state !== 'running') throw refused('rollouts.campaign_state_conflict', { action: 'pause', name: campaign.name, state: campaign.state }, { retryable: false });
    if (!(await this.repo.moveCampaign(this.repo.db, id, 'running', { state: 'paused', updated_at: this.now() }))) throw refused('campaign.changed_meanwhile', {}, { retryable: true });
    await this.engine.withdrawWaiting(id, 'queued', note ? said('rollouts.action.paused_by_note', { name: actorName, note }) : said('rollouts.action.paused_by', { name: actorName }));
    return this.views.get(id);
  }

  /**
   * Goes on from paused or halted. After a halt on payments the operator's resume counts as accepting the
   * figures: the wave passes and the next starts. After a halt on install failures the wave goes on
   * with the (possibly raised) failure threshold; failures beyond it halt it again.
   */
  async resume(id: string, options: { maxFailureRate?: number | undefined; note?: string | undefined }, actorName: string): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state !== 'paused' && campaign.state !== 'halted') throw refused('rollouts.campaign_state_conflict', { action: 'resume', name: campaign.name, state: campaign.state }, { retryable: false });
    const settings = parseJson<CampaignSettings>(campaign.settings, {} as CampaignSettings);
    if (options.maxFailureRate !== undefined) settings.maxFailureRate = options.maxFailureRate;
    const at = this.now();
    const halt = parseJson<{ kind?: string } | null>(campaign.halt, null);
    // Read before the transaction (on SQLite a query outside it would wait for it forever).
    const halted = (await this.repo.waves(id)).find((w) => w.wave === campaign.current_wave);
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.moveCampaign(trx, id, campaign.state, { state: 'running', settings: JSON.stringify(settings), halt: null, updated_at: at }))) {
        throw refused('campaign.changed_meanwhile', {}, { retryable: true });
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
    return this.views.get(id);
  }

  /** Stops for good: waiting installs are withdrawn, installs under way finish. */
  async cancel(id: string, note: string | undefined, actorName: string, rolledBack = false): Promise<CampaignView> {
    const campaign = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (campaign.state === 'completed' || campaign.state === 'cancelled') throw refused('rollouts.campaign_state_conflict', { action: 'cancel', name: campaign.name, state: campaign.state }, { retryable: false });
    const at = this.now();
    if (!(await this.repo.moveCampaign(this.repo.db, id, campaign.state, { state: 'cancelled', updated_at: at, ended_at: at }))) throw refused('campaign.changed_meanwhile', {}, { retryable: true });
    const why = rolledBack ? said('rollouts.action.cancelled_rolled_back', { name: actorName })
      : note ? said('rollouts.action.cancelled_by_note', { name: actorName, note }) : said('rollouts.action.cancelled_by', { name: actorName });
    await this.engine.withdrawWaiting(id, 'cancelled', why);
    const queued = await this.repo.actionsOf(id, { states: ['queued'] });
    await this.repo.updateActions(this.repo.db, queued.map((a) => a.id), { state: 'cancelled', reason: english(why), ...saidColumns(why), updated_at: at, finished_at: at });
    // Read before the transaction: on SQLite a query outside it would wait for it forever.
    const waves = await this.repo.waves(id);
    await this.repo.transaction(async (trx) => {
      for (const w of waves) await this.repo.moveWave(trx, id, w.wave, ['pending', 'installing', 'observing'], { state: 'cancelled', ended_at: at });
    });
    return this.views.get(id);
  }

  /**
   * Re-installs each updated terminal's previous version, as a new campaign with the same waves and
   * checks. The original stops first. Terminals whose previous version has no ready package (or is not
   * known) are left out and listed with the reason (`leftOut`); only when none can go back is it refused.
   */
  async rollback(id: string, input: { name?: string | undefined; waves?: number[] | undefined }, actorName: string): Promise<CampaignView> {
    const original = (await this.repo.campaign(id)) ?? orNotFound('campaign', id);
    if (original.rollback_of) throw refused('rollouts.rollback_of_rollback', { name: original.name }, { retryable: false });
    const pkg = (await this.repo.package(original.package_id))!;
    const updated = await this.repo.actionsOf(id, { states: ['installed', 'succeeded'] });
    if (!updated.length) throw refused('rollouts.nothing_to_roll_back', { name: original.name });
    const settings = parseJson<CampaignSettings>(original.settings, {} as CampaignSettings);
    const waves = checkedWaves(input.waves ?? settings.waves);

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
    if (!terminals.length) throw refused('rollouts.no_previous_package', { package: pkg.name, versions: [...packageOf.keys()].join(', ') || 'none' });
    // Only now that the rollback can go ahead does the original stop: a refused rollback leaves it running.
    if (original.state !== 'completed' && original.state !== 'cancelled') await this.cancel(id, 'rolled back', actorName, true);
    const counts = groupBy(terminals, (t) => t.packageId);
    const main = [...counts].sort((a, b) => b[1].length - a[1].length)[0]![0];
    return this.creation.start({
      name: input.name ?? `Roll back ${original.name}`, pkg: (await this.repo.package(main))!, filter: parseJson(original.filter, {}), rollbackOf: id, actorName, terminals,
      settings: { ...settings, waves, allowDowngrade: true, seed: randomInt(2 ** 32), excluded: leftOut.length ? { no_previous_package: leftOut.length } : {}, leftOut },
    });
  }
}
