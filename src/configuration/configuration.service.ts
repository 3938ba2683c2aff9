// Terminal configuration's use cases: parameter schemas, values per level (fleet → merchant → site →
// saved group → terminal), versioned changes with diff, history and revert, TID/MID CSV, each
// terminal's effective configuration with the source of every value, and the rules of who may edit what.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { ConfigLevel } from '../db/schema.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { ChangeRow, ConfigurationChangesRepository, ConfigurationRepository } from './configuration.repository.ts';
import { StaleVersion, type SchemaRow, type VersionRow } from './configuration.repository.ts';
import type { ChangeView, DiffView, EffectiveView, GroupInput, RevertInput, SchemaInput, SchemaView, SetInput, VersionView } from './configuration.schemas.ts';
import { EffectiveCache, inGroup, type Group, type GroupFilter, type HeldChange } from './effective-cache.ts';
import { diff, maskChange, maskValues, needsMaintenance, SchemaChecker, schemaProblem, type Change, type Level, type ParameterSchema, type Values } from './parameters.ts';
import { SecretBox } from './secret-box.ts';
import { parseCsvValues, toCsv, type CsvRow } from './values-csv.ts';
import { BATCH_CLOSE_PARAMETER } from '../maintenance/windows/batch-close.ts';
import type { Static } from 'typebox';

/** Who is asking: their name for the record and the part of the estate they may touch. */
export interface Actor { name: string; scope: Scope }

/** What configuration asks of the estate: whether a scope exists and the caller may see it. */
export interface EstateLookup {
  findMerchant(id: string, scope: Scope): Promise<unknown>;
  findSite(id: string, scope: Scope): Promise<unknown>;
  findTerminal(id: string, scope: Scope): Promise<unknown>;
}

