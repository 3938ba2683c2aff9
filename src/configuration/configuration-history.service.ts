// A level's versions (who, when, why, old → new, secrets masked) and revert: an earlier version's values
// given back as a new version, checked like any change.
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Actor, ConfigurationStore } from './configuration-store.ts';
import type { ConfigurationRepository, VersionRow } from './configuration.repository.ts';
import type { RevertInput, VersionView } from './configuration.schemas.ts';
import { maskChange, needsMaintenance, type Change, type Level, type Values } from './parameters.ts';
import { checkChange } from './value-checks.ts';

export class ConfigurationHistory {
  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly store: ConfigurationStore,
  ) {}

  async history(level: Level, scopeIdParam: string, actor: Actor, limit = 100): Promise<VersionView[]> {
    const scopeId = await this.store.scopeFor(level, scopeIdParam, actor);
    return (await this.repo.versions(level, scopeId, limit)).map((v) => this.versionView(v));
  }

  /** Gives a level back the values it had after an earlier version (0: none), as a new version. */
  async revert(level: Level, scopeIdParam: string, input: RevertInput, actor: Actor) {
    const scopeId = await this.store.scopeFor(level, scopeIdParam, actor);
    let target: Values = {};
    if (input.version > 0) {
      const row = await this.repo.version(level, scopeId, input.version);
      if (!row) throw invalidField('version', 'configuration.version_missing', { level, version: input.version });
      target = this.store.opened(parseJson<Values>(row.values, {}));
    }
    const before = this.store.cache.levelValues(level, scopeId);
    // Clearing what the earlier version did not have, setting what it had: checked like any change.
    const values: Values = Object.fromEntries([...Object.keys(before).map((k) => [k, null]), ...Object.entries(target)]);
    const { after, changes } = await checkChange(this.store, level, scopeId, values, actor);
    if (changes.length === 0) throw invalidField('version', 'configuration.version_same', { level, version: input.version });
    const row = await this.store.write(level, scopeId, after, changes, input.reason, input.version, actor.name);
    const parameters = this.store.parameters;
    return {
      level, scopeId: scopeIdParam, version: row.version, changes: changes.map((c) => maskChange(c, parameters)),
      terminals: this.store.terminalsUnder(level, scopeId), needsMaintenance: needsMaintenance(changes, parameters), pending: null,
    };
  }

  private versionView(v: VersionRow): VersionView {
    return {
      version: v.version, changes: parseJson<Change[]>(v.changes, []).map((c) => maskChange(c, this.store.parameters)), reason: v.reason,
      revertsTo: v.reverts_to, createdBy: v.created_by, createdAt: v.created_at,
    };
  }
}
