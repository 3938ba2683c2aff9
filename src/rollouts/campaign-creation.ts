// Creating a campaign, whoever asks for it (an operator, a baseline, a configuration change): the input
// checks every campaign shares, the terminals a package reaches and which of them may receive it, and
// writing the campaign with its waves and actions so the engine moves it on at once.
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { RolloutActionTable } from '../db/schema.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { OFFERED } from './action-states.ts';
import type { CampaignEngine } from './campaign-engine.service.ts';
import type { CampaignViews } from './campaign-views.service.ts';
import type { CampaignSettings } from './campaigns.ts';
import { exclusionOf, type Exclusion } from './eligibility.ts';
import { installedVersion, reportsVersion } from './installed-version.ts';
import type { CampaignRow, PackageRow, RolloutsRepository, WaveRow } from './rollouts.repository.ts';
import type { CampaignFilter, CampaignInput, CampaignView } from './rollouts.schemas.ts';
import { assignWaves, checkWaves } from './waves.ts';

/** A campaign to write: what it delivers to which terminals, and the settings it keeps. */
export interface NewCampaign {
  name: string;
  pkg: PackageRow;
  filter: CampaignFilter;
  rollbackOf: string | null;
  actorName: string;
  settings: CampaignSettings;
  terminals: { terminal: Terminal; packageId: string; previousVersion: string | null }[];
}

/** The waves asked for (by default 1, 10, 50 and 100 %), refused by name when they make no sense. */
export function checkedWaves(waves: number[] | undefined): number[] {
  const checked = waves ?? [1, 10, 50, 100];
  const problem = checkWaves(checked);
  if (problem) throw invalidField(problem.field, 'rollouts.waves_invalid', problem.params);
  return checked;
}

/** What the continuity rule may do with a terminal alone at its site: 'allow' needs a reason. */
export function singleTerminalSitesOf(input: Pick<CampaignInput, 'singleTerminalSites' | 'singleTerminalSitesReason'>): NonNullable<CampaignSettings['singleTerminalSites']> {
  const singleTerminalSites = { policy: input.singleTerminalSites ?? 'hold', reason: input.singleTerminalSitesReason?.trim() || null };
  if (singleTerminalSites.policy === 'allow' && !singleTerminalSites.reason) {
    throw invalidField('singleTerminalSitesReason', 'rollouts.single_site_reason_required');
  }
  return singleTerminalSites;
}

export class CampaignCreation {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly engine: Pick<CampaignEngine, 'advance'>,
    private readonly views: Pick<CampaignViews, 'get'>,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
  ) {}

  /** The terminals in service the filter matches (among `only`, when given), on the filter's installed version if it names one. */
  async targets(pkg: PackageRow, filter: CampaignFilter, scope: Scope, only?: Set<string>) {
    const { installedVersion: onVersion, ...estateFilter } = filter;
    const installed = await this.installedVersions(pkg);
    const terminals: Terminal[] = [];
    let matched = 0;
    for await (const page of this.estate.eachTerminal({ ...estateFilter, status: 'active' }, scope)) {
      for (const t of page) {
        if (only && !only.has(t.id)) continue;
        if (onVersion && installed(t) !== onVersion) continue;
        matched++;
        terminals.push(t);
      }
    }
    return { matched, terminals };
  }

  /** Of `terminals`, those that may receive the package (with their installed version), and how many may not, by reason. */
  async eligible(pkg: PackageRow, terminals: Terminal[], allowDowngrade: boolean) {
    const facts = { version: pkg.version, compatibleModels: parseJson<string[]>(pkg.compatible_models, []), minInstalledVersion: pkg.min_installed_version };
    const installed = await this.installedVersions(pkg);
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

  /** Writes the campaign, its waves and its actions (all queued), and lets the engine start its first wave. */
  async start(c: NewCampaign): Promise<CampaignView> {
    const at = this.clock().toISOString();
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
    return this.views.get(id);
  }

  /** How to read a terminal's installed version of the package's kind (other kinds' from past campaigns: read once). */
  private async installedVersions(pkg: PackageRow): Promise<(t: Terminal) => string | null> {
    const lastInstalled = reportsVersion(pkg.kind) ? new Map<string, string>() : await this.repo.lastInstalled(pkg.kind, pkg.name);
    return (t) => installedVersion(pkg.kind, t, lastInstalled);
  }
}
