// Fleet versions: the fleet as rollouts see it — versions per model, the share on the latest security
// patch, actions stuck in a state, versions installed outside PosFleet — and each terminal's versions.
import type { Scope } from '../access/roles.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import { WAITING } from '../shared/job-states.ts';
import { notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { OFFERED } from './action-states.ts';
import type { RolloutSettings } from './campaigns.ts';
import { isAtLeast } from './eligibility.ts';
import { reportsVersion } from './installed-version.ts';
import type { PackageRow, RolloutsRepository } from './rollouts.repository.ts';
import type { VersionChangeView } from './rollouts.schemas.ts';

export class FleetVersionsService {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
    private readonly settings: Pick<RolloutSettings, 'stuckAfterMinutes'>,
  ) {}

  /** The versions a terminal the caller may see went through, newest first (the last 100). */
  async versionsOf(terminalId: string, scope: Scope): Promise<VersionChangeView[]> {
    if (!(await this.estate.findTerminal(terminalId, scope))) throw notFound('terminal', terminalId);
    return (await this.repo.versionChangesOf(terminalId, 100)).map((v) => ({
      kind: v.kind, fromVersion: v.from_version, toVersion: v.to_version, at: v.at, campaignId: v.campaign_id ?? null,
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
    for (const p of ready.filter((p) => p.security_patch === 1 && reportsVersion(p.kind))) {
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
