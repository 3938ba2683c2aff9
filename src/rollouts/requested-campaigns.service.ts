// Campaigns another capability starts, not an operator: a baseline's missing version brought to the
// terminals that lack it, and a configuration change that needs terminals out of service. They move,
// halt and roll back like any campaign; only how they are put together differs.
import { randomInt } from 'node:crypto';
import { FLEET, type Scope } from '../access/roles.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { CONFIGURATION_KEY_ID, CONFIGURATION_PACKAGE_KIND, CONFIGURATION_PACKAGE_NAME, configurationPackageId } from '../shared/configuration-package.ts';
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { OFFERED } from './action-states.ts';
import { checkedWaves, singleTerminalSitesOf, type CampaignCreation } from './campaign-creation.ts';
import type { PackagesService } from './packages.service.ts';
import type { PackageRow, RolloutsRepository } from './rollouts.repository.ts';
import type { CampaignFilter, CampaignInput, CampaignView } from './rollouts.schemas.ts';

export class RequestedCampaigns {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly creation: CampaignCreation,
    private readonly packages: Pick<PackagesService, 'assignable'>,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
  ) {}

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
      const matched = (await this.creation.targets(pkg, {}, FLEET, only)).terminals;
      const { eligible, excluded } = await this.creation.eligible(pkg, matched, false);
      for (const t of only) left.delete(t);
      if (!eligible.length) continue;
      const campaign = await this.creation.start({
        name: input.name, pkg, filter: {}, rollbackOf: null, actorName,
        terminals: eligible.map((t) => ({ terminal: t.terminal, packageId: pkg.id, previousVersion: t.installed })),
        // One wave, judged on installs and payments like any campaign; never a downgrade.
        settings: { waves: [100], maxFailureRate: 0.1, observeMinutes: 60, allowDowngrade: false, seed: randomInt(2 ** 32), excluded, singleTerminalSites: { policy: 'hold', reason: null } },
      });
      campaigns.push(campaign.id);
    }
    return { campaigns, notDelivered: [...left.keys()] };
  }

  /**
   * A configuration change delivered like software: the terminals `only` names among those `filter`
   * matches get it in waves inside their windows, judged on payments; a rollback gives the configuration
   * before it back. The change is two stand-in package rows (see shared/configuration-package.ts).
   */
  async createForConfiguration(input: Omit<CampaignInput, 'packageId' | 'filter' | 'allowDowngrade'> & { changeId: string; filter: CampaignFilter; only: Set<string> }, scope: Scope, actorName: string): Promise<CampaignView> {
    const waves = checkedWaves(input.waves);
    const singleTerminalSites = singleTerminalSitesOf(input);
    const terminals: Terminal[] = [];
    for await (const page of this.estate.eachTerminal({ ...input.filter, status: 'active' }, scope)) terminals.push(...page.filter((t) => input.only.has(t.id)));
    if (!terminals.length) throw invalidField('filter', 'rollouts.change_reaches_none');
    const busy = await this.repo.busyTerminals(terminals.map((t) => t.id), [...OFFERED, 'queued']);
    const eligible = terminals.filter((t) => !busy.has(t.id));
    if (!eligible.length) throw invalidField('filter', 'rollouts.change_all_busy', { count: terminals.length });
    const at = this.clock().toISOString();
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
    return this.creation.start({
      name: input.name, pkg, filter: input.filter, rollbackOf: null, actorName,
      terminals: eligible.map((terminal) => ({ terminal, packageId: pkg.id, previousVersion: `${input.changeId}:before` })),
      settings: {
        waves, maxFailureRate: input.maxFailureRate ?? 0.1, observeMinutes: input.observeMinutes ?? 60, allowDowngrade: true, seed: input.seed ?? randomInt(2 ** 32),
        excluded: busy.size ? { in_other_campaign: busy.size } : {}, singleTerminalSites,
      },
    });
  }
}