export class ConfigurationService {
  readonly cache = new EffectiveCache();
  private current: SchemaRow | undefined;
  private checker = new SchemaChecker({});
  private loadedChangeAt: string | null = null;

  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly estate: EstateLookup,
    private readonly clock: Clock,
    private readonly changes: ConfigurationChangesRepository,
    /** Seals secret values for storage (AES-256-GCM); only the terminal's own fetch sees them opened. */
    private readonly box: SecretBox,
  ) {}

  private sealed(values: Values): Values {
    return Object.fromEntries(Object.entries(values).map(([n, v]) => [n, this.parameters[n]?.secret && v !== null && v !== undefined ? this.box.seal(v) : v]));
  }

  private opened(values: Values): Values {
    return Object.fromEntries(Object.entries(values).map(([n, v]) => [n, this.box.open(v)]));
  }

  private sealedChanges(changes: Change[]): Change[] {
    return changes.map((c) => (this.parameters[c.parameter]?.secret
      ? { parameter: c.parameter, old: c.old === null ? null : this.box.seal(c.old), new: c.new === null ? null : this.box.seal(c.new) }
      : c));
  }

  /**
   * Secret values an older PosFleet stored in plain (or stored before the schema marked them secret)
   * are sealed where they lie: the level's values and every version's values and diff.
   */
  private async sealPlainSecrets(values: { level: ConfigLevel; scopeId: string; values: Values }[]): Promise<void> {
    const secret = (n: string) => !!this.parameters[n]?.secret;
    let found = false;
    for (const v of values) {
      for (const [n, value] of Object.entries(v.values)) {
        if (!secret(n) || value === null || SecretBox.isSealed(value)) continue;
        await this.repo.rewriteValue(v.level, v.scopeId, n, this.box.seal(value));
        found = true;
      }
    }
    if (!found) return;
    for (const row of await this.repo.allVersions()) {
      const stored = parseJson<Values>(row.values, {});
      const changes = parseJson<Change[]>(row.changes, []);
      const values2 = this.sealed(stored);
      const changes2 = this.sealedChanges(changes);
      if (JSON.stringify(values2) !== row.values || JSON.stringify(changes2) !== row.changes) await this.repo.rewriteVersion(row.id, JSON.stringify(values2), JSON.stringify(changes2));
    }
  }

  /** Loads every schema, value, terminal placement and held change into memory (at start, and by the tick). */
  async load(): Promise<void> {
    const [schemas, values, groups, placements, changeAt, held] = await Promise.all([
      this.repo.schemas(), this.repo.allValues(), this.repo.groups(), this.repo.placements(), this.repo.lastChangeAt(), this.heldChanges(),
    ]);
    this.useSchema(schemas.at(-1));
    await this.sealPlainSecrets(values);
    this.cache.load({ parameters: this.parameters, values: values.map((v) => ({ ...v, values: this.opened(v.values) })), groups: groups.map(toGroup), placements, held });
    this.loadedChangeAt = changeAt;
  }

  private async heldChanges(): Promise<Map<string, HeldChange>> {
    return new Map((await this.changes.holders()).map((h) => [h.terminal_id, { changeId: h.change_id, level: h.level, scopeId: h.scope_id, delta: this.opened(parseJson<Values>(h.delta, {})) }]));
  }

  /**
   * Another server process may have changed values, and terminals move between sites: reload when a
   * version was written since, else refresh only the terminals' placements. Run by the configuration tick.
   */
  async refresh(): Promise<void> {
    const changeAt = await this.repo.lastChangeAt();
    if (changeAt !== this.loadedChangeAt) return this.load();
    const [placements, held] = await Promise.all([this.repo.placements(), this.heldChanges()]);
    for (const id of [...this.cache.terminalIds()]) {
      if (!placements.has(id)) this.cache.setPlacement(id, undefined);
      else if (!held.has(id) && this.cache.heldBy(id)) this.cache.setHeld(id, undefined);
    }
    for (const [id, h] of held) if (this.cache.heldBy(id)?.changeId !== h.changeId) this.cache.setHeld(id, h);
    for (const [id, p] of placements) {
      const known = this.cache.placement(id);
      if (!known || known.siteId !== p.siteId || known.modelId !== p.modelId || known.tags.join() !== p.tags.join()) this.cache.setPlacement(id, p);
    }
  }

  private unplaced = new Set<string>();
  private placing: Promise<void> | undefined;

  /**
   * A terminal the cache does not know yet (enrolled or created since the last refresh): its place is
   * looked up once, off the heartbeat's path, together with any others that came in meanwhile.
   */
  placeSoon(terminalId: string): void {
    this.unplaced.add(terminalId);
    this.placing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.placeNow()).catch(() => undefined).finally(() => { this.placing = undefined; });
  }

  private async placeNow(): Promise<void> {
    const ids = [...this.unplaced].slice(0, 5000);
    for (const id of ids) this.unplaced.delete(id);
    for (const [id, p] of await this.repo.placements(ids)) this.cache.setPlacement(id, p);
  }

  get parameters(): ParameterSchema {
    return this.current ? parseJson<ParameterSchema>(this.current.parameters, {}) : {};
  }

  private useSchema(row: SchemaRow | undefined): void {
    this.current = row;
    this.checker = new SchemaChecker(this.parameters);
  }

  // ---- schemas
  /** Why a schema cannot be an application version's ([field, reason]), or null: checked before anything is stored. */
  async schemaProblemOf(application: string, version: string, parameters: ParameterSchema): Promise<[string, string] | null> {
    const problem = schemaProblem(parameters);
    if (problem) return problem;
    for (const [name, spec] of Object.entries(parameters)) {
      if (spec.unique && (spec.levels?.length !== 1 || spec.levels[0] !== 'terminal')) return [`parameters.${name}.levels`, 'a unique parameter (TID, MID) is set per terminal only: levels ["terminal"]'];
    }
    if (this.current && this.current.application !== application) {
      return ['application', `PosFleet configures one application per fleet, ${this.current.application}; its schemas only are accepted`];
    }
    if (await this.repo.schemaVersion(application, version)) return ['version', `${application} ${version} already has a parameter schema`];
    return null;
  }

  async registerSchema(input: SchemaInput, actor: string): Promise<SchemaView> {
    const parameters = input.parameters as ParameterSchema;
    const problem = await this.schemaProblemOf(input.application, input.version, parameters);
    if (problem) throw problem[0] === 'version' || problem[0] === 'application' ? conflict(problem[1], problem[0]) : invalid(problem[0], problem[1]);
    const row: SchemaRow = {
      id: randomUUID(), application: input.application, version: input.version, parameters: JSON.stringify(parameters), package_id: input.packageId ?? null,
      created_by: actor, created_at: this.clock().toISOString(),
    };
    await this.repo.insertSchema(row);
    this.useSchema(row);
    this.cache.setSchema(parameters);
    return this.schemaView(row);
  }

  async listSchemas(): Promise<SchemaView[]> {
    return (await this.repo.schemas()).map((r) => this.schemaView(r));
  }

  private schemaView(r: SchemaRow): SchemaView {
    return {
      id: r.id, application: r.application, version: r.version, packageId: r.package_id, parameters: parseJson(r.parameters, {}),
      current: r.id === this.current?.id, createdBy: r.created_by, createdAt: r.created_at,
    };
  }

  // ---- saved groups
  async createGroup(input: GroupInput, actor: string) {
    if (await this.repo.groupByName(input.name)) throw conflict(`a group named ${input.name} already exists`, 'name');
    const row = { id: randomUUID(), name: input.name, filter: JSON.stringify(input.filter), created_by: actor, created_at: this.clock().toISOString() };
    await this.repo.insertGroup(row);
    this.cache.setGroups((await this.repo.groups()).map(toGroup));
    return { id: row.id, name: row.name, filter: input.filter, createdAt: row.created_at };
  }

  /** The saved group with exactly this filter, and its level's newest version (0: no values yet). */
  async groupVersion(filter: GroupFilter): Promise<{ groupId: string; version: number } | undefined> {
    const same = (a: GroupFilter, b: GroupFilter) => a.merchantId === b.merchantId && a.siteId === b.siteId && a.modelId === b.modelId && a.tag === b.tag;
    const group = this.cache.groupList().find((g) => same(g.filter, filter));
    if (!group) return undefined;
    return { groupId: group.id, version: (await this.repo.latestVersion('group', group.id))?.version ?? 0 };
  }

  async listGroups() {
    return (await this.repo.groups()).map((g) => ({ id: g.id, name: g.name, filter: parseJson<GroupFilter>(g.filter, {}), createdAt: g.created_at }));
  }

  // ---- values per level
  async getLevel(level: Level, scopeIdParam: string, actor: Actor) {
    const scopeId = await this.visibleScope(level, scopeIdParam, actor);
    const latest = await this.repo.latestVersion(level, scopeId);
    return { level, scopeId: scopeIdParam, version: latest?.version ?? 0, values: maskValues(this.cache.levelValues(level, scopeId), this.parameters) };
  }

  /** What a change would do, without storing it: the diff before apply. */
  async preview(level: Level, scopeIdParam: string, input: Pick<SetInput, 'values'>, actor: Actor): Promise<Static<typeof DiffView>> {
    const scopeId = await this.visibleScope(level, scopeIdParam, actor);
    const { changes } = this.check(level, scopeId, input.values, actor);
    return { level, scopeId: scopeIdParam, changes: changes.map((c) => maskChange(c, this.parameters)), terminals: this.terminalsUnder(level, scopeId), needsMaintenance: needsMaintenance(changes, this.parameters) };
  }

  async set(level: Level, scopeIdParam: string, input: SetInput, actor: Actor) {
    const scopeId = await this.visibleScope(level, scopeIdParam, actor);
    const { after, changes } = this.check(level, scopeId, input.values, actor);
    if (changes.length === 0) throw invalid('values', 'changes nothing: every value is already set so at this level');
    const outOfService = needsMaintenance(changes, this.parameters);
    if (outOfService && input.delivery !== 'now') {
      // Not live: held until a configuration campaign delivers it in the terminals' maintenance windows.
      const current = (await this.repo.latestVersion(level, scopeId))?.version ?? 0;
      if (input.expectedVersion !== undefined && input.expectedVersion !== current) throw conflict(`${level} ${scopeId} changed since version ${input.expectedVersion} (now ${current}): review the new values first`, 'expectedVersion');
      const open = await this.changes.list({ states: ['pending', 'delivering'], level, scopeId, limit: 1 });
      if (open.length) throw conflict(`${level} ${scopeIdParam} already has a change that needs maintenance (${open[0]!.state}): deliver or discard it first`, 'values');
      const delta = Object.fromEntries(changes.map((c) => [c.parameter, c.new]));
      const at = this.clock().toISOString();
      const row: ChangeRow = {
        id: randomUUID(), level, scope_id: scopeId, delta: JSON.stringify(this.sealed(delta)), changes: JSON.stringify(this.sealedChanges(changes)), reason: input.reason, state: 'pending',
        campaign_id: null, version: null, created_by: actor.name, created_at: at, updated_at: at,
      };
      await this.changes.insert(row);
      return {
        level, scopeId: scopeIdParam, version: current, changes: changes.map((c) => maskChange(c, this.parameters)),
        terminals: this.terminalsUnder(level, scopeId), needsMaintenance: true, pending: this.changeView(row),
      };
    }
    const row = await this.write(level, scopeId, after, changes, input.reason, null, actor.name, input.expectedVersion);
    return {
      level, scopeId: scopeIdParam, version: row.version, changes: changes.map((c) => maskChange(c, this.parameters)),
      terminals: this.terminalsUnder(level, scopeId), needsMaintenance: outOfService, pending: null,
    };
  }

  /** A held change as a person sees it (secrets masked). */
  changeView(row: ChangeRow): ChangeView {
    return {
      id: row.id, level: row.level, scopeId: row.level === 'fleet' ? 'fleet' : row.scope_id, changes: parseJson<Change[]>(row.changes, []).map((c) => maskChange(c, this.parameters)),
      reason: row.reason, state: row.state, campaignId: row.campaign_id, version: row.version, terminals: this.terminalsUnder(row.level, row.scope_id),
      holders: this.cache.holders(row.id).length, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }

  /**
   * A held change becomes a version of its level (its campaign delivered it everywhere): merged onto the
   * level's values as they are now (live changes made meanwhile stay), checked against the schema again.
   */
  /** A held change's delta as it applies (secrets opened). */
  deltaOf(row: Pick<ChangeRow, 'delta'>): Values {
    return this.opened(parseJson<Values>(row.delta, {}));
  }

  async commitChange(row: ChangeRow, actor: string): Promise<number> {
    const delta = this.deltaOf(row);
    const before = this.cache.levelValues(row.level, row.scope_id);
    const after: Values = { ...before };
    for (const [name, value] of Object.entries(delta)) {
      if (value === null) delete after[name];
      else after[name] = value;
    }
    const changes = diff(before, after);
    const version = changes.length
      ? (await this.write(row.level, row.scope_id, after, changes, `${row.reason} (configuration campaign)`, null, actor)).version
      : (await this.repo.latestVersion(row.level, row.scope_id))?.version ?? 0;
    for (const id of this.cache.holders(row.id)) this.cache.setHeld(id, undefined);
    return version;
  }

  /** The terminals under a level (one for a terminal), from memory. */
  terminalIdsUnder(level: Level, scopeId: string): string[] {
    if (level === 'terminal') return this.cache.placement(scopeId) ? [scopeId] : [];
    const group = level === 'group' ? this.groupFilters.get(scopeId) : undefined;
    const ids: string[] = [];
    for (const id of this.cache.terminalIds()) {
      const p = this.cache.placement(id)!;
      if (level === 'fleet' || (level === 'merchant' && p.merchantId === scopeId) || (level === 'site' && p.siteId === scopeId) || (group && inGroup(p, group))) ids.push(id);
    }
    return ids;
  }

  /** The level's stored id after checking the actor may see it (404 otherwise). */
  scopeFor(level: Level, scopeId: string, actor: Actor): Promise<string> {
    return this.visibleScope(level, scopeId, actor);
  }

  async history(level: Level, scopeIdParam: string, actor: Actor, limit = 100): Promise<VersionView[]> {
    const scopeId = await this.visibleScope(level, scopeIdParam, actor);
    return (await this.repo.versions(level, scopeId, limit)).map((v) => this.versionView(v));
  }

  /** Gives a level back the values it had after an earlier version (0: none), as a new version. */
  async revert(level: Level, scopeIdParam: string, input: RevertInput, actor: Actor) {
    const scopeId = await this.visibleScope(level, scopeIdParam, actor);
    let target: Values = {};
    if (input.version > 0) {
      const row = await this.repo.version(level, scopeId, input.version);
      if (!row) throw invalid('version', `${level} ${scopeIdParam} has no version ${input.version}`);
      target = this.opened(parseJson<Values>(row.values, {}));
    }
    const before = this.cache.levelValues(level, scopeId);
    // Clearing what the earlier version did not have, setting what it had: checked like any change.
    const values: Values = Object.fromEntries([...Object.keys(before).map((k) => [k, null]), ...Object.entries(target)]);
    const { after, changes } = this.check(level, scopeId, values, actor);
    if (changes.length === 0) throw invalid('version', `${level} ${scopeIdParam} already has the values of version ${input.version}`);
    const row = await this.write(level, scopeId, after, changes, input.reason, input.version, actor.name);
    return {
      level, scopeId: scopeIdParam, version: row.version, changes: changes.map((c) => maskChange(c, this.parameters)),
      terminals: this.terminalsUnder(level, scopeId), needsMaintenance: needsMaintenance(changes, this.parameters), pending: null,
    };
  }

  private async write(level: Level, scopeId: string, after: Values, changes: Change[], reason: string, revertsTo: number | null, actor: string, expected?: number): Promise<VersionRow> {
    const current = (await this.repo.latestVersion(level, scopeId))?.version ?? 0;
    if (expected !== undefined && expected !== current) throw conflict(`${level} ${scopeId} changed since version ${expected} (now ${current}): review the new values first`, 'expectedVersion');
    try {
      const sealed = this.sealed(after);
      const row = await this.repo.writeLevel(level, scopeId, sealed, {
        id: randomUUID(), level, scope_id: scopeId, values: JSON.stringify(sealed), changes: JSON.stringify(this.sealedChanges(changes)), reason, reverts_to: revertsTo,
        created_by: actor, created_at: this.clock().toISOString(),
      }, current);
      this.cache.setLevel(level, scopeId, after);
      this.loadedChangeAt = row.created_at > (this.loadedChangeAt ?? '') ? row.created_at : this.loadedChangeAt;
      return row;
    } catch (error) {
      if (error instanceof StaleVersion) throw conflict(`${level} ${scopeId} was changed at the same time: review the new values first`, 'expectedVersion');
      throw error;
    }
  }

  private versionView(v: VersionRow): VersionView {
    return {
      version: v.version, changes: parseJson<Change[]>(v.changes, []).map((c) => maskChange(c, this.parameters)), reason: v.reason,
      revertsTo: v.reverts_to, createdBy: v.created_by, createdAt: v.created_at,
    };
  }

  /**
   * Checks a change to one level against the schema, the levels each parameter allows, what a merchant
   * may edit and TID/MID uniqueness; returns the level's values after it and the diff. 4xx name the parameter and level.
   */
  private check(level: Level, scopeId: string, values: Values, actor: Actor): { after: Values; changes: Change[] } {
    if (!this.current) throw conflict('no parameter schema is registered yet: POST /api/v1/configuration/schemas first', 'parameters');
    const before = this.cache.levelValues(level, scopeId);
    const after: Values = { ...before };
    for (const [name, value] of Object.entries(values)) {
      const field = `values.${name}`;
      const spec = this.parameters[name];
      if (!spec) throw invalid(field, `${name} at ${level} level: is not a parameter of ${this.current.application} ${this.current.version}`);
      if (spec.levels && !spec.levels.includes(level)) throw invalid(field, `${name} at ${level} level: may be set at ${spec.levels.join(', ')} level only`);
      if (actor.scope.kind !== 'fleet' && !spec.merchantEditable) throw new AppError('forbidden', `${name} at ${level} level: a merchant may not change it`, field);
      const problem = this.checker.problem(name, value);
      if (problem) throw invalid(field, `${name} at ${level} level: ${problem}`);
      if (value === null) delete after[name];
      else after[name] = value;
    }
    if (level === 'terminal') this.checkUnique(scopeId, after);
    return { after, changes: diff(before, after) };
  }

  /** TID and MID: unique per acquirer (TID among terminals, MID among merchants). 409 names the parameter. */
  private checkUnique(terminalId: string, own: Values, pending?: Map<string, Values>): void {
    const mine = this.cache.placement(terminalId);
    const effectiveOf = (id: string, values?: Values) => ({ ...this.cache.effectiveOf(id).values, ...(values ?? pending?.get(id) ?? {}) });
    const me = effectiveOf(terminalId, own);
    for (const [name, spec] of Object.entries(this.parameters)) {
      if (!spec.unique || me[name] === undefined) continue;
      const clash = (otherId: string, value: unknown) => {
        if (otherId === terminalId || value !== me[name]) return false;
        const other = effectiveOf(otherId);
        if (other[spec.unique!.per] !== me[spec.unique!.per]) return false;
        return spec.unique!.among === 'terminal' || this.cache.placement(otherId)?.merchantId !== mine?.merchantId;
      };
      for (const [otherId, value] of this.cache.terminalValues(name)) {
        if (clash(otherId, pending?.get(otherId)?.[name] ?? value)) throw conflict(`${name} ${String(me[name])} is already used by terminal ${otherId} for ${spec.unique.per} ${String(me[spec.unique.per])}`, `values.${name}`);
      }
      for (const [otherId, values] of pending ?? []) {
        if (values[name] !== undefined && this.cache.levelValues('terminal', otherId)[name] === undefined && clash(otherId, values[name])) {
          throw conflict(`${name} ${String(me[name])} is given to terminal ${otherId} too for ${spec.unique.per} ${String(me[spec.unique.per])}`, `values.${name}`);
        }
      }
    }
  }

  /** The level's stored id ('' for the fleet), after checking it exists and the actor may see it (404 otherwise). */
  private async visibleScope(level: Level, scopeId: string, actor: Actor): Promise<string> {
    const scope = actor.scope;
    const merchantOnly = scope.kind !== 'fleet';
    switch (level) {
      case 'fleet':
        if (scopeId !== 'fleet') throw invalid('scopeId', 'the fleet level is addressed as /fleet/fleet');
        if (merchantOnly) throw forbidden('the fleet level is for fleet operators');
        return '';
      case 'merchant':
        if (!(await this.estate.findMerchant(scopeId, scope))) throw notFound('merchant', scopeId);
        return scopeId;
      case 'site':
        if (!(await this.estate.findSite(scopeId, scope))) throw notFound('site', scopeId);
        return scopeId;
      case 'group':
        if (merchantOnly) throw forbidden('saved groups are for fleet operators');
        if (!(await this.repo.group(scopeId))) throw notFound('group', scopeId);
        return scopeId;
      case 'terminal':
        if (!(await this.estate.findTerminal(scopeId, scope))) throw notFound('terminal', scopeId);
        return scopeId;
    }
  }

  private terminalsUnder(level: Level, scopeId: string): number {
    return level === 'terminal' ? 1 : this.terminalIdsUnder(level, scopeId).length;
  }

  private get groupFilters(): Map<string, GroupFilter> {
    return new Map(this.cache.groupList().map((g) => [g.id, g.filter]));
  }

  /** A site's effective batch-close time ('HH:MM', the site's time), from memory: the planner asks it per terminal. */
  batchCloseOf(site: { siteId: string | null; merchantId: string | null }): string | undefined {
    const spec = this.parameters[BATCH_CLOSE_PARAMETER];
    if (!spec) return undefined;
    const fromLevel = (level: Level, id: string | null) => (id === null ? undefined : this.cache.levelValues(level, id)[BATCH_CLOSE_PARAMETER]);
    const value = fromLevel('site', site.siteId) ?? fromLevel('merchant', site.merchantId) ?? fromLevel('fleet', '') ?? spec.default;
    return typeof value === 'string' ? value : undefined;
  }

  // ---- effective configuration
  async effectiveFor(terminalId: string, actor: Actor, applied?: { hash: string; differing: string[] }): Promise<Static<typeof EffectiveView>> {
    if (!(await this.estate.findTerminal(terminalId, actor.scope))) throw notFound('terminal', terminalId);
    if (!this.cache.placement(terminalId)) {
      this.unplaced.add(terminalId);
      await this.placeNow();
    }
    const { values, sources } = this.cache.effectiveOf(terminalId);
    const shown = maskValues(values, this.parameters);
    return {
      terminalId, hash: this.cache.hashOf(terminalId) ?? '', appliedHash: applied?.hash ?? null, differing: applied?.differing ?? [],
      parameters: Object.keys(this.parameters).sort().map((name) => {
        const spec = this.parameters[name]!;
        return {
          name, value: shown[name] ?? null, source: sources[name] ?? { level: 'default' as const, scopeId: '' }, secret: !!spec.secret,
          applies: spec.applies ?? 'live', merchantEditable: !!spec.merchantEditable,
        };
      }),
    };
  }

  /** The terminal's own effective configuration, unmasked: only ever answered to that terminal. */
  async deviceConfiguration(terminalId: string) {
    if (!this.current) throw notFound('configuration of terminal', terminalId);
    if (!this.cache.placement(terminalId)) {
      this.unplaced.add(terminalId);
      await this.placeNow();
    }
    const hash = this.cache.hashOf(terminalId);
    if (!hash) throw notFound('configuration of terminal', terminalId);
    return { hash, application: this.current.application, schemaVersion: this.current.version, parameters: this.parameters, values: this.cache.effectiveOf(terminalId).values };
  }

  // ---- TID/MID CSV
  /** The terminal-only parameters (TID, MID, ...) of every terminal that has one, secrets left out. */
  async exportCsv(): Promise<string> {
    const columns = this.csvColumns();
    const ids = [...this.cache.terminalIds()].filter((id) => columns.some((c) => this.cache.levelValues('terminal', id)[c] !== undefined));
    const serials = await this.repo.serialsOf(ids);
    return toCsv(['serial_number', ...columns], ids.map((id) => [serials.get(id) ?? id, ...columns.map((c) => this.cache.levelValues('terminal', id)[c])]));
  }

  /** Checks every row first (line and field named on a bad one); stores nothing unless all are good. */
  async importCsv(text: string, actor: Actor): Promise<{ terminals: number }> {
    const columns = this.csvColumns();
    const rows: CsvRow[] = parseCsvValues(text, columns, this.parameters);
    const ids = await this.repo.terminalIdsBySerial(rows.map((r) => r.serialNumber));
    const pending = new Map<string, Values>();
    for (const row of rows) {
      const id = ids.get(row.serialNumber);
      if (!id || !(await this.estate.findTerminal(id, actor.scope))) throw csvError(row.line, 'serial_number', `no terminal ${row.serialNumber} is registered`);
      if (pending.has(id)) throw csvError(row.line, 'serial_number', `${row.serialNumber} is on an earlier line too`);
      pending.set(id, { ...this.cache.levelValues('terminal', id), ...row.values });
    }
    for (const row of rows) {
      const id = ids.get(row.serialNumber)!;
      for (const [name, value] of Object.entries(row.values)) {
        const problem = this.checker.problem(name, value);
        if (problem) throw csvError(row.line, name, problem);
      }
      try {
        this.checkUnique(id, pending.get(id)!, pending);
      } catch (error) {
        if (error instanceof AppError) throw csvError(row.line, (error.field ?? '').replace(/^values\./, ''), error.message);
        throw error;
      }
    }
    let changed = 0;
    for (const [id, after] of pending) {
      const changes = diff(this.cache.levelValues('terminal', id), after);
      if (!changes.length) continue;
      await this.write('terminal', id, after, changes, 'CSV import', null, actor.name);
      changed++;
    }
    return { terminals: changed };
  }

  private csvColumns(): string[] {
    return Object.entries(this.parameters).filter(([, s]) => s.levels?.length === 1 && s.levels[0] === 'terminal' && !s.secret && s.type !== 'table' && s.type !== 'list').map(([n]) => n);
  }
}

function toGroup(row: { id: string; filter: string }): Group {
  return { id: row.id, filter: parseJson<GroupFilter>(row.filter, {}) };
}

function csvError(line: number, field: string, reason: string): AppError {
  return new AppError('invalid_csv', `line ${line}, ${field}: ${reason}`, field, { line, field });
}

export type { ConfigLevel };
