// Values per level (fleet → merchant → site → saved group → terminal): reading a level, the diff before
// apply, and a change — live at once, or, when it touches a parameter that needs the terminal out of
// service, held as a pending change until a configuration campaign delivers it (and then committed as a
// version of its level).
import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { invalidField, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { Actor, ConfigurationStore } from './configuration-store.ts';
import type { ChangeRow, ConfigurationChangesRepository, ConfigurationRepository } from './configuration.repository.ts';
import type { ChangeView, DiffView, SetInput } from './configuration.schemas.ts';
import { diff, maskChange, maskValues, needsMaintenance, type Change, type Level, type Values } from './parameters.ts';
import { checkChange } from './value-checks.ts';

export class ConfigurationLevels {
  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly changes: ConfigurationChangesRepository,
    private readonly store: ConfigurationStore,
    private readonly clock: Clock,
  ) {}

  async getLevel(level: Level, scopeIdParam: string, actor: Actor) {
    const scopeId = await this.store.scopeFor(level, scopeIdParam, actor);
    const latest = await this.repo.latestVersion(level, scopeId);
    return { level, scopeId: scopeIdParam, version: latest?.version ?? 0, values: maskValues(this.store.cache.levelValues(level, scopeId), this.store.parameters) };
  }

  /** What a change would do, without storing it: the diff before apply. */
  async preview(level: Level, scopeIdParam: string, input: Pick<SetInput, 'values'>, actor: Actor): Promise<Static<typeof DiffView>> {
    const scopeId = await this.store.scopeFor(level, scopeIdParam, actor);
    const { changes } = await checkChange(this.store, level, scopeId, input.values, actor);
    const parameters = this.store.parameters;
    return { level, scopeId: scopeIdParam, changes: changes.map((c) => maskChange(c, parameters)), terminals: this.store.terminalsUnder(level, scopeId), needsMaintenance: needsMaintenance(changes, parameters) };
  }

  async set(level: Level, scopeIdParam: string, input: SetInput, actor: Actor) {
    const scopeId = await this.store.scopeFor(level, scopeIdParam, actor);
    const { after, changes } = await checkChange(this.store, level, scopeId, input.values, actor);
    if (changes.length === 0) throw invalidField('values', 'configuration.unchanged');
    const parameters = this.store.parameters;
    const outOfService = needsMaintenance(changes, parameters);
    if (outOfService && input.delivery !== 'now') {
      // Not live: held until a configuration campaign delivers it in the terminals' maintenance windows.
      const current = (await this.repo.latestVersion(level, scopeId))?.version ?? 0;
      if (input.expectedVersion !== undefined && input.expectedVersion !== current) {
        throw refused('configuration.changed_since', { level, expected: input.expectedVersion, current }, { field: 'expectedVersion', retryable: false });
      }
      const open = await this.openChange(level, scopeId);
      if (open) throw refused('configuration.change_open', { level, state: open.state }, { field: 'values', retryable: false });
      const delta = Object.fromEntries(changes.map((c) => [c.parameter, c.new]));
      const at = this.clock().toISOString();
      const row: ChangeRow = {
        id: randomUUID(), level, scope_id: scopeId, delta: JSON.stringify(this.store.sealed(delta)), changes: JSON.stringify(this.store.sealedChanges(changes)), reason: input.reason, state: 'pending',
        campaign_id: null, version: null, created_by: actor.name, created_at: at, updated_at: at,
      };
      await this.changes.insert(row);
      return {
        level, scopeId: scopeIdParam, version: current, changes: changes.map((c) => maskChange(c, parameters)),
        terminals: this.store.terminalsUnder(level, scopeId), needsMaintenance: true, pending: this.changeView(row),
      };
    }
    const row = await this.store.write(level, scopeId, after, changes, input.reason, null, actor.name, input.expectedVersion);
    return {
      level, scopeId: scopeIdParam, version: row.version, changes: changes.map((c) => maskChange(c, parameters)),
      terminals: this.store.terminalsUnder(level, scopeId), needsMaintenance: outOfService, pending: null,
    };
  }

  /**
   * The level's change that needs maintenance and is not over: pending, being delivered, or cancelled
   * with terminals that kept it (a second one on top would leave them with two deltas of one level).
   */
  async openChange(level: Level, scopeId: string, except?: string): Promise<ChangeRow | undefined> {
    const open = (await this.changes.list({ states: ['pending', 'delivering'], level, scopeId, limit: 2 })).find((r) => r.id !== except);
    return open ?? (await this.changes.keptCancelled(level, scopeId)).find((r) => r.id !== except);
  }

  /** A held change as a person sees it (secrets masked). */
  changeView(row: ChangeRow): ChangeView {
    const parameters = this.store.parameters;
    return {
      id: row.id, level: row.level, scopeId: row.level === 'fleet' ? 'fleet' : row.scope_id, changes: parseJson<Change[]>(row.changes, []).map((c) => maskChange(c, parameters)),
      reason: row.reason, state: row.state, campaignId: row.campaign_id, version: row.version, terminals: this.store.terminalsUnder(row.level, row.scope_id),
      holders: this.store.cache.holders(row.id).length, waiting: this.waiting(row), createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }

  /** While a change is delivered: the terminals under its level still on the configuration before it. */
  private waiting(row: ChangeRow): number {
    if (row.state !== 'delivering') return 0;
    const holders = new Set(this.store.cache.holders(row.id));
    return this.store.terminalIdsUnder(row.level, row.scope_id).filter((id) => !holders.has(id)).length;
  }

  /**
   * A held change becomes a version of its level (its campaign delivered it everywhere): merged onto the
   * level's values as they are now (live changes made meanwhile stay).
   */
  async commitChange(row: ChangeRow, actor: string): Promise<number> {
    const delta = this.store.deltaOf(row);
    const before = this.store.cache.levelValues(row.level, row.scope_id);
    const after: Values = { ...before };
    for (const [name, value] of Object.entries(delta)) {
      if (value === null) delete after[name];
      else after[name] = value;
    }
    const changes = diff(before, after);
    const version = changes.length
      ? (await this.store.write(row.level, row.scope_id, after, changes, `${row.reason} (configuration campaign)`, null, actor)).version
      : (await this.repo.latestVersion(row.level, row.scope_id))?.version ?? 0;
    for (const id of this.store.cache.holders(row.id)) this.store.cache.setHeld(id, undefined);
    return version;
  }
}
