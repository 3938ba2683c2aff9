// Configuration campaigns: a change that needs terminals out of service (a new acquirer host, a key) is
// held pending, then delivered like software — waves, maintenance windows, the continuity rule and the
// payment-health halt of the campaign engine, with rollback to the configuration before it. This is the
// engine's CampaignDelivery for such campaigns, and what happens on the terminal's side: inside its
// maintenance job its configuration fetch gives it the change (or, for a rollback, takes it back), and
// its report of applying it counts as the install. Terminals the campaign skipped (no window, offline,
// held by the continuity rule) keep the configuration before the change and get it from a follow-up
// campaign in their own windows; the configuration tick makes a change delivered everywhere a version
// of its level.
//
// A campaign cancelled (or a follow-up rolled back) ends the change's delivery without undoing anything
// outside a window: like a cancelled software campaign, the terminals that took the change keep it (taking
// it back means taking them out of service again, which is what a rollback is for), and the change is
// `cancelled` with how many keep it. It does not become its level's version (the terminals in service do
// not all have it). A rollback only ever takes back, in its jobs, the terminals its campaign changed; the
// change is rolled_back once no terminal runs it, or cancelled while some (another campaign's) still do.
// A cancelled change is delivered again to the terminals without it, or its campaign rolled back.
import type { Scope } from '../access/roles.ts';
import type { WorkKind } from '../shared/job-states.ts';
import { configurationPackageOf } from '../shared/configuration-package.ts';
import { FLEET } from '../access/roles.ts';
import { AppError, notFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { ChangeRow, ConfigurationChangesRepository } from './configuration.repository.ts';
import type { ChangeCampaignInput, ChangeView, ConfigurationReport, ConfigurationHint } from './configuration.schemas.ts';
import type { Actor, ConfigurationStore } from './configuration-store.ts';
import type { ConfigurationLevels } from './configuration-levels.service.ts';
import type { ConfigurationDelivery } from './delivery.service.ts';
import type { Level } from './parameters.ts';

type CampaignState = 'running' | 'paused' | 'halted' | 'completed' | 'cancelled';

/**
 * What configuration asks of campaigns (wired in services.ts). `Verdict` is the campaign engine's
 * judgement of a wave's payments (rollouts' HealthVerdict), passed through untouched.
 */
export interface ConfigurationCampaignPort<Verdict> {
  createForConfiguration(input: ChangeCampaignInput & { name: string; changeId: string; filter: CampaignTarget; only: Set<string> }, scope: Scope, actorName: string): Promise<{ id: string }>;
  outcome(campaignId: string): Promise<{ state: CampaignState; rollback: { id: string; state: CampaignState } | null; notDelivered: string[] } | undefined>;
  /** The terminal's offered action of a configuration campaign, with whether its job has it out of service. */
  configurationAction(terminalId: string): Promise<{ actionId: number; packageId: string; inJob: boolean } | undefined>;
  /** A report on an action, as a terminal's feedback moves it (only forward). */
  record(actionId: number, report: { reportId: string; status: 'installing' | 'installed'; body: unknown; source: string }): Promise<unknown>;
  /** The payments of a wave's terminals against comparable ones: the same judgement as software. */
  judge(campaign: { id: string; package_id: string }, wave: number): Promise<Verdict>;
  /** A campaign's name and the settings a follow-up keeps. */
  settings(campaignId: string): Promise<FollowUpSettings | undefined>;
}

export interface FollowUpSettings {
  name: string; maxFailureRate: number; observeMinutes: number;
  singleTerminalSites: 'hold' | 'when_closed' | 'allow'; singleTerminalSitesReason: string | null;
}

/**
 * A follow-up starts no sooner than a day after the campaign before it: the terminals it is for missed
 * their window (or had none, or were offline), and their next chance is the next night's window. A
 * terminal that stays unreachable thus costs one campaign a day, not one per tick.
 */
export const FOLLOW_UP_SPACING_MS = 24 * 3_600_000;

export interface CampaignTarget { merchantId?: string; siteId?: string; modelId?: string; tag?: string }

const ENDED: readonly CampaignState[] = ['completed', 'cancelled'];

/** The engine's CampaignDelivery for configuration campaigns (composed with the package delivery in services.ts). */
export class ConfigurationCampaigns<Verdict> {
  constructor(
    private readonly repo: ConfigurationChangesRepository,
    private readonly configuration: ConfigurationStore,
    private readonly levels: ConfigurationLevels,
    private readonly delivery: ConfigurationDelivery,
    private readonly campaigns: ConfigurationCampaignPort<Verdict>,
    private readonly clock: Clock,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- operators
  /** The newest 100 changes the actor may see (a merchant's users: those of its own levels). */
  async list(query: { state?: ChangeRow['state'] | undefined; level?: Level | undefined; scopeId?: string | undefined }, actor: Actor): Promise<ChangeView[]> {
    const scopeId = query.level === 'fleet' ? '' : query.scopeId;
    const rows = await this.repo.list({ ...(query.state && { states: [query.state] }), ...(query.level && { level: query.level }), ...(scopeId !== undefined && { scopeId }), limit: 100 });
    const visible: ChangeView[] = [];
    for (const r of rows) if (actor.scope.kind === 'fleet' || (await this.visible(r, actor))) visible.push(this.levels.changeView(r));
    return visible;
  }

  async get(id: string, actor: Actor): Promise<ChangeView> {
    const row = await this.change(id);
    if (!(await this.visible(row, actor))) throw notFound('configuration change', id);
    return this.levels.changeView(row);
  }

  private async visible(row: ChangeRow, actor: Actor): Promise<boolean> {
    try {
      await this.configuration.scopeFor(row.level, row.level === 'fleet' ? 'fleet' : row.scope_id, actor);
      return true;
    } catch {
      return false;
    }
  }

  private async change(id: string): Promise<ChangeRow> {
    const row = await this.repo.change(id);
    if (!row) throw notFound('configuration change', id);
    return row;
  }

  /**
   * A pending change goes out as a campaign to the terminals under its level; a cancelled one, to those
   * of them that do not run it.
   */
  async deliver(id: string, input: ChangeCampaignInput & { name?: string | undefined }, actor: Actor): Promise<ChangeView> {
    const row = await this.change(id);
    await this.configuration.scopeFor(row.level, row.level === 'fleet' ? 'fleet' : row.scope_id, actor);
    if (row.state !== 'pending' && row.state !== 'cancelled') throw refused('configuration.change_state_conflict', { state: row.state, action: 'deliver' }, { field: 'state', retryable: false });
    if (row.state === 'cancelled') {
      const other = await this.levels.openChange(row.level, row.scope_id, row.id);
      if (other) throw refused('configuration.change_other_open', { state: other.state }, { field: 'state', retryable: false });
    }
    const only = new Set(row.state === 'pending' ? this.configuration.terminalIdsUnder(row.level, row.scope_id) : this.waitingFor(row));
    const parameters = parseJson<{ parameter: string }[]>(row.changes, []).map((c) => c.parameter).join(', ');
    const campaign = await this.campaigns.createForConfiguration({
      ...input, name: input.name ?? `Configuration ${parameters} (${row.level})`, changeId: id, filter: this.targetOf(row), only,
    }, actor.scope, actor.name);
    if (!(await this.repo.move(id, row.state, { state: 'delivering', campaign_id: campaign.id, updated_at: this.now() }))) {
      throw refused('configuration.change_changed_meanwhile', {}, { field: 'state', retryable: true });
    }
    return this.get(id, actor);
  }

  async discard(id: string, actor: Actor): Promise<ChangeView> {
    const row = await this.change(id);
    await this.configuration.scopeFor(row.level, row.level === 'fleet' ? 'fleet' : row.scope_id, actor);
    if (row.state !== 'pending') throw refused('configuration.change_state_conflict', { state: row.state, action: 'discard' }, { field: 'state', retryable: false });
    // Delivered or discarded by someone else between the read and now: asking again tells which.
    if (!(await this.repo.move(id, 'pending', { state: 'discarded', updated_at: this.now() }))) throw refused('configuration.change_changed_meanwhile', {}, { field: 'state', retryable: true });
    return this.get(id, actor);
  }

  private targetOf(row: ChangeRow): CampaignTarget {
    switch (row.level) {
      case 'fleet': return {};
      case 'merchant': return { merchantId: row.scope_id };
      case 'site': return { siteId: row.scope_id };
      case 'group': return this.configuration.cache.groupList().find((g) => g.id === row.scope_id)?.filter ?? {};
      case 'terminal': {
        const siteId = this.configuration.cache.placement(row.scope_id)?.siteId;
        return siteId ? { siteId } : {};
      }
    }
  }

  // ---- the campaign engine's delivery
  /** The work is an update: the terminal is out of service while it takes the new configuration. */
  async job(campaign: { name: string }, packageId: string, wave: number): Promise<{ work: WorkKind; reason: string }> {
    const target = configurationPackageOf(packageId);
    const what = target?.before ? 'restore the configuration before' : 'apply';
    const row = target && (await this.repo.change(target.changeId));
    const parameters = row ? parseJson<{ parameter: string }[]>(row.changes, []).map((c) => c.parameter).join(', ') : 'a configuration change';
    return { work: 'update', reason: `${what} ${parameters} (campaign "${campaign.name}", wave ${wave + 1})` };
  }

  judge(campaign: { id: string; package_id: string }, wave: number): Promise<Verdict> {
    return this.campaigns.judge(campaign, wave);
  }

  // ---- the terminal's side
  /**
   * Before a terminal's configuration fetch: inside the maintenance job of a configuration campaign's
   * action it now runs the change (a rollback's: the configuration before it), so its hash changes at
   * once and the next heartbeat answers it too. Outside such a job nothing changes.
   */
  async beforeFetch(terminalId: string): Promise<void> {
    const action = await this.campaigns.configurationAction(terminalId);
    const target = action && configurationPackageOf(action.packageId);
    if (!action?.inJob || !target) return;
    const row = await this.repo.change(target.changeId);
    // A cancelled change too: an install under way finishes, and a rollback takes it back.
    if (!row || (row.state !== 'delivering' && row.state !== 'cancelled')) return;
    if (target.before) {
      await this.repo.removeHolders(row.id, [terminalId]);
      this.configuration.cache.setHeld(terminalId, undefined);
      // The last terminal that kept a cancelled change gave it back: nobody runs it any more.
      if (row.state === 'cancelled' && (await this.repo.holderCount(row.id)) === 0) await this.repo.move(row.id, 'cancelled', { state: 'rolled_back', updated_at: this.now() });
    } else {
      await this.repo.addHolder(row.id, terminalId, this.now());
      this.configuration.cache.setHeld(terminalId, { changeId: row.id, level: row.level, scopeId: row.scope_id, delta: this.configuration.deltaOf(row) });
    }
    const hash = this.configuration.cache.hashOf(terminalId) ?? '';
    await this.campaigns.record(action.actionId, { reportId: `configuration:${hash}:installing`, status: 'installing', body: { hash }, source: 'configuration' });
  }

  /**
   * The terminal applied a configuration (reported inside its job, before the job completes): remembered
   * like a heartbeat's report, and when it is what its configuration campaign's action gives, the
   * action is installed (the job completing then makes it a success).
   */
  async applied(terminalId: string, report: ConfigurationReport): Promise<ConfigurationHint> {
    const hint = this.delivery.heartbeat(terminalId, report);
    const action = await this.campaigns.configurationAction(terminalId);
    if (action?.inJob && hint && report.appliedHash === hint.hash) {
      await this.campaigns.record(action.actionId, { reportId: `configuration:${hint.hash}:installed`, status: 'installed', body: report, source: 'configuration' });
    }
    return hint;
  }

  // ---- the configuration tick
  /**
   * Changes being delivered: a completed campaign makes the change a version of its level; a cancelled
   * one ends its delivery (cancelled: the terminals that took it keep it); a finished rollback ends it —
   * rolled_back when no terminal runs it any more, cancelled when terminals it did not take back (another
   * campaign's, or ones it could not reach) still do; terminals whose action ended without the change (a
   * failed job) go back to their level's configuration. Returns how many changes ended.
   */
  async tick(): Promise<number> {
    let ended = 0;
    for (const row of await this.repo.list({ states: ['delivering'], limit: 1000 })) {
      const outcome = row.campaign_id ? await this.campaigns.outcome(row.campaign_id) : undefined;
      if (!outcome) continue;
      const at = this.now();
      if (outcome.rollback) {
        // Its jobs took the change back from the terminals this campaign had given it, each in a window;
        // nobody else is released at a heartbeat.
        if (!ENDED.includes(outcome.rollback.state)) continue;
        const kept = await this.repo.holderCount(row.id);
        if (await this.repo.move(row.id, 'delivering', { state: kept ? 'cancelled' : 'rolled_back', updated_at: at })) ended++;
        continue;
      }
      if (!outcome.rollback && outcome.state === 'completed') {
        // Terminals under the level the campaign did not give the change keep the configuration before it
        // (they are not holders, so their hash is the level's old one) until a follow-up reaches them.
        const waiting = this.waitingFor(row);
        if (waiting.length && !(await this.followUp(row, waiting))) continue;
        const version = await this.levels.commitChange(row, row.created_by);
        if (await this.repo.move(row.id, 'delivering', { state: 'applied', version, updated_at: at })) {
          await this.repo.removeHolders(row.id);
          ended++;
        }
        continue;
      }
      const back = outcome.notDelivered.filter((id) => this.configuration.cache.heldBy(id)?.changeId === row.id);
      if (back.length) {
        await this.repo.removeHolders(row.id, back);
        for (const id of back) this.configuration.cache.setHeld(id, undefined);
      }
      if (outcome.state === 'cancelled' && (await this.repo.move(row.id, 'delivering', { state: 'cancelled', updated_at: at }))) ended++;
    }
    return ended;
  }

  /** The terminals under the change's level that do not run it yet. */
  private waitingFor(row: ChangeRow): string[] {
    return this.configuration.terminalIdsUnder(row.level, row.scope_id).filter((id) => this.configuration.cache.heldBy(id)?.changeId !== row.id);
  }

  /**
   * Starts a follow-up campaign for the terminals still waiting (one wave: the change already proved
   * itself on the first campaign's waves; the same failure rate and observation), a day after the
   * campaign before it at the earliest. A site's only terminal, which 'hold' kept trading, is taken
   * while its site is closed ('when_closed'): held again it would wait for ever. Answers true when
   * nobody is left to wait for (none of them is in service any more): the change may then become its
   * level's version.
   */
  private async followUp(row: ChangeRow, waiting: string[]): Promise<boolean> {
    if (this.clock().getTime() - Date.parse(row.updated_at) < FOLLOW_UP_SPACING_MS) return false;
    const previous = row.campaign_id ? await this.campaigns.settings(row.campaign_id) : undefined;
    if (!previous) return false;
    const at = this.now();
    // Claimed first (only from the state it was read in), so two server processes never both start one.
    if (!(await this.repo.touch(row.id, row.updated_at, at))) return false;
    const name = `${previous.name.replace(/ \(follow-up: \d+ terminals?\)$/, '')} (follow-up: ${waiting.length} ${waiting.length === 1 ? 'terminal' : 'terminals'})`;
    try {
      const campaign = await this.campaigns.createForConfiguration({
        name, waves: [100], maxFailureRate: previous.maxFailureRate, observeMinutes: previous.observeMinutes,
        ...(previous.singleTerminalSites === 'allow'
          ? { singleTerminalSites: 'allow' as const, singleTerminalSitesReason: previous.singleTerminalSitesReason ?? 'allowed by the campaign before it' }
          : { singleTerminalSites: 'when_closed' as const }),
        changeId: row.id, filter: this.targetOf(row), only: new Set(waiting),
      }, FLEET, row.created_by);
      await this.repo.move(row.id, 'delivering', { campaign_id: campaign.id, updated_at: at });
      return false;
    } catch (error) {
      // No terminal in service is left to wait (retired, in storage): nothing holds the change back.
      if (error instanceof AppError && error.key === 'rollouts.change_reaches_none') return true;
      // Otherwise (e.g. all of them in another campaign) it is tried again a day later.
      if (error instanceof AppError) return false;
      throw error;
    }
  }
}
