// Terminal configuration's shared state: the current parameter schema, every level's values and each
// terminal's effective hash held in memory (loaded at start, refreshed by the configuration tick), secret
// values sealed for storage, and the one way a level's values are stored as a new version. The use
// cases (schemas, levels, history, effective configuration, CSV, campaigns) all work on this one store.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { ConfigLevel } from '../db/schema.ts';
import { fromCatalogue, invalidField, notFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { yieldToEventLoop } from '../shared/pace.ts';
import type { Clock } from '../shared/time.ts';
import type { ChangeRow, ConfigurationChangesRepository, ConfigurationRepository } from './configuration.repository.ts';
import { StaleVersion, type SchemaRow, type VersionRow } from './configuration.repository.ts';
import { EffectiveCache, inGroup, type Group, type GroupFilter, type HeldChange, type Placement } from './effective-cache.ts';
import { SchemaChecker, type Change, type Level, type ParameterSchema, type Values } from './parameters.ts';
import { SecretBox } from './secret-box.ts';

/** Who is asking: their name for the record and the part of the estate they may touch. */
export interface Actor { name: string; scope: Scope }

/** What configuration asks of the estate: whether a scope exists and the caller may see it. */
export interface EstateLookup {
  findMerchant(id: string, scope: Scope): Promise<unknown>;
  findSite(id: string, scope: Scope): Promise<unknown>;
  findTerminal(id: string, scope: Scope): Promise<unknown>;
}

/** The full re-read of every placement, a fallback: at most this often unless a change was missed. */
const FULL_REREAD_MS = 60 * 60_000;
/** Placement changes kept (each node reads them within seconds; one that was away longer re-reads all). */
const KEEP_CHANGES_MS = 2 * FULL_REREAD_MS;
/** How long a gap in the changes' numbers is waited for before it is taken for a rolled-back transaction. */
const GAP_WAIT_MS = 2 * 60_000;
const CHANGES_PAGE = 5_000;
const PLACE_BATCH = 5_000;
const REREAD_PAGE = 5_000;

export class ConfigurationStore {
  readonly cache = new EffectiveCache();
  private currentRow: SchemaRow | undefined;
  private schemaChecker = new SchemaChecker({});
  private loadedChangeAt: string | null = null;
  private unplaced = new Set<string>();
  private placing: Promise<void> | undefined;
  /** The last placement change applied (placement_changes.seq), and a gap after it being waited out. */
  private placementSeq = 0;
  private gap: { at: number; since: number } | undefined;
  private applying: Promise<void> | undefined;
  private watchers: NodeJS.Timeout[] = [];
  /** During a full re-read: the terminals re-placed by a change meanwhile (their page may be older). */
  private touched: Set<string> | undefined;
  private lastFullAt = Date.now();
  private fullWanted = false;
  /** How many times every placement was read again (the hourly fallback) since start. */
  fullReads = 0;

  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly changes: ConfigurationChangesRepository,
    private readonly estate: EstateLookup,
    private readonly clock: Clock,
    /** Seals secret values for storage (AES-256-GCM); only the terminal's own fetch sees them opened. */
    private readonly box: SecretBox,
  ) {}

  // ---- the current schema
  /** The newest registered schema (undefined before the first). */
  get current(): SchemaRow | undefined {
    return this.currentRow;
  }

  get parameters(): ParameterSchema {
    return this.currentRow ? parseJson<ParameterSchema>(this.currentRow.parameters, {}) : {};
  }

  /** Checks a value against the current schema. */
  get checker(): SchemaChecker {
    return this.schemaChecker;
  }

  /** A newly registered schema becomes the current one; every hash is recomputed with it. */
  useSchema(row: SchemaRow | undefined, recompute = true): void {
    this.currentRow = row;
    this.schemaChecker = new SchemaChecker(this.parameters);
    if (recompute) this.cache.setSchema(this.parameters);
  }

  // ---- secrets
  sealed(values: Values): Values {
    return Object.fromEntries(Object.entries(values).map(([n, v]) => [n, this.parameters[n]?.secret && v !== null && v !== undefined ? this.box.seal(v) : v]));
  }

  opened(values: Values): Values {
    return Object.fromEntries(Object.entries(values).map(([n, v]) => [n, this.box.open(v)]));
  }

  sealedChanges(changes: Change[]): Change[] {
    return changes.map((c) => (this.parameters[c.parameter]?.secret
      ? { parameter: c.parameter, old: c.old === null ? null : this.box.seal(c.old), new: c.new === null ? null : this.box.seal(c.new) }
      : c));
  }

  /** A held change's delta as it applies (secrets opened). */
  deltaOf(row: Pick<ChangeRow, 'delta'>): Values {
    return this.opened(parseJson<Values>(row.delta, {}));
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

  // ---- loading and refreshing the memory
  /** Loads every schema, value, terminal placement and held change into memory (at start). */
  async load(): Promise<void> {
    // Read before the placements: a change made meanwhile is applied again after (harmless).
    const seq = await this.repo.lastPlacementChange();
    // Read in pages, each row's ids swapped at once for the strings the cache shares: one read of a
    // million rows held every row's strings at once (~400 MB at a start, beside the cache).
    const placements = new Map<string, Placement>();
    for (let after = ''; ;) {
      const page = await this.repo.placementPage(after, REREAD_PAGE);
      for (const [id, p] of page) if (p) placements.set(id, this.cache.share(p));
      if (page.length < REREAD_PAGE) break;
      after = page.at(-1)![0];
    }
    await this.loadValues(placements);
    this.placementSeq = seq;
    this.gap = undefined;
    this.lastFullAt = Date.now();
  }

  /** Schemas, values, groups and held changes (and, when given, every placement): another process wrote a version. */
  private async loadValues(placements?: Map<string, Placement>): Promise<void> {
    const [schemas, values, groups, changeAt, held] = await Promise.all([
      this.repo.schemas(), this.repo.allValues(), this.repo.groups(), this.repo.lastChangeAt(), this.heldChanges(),
    ]);
    this.useSchema(schemas.at(-1), false);
    await this.sealPlainSecrets(values);
    this.cache.load({ parameters: this.parameters, values: values.map((v) => ({ ...v, values: this.opened(v.values) })), groups: groups.map(toGroup), ...(placements && { placements }), held });
    this.loadedChangeAt = changeAt;
  }

  private async heldChanges(): Promise<Map<string, HeldChange>> {
    return new Map((await this.changes.holders()).map((h) => [h.terminal_id, { changeId: h.change_id, level: h.level, scopeId: h.scope_id, delta: this.opened(parseJson<Values>(h.delta, {})) }]));
  }

  /**
   * Another server process may have changed values, and terminals move between sites: reload the values
   * when a version was written since, and re-place only the terminals whose place changed (the rows the
   * triggers of migration 0045 wrote since the last look), not the whole fleet. The full re-read of every
   * placement is the rare fallback (once an hour, or after a change was missed), read in pages that let
   * heartbeats through. Run by the configuration tick.
   */
  async refresh(): Promise<void> {
    const changeAt = await this.repo.lastChangeAt();
    if (changeAt !== this.loadedChangeAt) await this.loadValues();
    else {
      const held = await this.heldChanges();
      for (const id of this.cache.heldIds()) if (!held.has(id)) this.cache.setHeld(id, undefined);
      for (const [id, h] of held) if (this.cache.heldBy(id)?.changeId !== h.changeId) this.cache.setHeld(id, h);
    }
    await this.applyPlacementChanges();
    if (this.fullWanted || Date.now() - this.lastFullAt > FULL_REREAD_MS) await this.rereadPlacements();
    // The real time, not the injected clock (tests move that one by days): nodes' clocks and the
    // database's agree far better than the two hours kept.
    await this.repo.prunePlacementChanges(Date.now() - KEEP_CHANGES_MS);
  }

  /**
   * This node's own look at what others changed (the configuration tick is a job that runs on one node at
   * a time): placement changes every `changesMs` (one indexed query that finds nothing most of the time),
   * the whole refresh every `refreshMs`.
   */
  watch(changesMs = 2_000, refreshMs = 60_000): void {
    this.stopWatching();
    let refreshing = false;
    const changes = setInterval(() => void this.applyPlacementChanges().catch(() => undefined), changesMs);
    const refresh = setInterval(() => {
      if (refreshing) return;
      refreshing = true;
      void this.refresh().catch(() => undefined).finally(() => { refreshing = false; });
    }, refreshMs);
    changes.unref();
    refresh.unref();
    this.watchers = [changes, refresh];
  }

  stopWatching(): void {
    for (const timer of this.watchers) clearInterval(timer);
    this.watchers = [];
  }

  /** Re-places the terminals whose place changed since the last look (one look at a time). */
  applyPlacementChanges(): Promise<void> {
    this.applying ??= this.applyNow().finally(() => { this.applying = undefined; });
    return this.applying;
  }

  private async applyNow(): Promise<void> {
    for (;;) {
      const rows = await this.repo.placementChangesAfter(this.placementSeq, CHANGES_PAGE);
      let next = this.placementSeq;
      let waiting = false;
      for (const r of rows) {
        if (r.seq === next + 1) { next = r.seq; continue; }
        // A gap: on PostgreSQL a transaction that took an earlier number may not have committed yet (its
        // rows come later), or it rolled back (they never come). Wait for it a while, then go on and let
        // the full re-read find whatever it held.
        const now = Date.now();
        if (this.gap?.at !== next) this.gap = { at: next, since: now };
        if (now - this.gap.since < GAP_WAIT_MS) { waiting = true; break; }
        this.fullWanted = true;
        this.gap = undefined;
        next = r.seq;
      }
      if (!waiting) this.gap = undefined;
      const ids = new Set<string>();
      const sites = new Set<string>();
      for (const r of rows) {
        if (r.terminalId !== null) ids.add(r.terminalId);
        if (r.siteId !== null) sites.add(r.siteId);
      }
      for (const id of await this.repo.terminalIdsAt([...sites])) ids.add(id);
      await this.place([...ids]);
      this.placementSeq = next;
      if (waiting || rows.length < CHANGES_PAGE) return;
      // Many changes (a large CSV import): heartbeats go between the pages.
      await yieldToEventLoop();
    }
  }

  /** Looks these terminals' places up and keeps the cache right (a retired or deleted one leaves it). */
  private async place(ids: string[]): Promise<void> {
    for (let at = 0; at < ids.length; at += PLACE_BATCH) {
      const batch = ids.slice(at, at + PLACE_BATCH);
      for (const id of batch) this.touched?.add(id);
      const found = await this.repo.placements(batch);
      for (const id of batch) this.setPlacement(id, found.get(id));
    }
  }

  private setPlacement(id: string, p: Placement | undefined): void {
    const known = this.cache.placement(id);
    if (!p) {
      if (known) this.cache.setPlacement(id, undefined);
    } else if (!known || known.merchantId !== p.merchantId || known.siteId !== p.siteId || known.modelId !== p.modelId || known.tags.join() !== p.tags.join()) {
      this.cache.setPlacement(id, p);
    }
  }

  /**
   * The fallback: every terminal's place read again, a page at a time, yielding to heartbeats between
   * pages. A terminal re-placed by a change while its page was read keeps that newer place.
   */
  async rereadPlacements(): Promise<void> {
    this.fullWanted = false;
    this.lastFullAt = Date.now();
    this.fullReads++;
    let after = '';
    try {
      for (;;) {
        this.touched = new Set();
        const page = await this.repo.placementPage(after, REREAD_PAGE);
        for (const [id, p] of page) if (!this.touched.has(id)) this.setPlacement(id, p);
        if (page.length < REREAD_PAGE) return;
        after = page.at(-1)![0];
        await yieldToEventLoop();
      }
    } finally {
      this.touched = undefined;
    }
  }

  /**
   * A terminal the cache does not know yet (enrolled or created since the last refresh): its place is
   * looked up once, off the heartbeat's path, together with any others that came in meanwhile.
   */
  placeSoon(terminalId: string): void {
    this.unplaced.add(terminalId);
    this.placing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.placeNow()).catch(() => undefined).finally(() => { this.placing = undefined; });
  }

  /** Looks the terminal's place up now when the cache does not know it yet (an API call, not a heartbeat). */
  async ensurePlaced(terminalId: string): Promise<void> {
    if (this.cache.placement(terminalId)) return;
    this.unplaced.add(terminalId);
    await this.placeNow();
  }

  private async placeNow(): Promise<void> {
    const ids = [...this.unplaced].slice(0, 5000);
    for (const id of ids) this.unplaced.delete(id);
    for (const [id, p] of await this.repo.placements(ids)) this.cache.setPlacement(id, p);
  }

  // ---- storing a level's values
  /** Stores a level's values as its next version (409 when someone else wrote it first) and recomputes the terminals under it. */
  async write(level: Level, scopeId: string, after: Values, changes: Change[], reason: string, revertsTo: number | null, actor: string, expected?: number): Promise<VersionRow> {
    const current = (await this.repo.latestVersion(level, scopeId))?.version ?? 0;
    if (expected !== undefined && expected !== current) throw refused('configuration.changed_since', { level, expected, current }, { field: 'expectedVersion', retryable: false });
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
      if (error instanceof StaleVersion) throw refused('configuration.changed_meanwhile', { level }, { field: 'expectedVersion' });
      throw error;
    }
  }

  // ---- who sees what, and which terminals a level reaches
  /** The level's stored id ('' for the fleet), after checking it exists and the actor may see it (404 otherwise). */
  async scopeFor(level: Level, scopeId: string, actor: Actor): Promise<string> {
    const scope = actor.scope;
    const merchantOnly = scope.kind !== 'fleet';
    switch (level) {
      case 'fleet':
        if (scopeId !== 'fleet') throw invalidField('scopeId', 'configuration.fleet_address');
        if (merchantOnly) throw fromCatalogue('forbidden', 'configuration.fleet_operators_only', { level });
        return '';
      case 'merchant':
        if (!(await this.estate.findMerchant(scopeId, scope))) throw notFound('merchant', scopeId);
        return scopeId;
      case 'site':
        if (!(await this.estate.findSite(scopeId, scope))) throw notFound('site', scopeId);
        return scopeId;
      case 'group':
        if (merchantOnly) throw fromCatalogue('forbidden', 'configuration.fleet_operators_only', { level });
        if (!(await this.repo.group(scopeId))) throw notFound('group', scopeId);
        return scopeId;
      case 'terminal':
        if (!(await this.estate.findTerminal(scopeId, scope))) throw notFound('terminal', scopeId);
        return scopeId;
    }
  }

  /** A terminal's serial number, to name it to a person (its id when it is gone). */
  async serialOf(terminalId: string): Promise<string> {
    return (await this.repo.serialsOf([terminalId])).get(terminalId) ?? terminalId;
  }

  /** The terminals under a level (one for a terminal), from memory. */
  terminalIdsUnder(level: Level, scopeId: string): string[] {
    if (level === 'terminal') return this.cache.placement(scopeId) ? [scopeId] : [];
    const group = level === 'group' ? this.cache.groupList().find((g) => g.id === scopeId)?.filter : undefined;
    const ids: string[] = [];
    for (const id of this.cache.terminalIds()) {
      const p = this.cache.placement(id)!;
      if (level === 'fleet' || (level === 'merchant' && p.merchantId === scopeId) || (level === 'site' && p.siteId === scopeId) || (group && inGroup(p, group))) ids.push(id);
    }
    return ids;
  }

  /** How many terminals a level reaches. */
  terminalsUnder(level: Level, scopeId: string): number {
    return level === 'terminal' ? 1 : this.terminalIdsUnder(level, scopeId).length;
  }
}

export function toGroup(row: { id: string; filter: string }): Group {
  return { id: row.id, filter: parseJson<GroupFilter>(row.filter, {}) };
}
