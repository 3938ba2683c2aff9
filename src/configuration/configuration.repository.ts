// Terminal configuration's queries: schemas, saved groups, the values at each level and their versions.
import type { Kysely } from 'kysely';
import { selectInBatches } from '../db/batches.ts';
import type { ConfigChangeState, ConfigChangeTable, ConfigGroupTable, ConfigLevel, ConfigSchemaTable, ConfigVersionTable, Database } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { Placement } from './effective-cache.ts';
import type { Values } from './parameters.ts';

export type SchemaRow = ConfigSchemaTable;
export type GroupRow = ConfigGroupTable;
export type VersionRow = ConfigVersionTable;
export type ChangeRow = ConfigChangeTable;

export class ConfigurationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertSchema(row: SchemaRow): Promise<void> {
    await this.db.insertInto('config_schemas').values(row).execute();
  }

  async schemaVersion(application: string, version: string): Promise<SchemaRow | undefined> {
    return this.db.selectFrom('config_schemas').selectAll().where('application', '=', application).where('version', '=', version).executeTakeFirst();
  }

  async schemas(): Promise<SchemaRow[]> {
    return this.db.selectFrom('config_schemas').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async insertGroup(row: GroupRow): Promise<void> {
    await this.db.insertInto('config_groups').values(row).execute();
  }

  async groups(): Promise<GroupRow[]> {
    return this.db.selectFrom('config_groups').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async group(id: string): Promise<GroupRow | undefined> {
    return this.db.selectFrom('config_groups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async groupByName(name: string): Promise<GroupRow | undefined> {
    return this.db.selectFrom('config_groups').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Every level's values (loaded once at start and on refresh). */
  async allValues(): Promise<{ level: ConfigLevel; scopeId: string; values: Values }[]> {
    const rows = await this.db.selectFrom('config_values').select(['level', 'scope_id', 'parameter', 'value']).execute();
    const byScope = new Map<string, { level: ConfigLevel; scopeId: string; values: Values }>();
    for (const r of rows) {
      const key = `${r.level}|${r.scope_id}`;
      let entry = byScope.get(key);
      if (!entry) byScope.set(key, entry = { level: r.level, scopeId: r.scope_id, values: {} });
      entry.values[r.parameter] = parseJson(r.value, null);
    }
    return [...byScope.values()];
  }

  /** The newest version number of any level: tells another server process that something changed. */
  async lastChangeAt(): Promise<string | null> {
    const row = await this.db.selectFrom('config_versions').select((eb) => eb.fn.max('created_at').as('at')).executeTakeFirst();
    return row?.at ?? null;
  }

  async latestVersion(level: ConfigLevel, scopeId: string, executor: Kysely<Database> = this.db): Promise<VersionRow | undefined> {
    return executor.selectFrom('config_versions').selectAll().where('level', '=', level).where('scope_id', '=', scopeId)
      .orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  async version(level: ConfigLevel, scopeId: string, version: number): Promise<VersionRow | undefined> {
    return this.db.selectFrom('config_versions').selectAll().where('level', '=', level).where('scope_id', '=', scopeId).where('version', '=', version).executeTakeFirst();
  }

  async versions(level: ConfigLevel, scopeId: string, limit: number): Promise<VersionRow[]> {
    return this.db.selectFrom('config_versions').selectAll().where('level', '=', level).where('scope_id', '=', scopeId)
      .orderBy('version', 'desc').limit(limit).execute();
  }

  /** Replaces a level's values and records the change as its next version, in one transaction. */
  async writeLevel(level: ConfigLevel, scopeId: string, values: Values, version: Omit<VersionRow, 'version'>, expectedVersion: number): Promise<VersionRow> {
    return this.db.transaction().execute(async (trx) => {
      const latest = await this.latestVersion(level, scopeId, trx);
      // Two people saving the same level at once: the later one is told, not silently merged.
      if ((latest?.version ?? 0) !== expectedVersion) throw new StaleVersion(latest?.version ?? 0);
      await trx.deleteFrom('config_values').where('level', '=', level).where('scope_id', '=', scopeId).execute();
      const rows = Object.entries(values).map(([parameter, value]) => ({ level, scope_id: scopeId, parameter, value: JSON.stringify(value), updated_at: version.created_at }));
      if (rows.length) await trx.insertInto('config_values').values(rows).execute();
      const row: VersionRow = { ...version, version: expectedVersion + 1 };
      await trx.insertInto('config_versions').values(row).execute();
      return row;
    });
  }

  /** For sealing secrets stored in plain by an older PosFleet: one stored value rewritten. */
  async rewriteValue(level: ConfigLevel, scopeId: string, parameter: string, value: unknown): Promise<void> {
    await this.db.updateTable('config_values').set({ value: JSON.stringify(value) }).where('level', '=', level).where('scope_id', '=', scopeId).where('parameter', '=', parameter).execute();
  }

  async allVersions(): Promise<Pick<VersionRow, 'id' | 'values' | 'changes'>[]> {
    return this.db.selectFrom('config_versions').select(['id', 'values', 'changes']).execute();
  }

  async rewriteVersion(id: string, values: string, changes: string): Promise<void> {
    await this.db.updateTable('config_versions').set({ values, changes }).where('id', '=', id).execute();
  }

  /**
   * The configuration each of these terminals reported applying in its last stored heartbeat (none when
   * that heartbeat carried no report): what delivery answers for a terminal its memory no longer holds.
   */
  async lastReported(terminalIds: string[]): Promise<Map<string, { appliedHash: string; differing?: string[] }>> {
    const found = new Map<string, { appliedHash: string; differing?: string[] }>();
    if (!terminalIds.length) return found;
    const rows = await selectInBatches(terminalIds, (ids) => this.db.selectFrom('terminal_health').select(['terminal_id', 'report']).where('terminal_id', 'in', ids).execute());
    for (const r of rows) {
      const reported = parseJson<{ configuration?: { appliedHash?: unknown; differing?: unknown } } | null>(r.report, null)?.configuration;
      if (typeof reported?.appliedHash !== 'string') continue;
      found.set(r.terminal_id, { appliedHash: reported.appliedHash, ...(Array.isArray(reported.differing) && { differing: reported.differing.filter((d): d is string => typeof d === 'string') }) });
    }
    return found;
  }

  /** Where every live terminal is (merchant, site, model, tags): what its levels are. */
  async placements(only?: string[]): Promise<Map<string, Placement>> {
    if (only && !only.length) return new Map();
    const rows = await this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.site_id', 'terminals.model_id', 'sites.merchant_id']).where('terminals.deleted_at', 'is', null)
      .$if(!!only, (q) => q.where('terminals.id', 'in', only!)).execute();
    const tags = await this.db.selectFrom('terminal_tags').select(['terminal_id', 'tag']).$if(!!only, (q) => q.where('terminal_id', 'in', only!)).execute();
    const map = new Map<string, Placement & { tags: string[] }>(rows.map((r) => [r.id, { merchantId: r.merchant_id ?? null, siteId: r.site_id, modelId: r.model_id, tags: [] }]));
    for (const t of tags) map.get(t.terminal_id)?.tags.push(t.tag);
    return map;
  }

  /**
   * A page of every terminal's place in id order, retired ones as undefined (the rare full re-read):
   * `after` is the last id of the page before ('' for the first).
   */
  async placementPage(after: string, limit: number): Promise<[string, Placement | undefined][]> {
    const rows = await this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.site_id', 'terminals.model_id', 'terminals.deleted_at', 'sites.merchant_id'])
      .where('terminals.id', '>', after).orderBy('terminals.id').limit(limit).execute();
    const live = rows.filter((r) => r.deleted_at === null).map((r) => r.id);
    const tags = live.length ? await this.db.selectFrom('terminal_tags').select(['terminal_id', 'tag']).where('terminal_id', 'in', live).execute() : [];
    const page = new Map<string, (Placement & { tags: string[] }) | undefined>(rows.map((r) => [r.id, r.deleted_at === null ? { merchantId: r.merchant_id ?? null, siteId: r.site_id, modelId: r.model_id, tags: [] } : undefined]));
    for (const t of tags) page.get(t.terminal_id)?.tags.push(t.tag);
    return [...page];
  }

  /** The terminals at these sites (deleted ones too: their place is looked up again all the same). */
  async terminalIdsAt(siteIds: string[]): Promise<string[]> {
    if (!siteIds.length) return [];
    const rows = await selectInBatches(siteIds, (batch) => this.db.selectFrom('terminals').select('id').where('site_id', 'in', batch).execute());
    return rows.map((r) => r.id);
  }

  /** The newest placement change (0 when none): a node reads the ones after it once it loaded every placement. */
  async lastPlacementChange(): Promise<number> {
    const row = await this.db.selectFrom('placement_changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** The placement changes after `seq`, oldest first (written by the triggers of migration 0045). */
  async placementChangesAfter(seq: number, limit: number): Promise<{ seq: number; terminalId: string | null; siteId: string | null }[]> {
    const rows = await this.db.selectFrom('placement_changes').select(['seq', 'terminal_id', 'site_id']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), terminalId: r.terminal_id, siteId: r.site_id }));
  }

  /** Forgets the placement changes made before `before` (ms since 1970, the database's clock). */
  async prunePlacementChanges(before: number): Promise<void> {
    await this.db.deleteFrom('placement_changes').where('changed_at', '<', before).execute();
  }

  async terminalIdsBySerial(serials: string[]): Promise<Map<string, string>> {
    if (!serials.length) return new Map();
    const rows = await selectInBatches(serials, (batch) => this.db.selectFrom('terminals').select(['id', 'serial_number']).where('serial_number', 'in', batch).where('deleted_at', 'is', null).execute());
    return new Map(rows.map((r) => [r.serial_number, r.id]));
  }

  async serialsOf(ids: string[]): Promise<Map<string, string>> {
    const rows = await selectInBatches(ids, (batch) => this.db.selectFrom('terminals').select(['id', 'serial_number']).where('id', 'in', batch).execute());
    return new Map(rows.map((r) => [r.id, r.serial_number]));
  }
}

/** Out-of-service changes held back from their level, and the terminals a campaign already gave one. */
export class ConfigurationChangesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ChangeRow): Promise<void> {
    await this.db.insertInto('config_changes').values(row).execute();
  }

  async change(id: string): Promise<ChangeRow | undefined> {
    return this.db.selectFrom('config_changes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: { states?: readonly ConfigChangeState[]; level?: ConfigLevel; scopeId?: string; limit: number }): Promise<ChangeRow[]> {
    return this.db.selectFrom('config_changes').selectAll()
      .$if(!!filter.states, (q) => q.where('state', 'in', filter.states!))
      .$if(!!filter.level, (q) => q.where('level', '=', filter.level!))
      .$if(filter.scopeId !== undefined, (q) => q.where('scope_id', '=', filter.scopeId!))
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Moves a change only from the state it was read in (two nodes never both move it). */
  async move(id: string, from: ConfigChangeState, changes: Partial<ChangeRow>): Promise<boolean> {
    const result = await this.db.updateTable('config_changes').set(changes).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Claims a change for one step (its `updated_at` as read): false when another process moved it first. */
  async touch(id: string, readAt: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('config_changes').set({ updated_at: at }).where('id', '=', id).where('updated_at', '=', readAt).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Every terminal holding a change that is being delivered (or whose delivery stopped: it keeps it), with the change. */
  async holders(): Promise<{ terminal_id: string; change_id: string; level: ConfigLevel; scope_id: string; delta: string }[]> {
    return this.db.selectFrom('config_change_holders').innerJoin('config_changes', 'config_changes.id', 'config_change_holders.change_id')
      .select(['config_change_holders.terminal_id', 'config_change_holders.change_id', 'config_changes.level', 'config_changes.scope_id', 'config_changes.delta'])
      .where('config_changes.state', 'in', ['delivering', 'cancelled']).execute();
  }

  /** How many terminals run the change (from the table, so every server process counts the same). */
  async holderCount(changeId: string): Promise<number> {
    const row = await this.db.selectFrom('config_change_holders').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('change_id', '=', changeId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The level's cancelled changes some terminal still runs: they hold the level like an open one. */
  async keptCancelled(level: ConfigLevel, scopeId: string): Promise<ChangeRow[]> {
    return this.db.selectFrom('config_changes').selectAll().where('state', '=', 'cancelled').where('level', '=', level).where('scope_id', '=', scopeId)
      .where((eb) => eb.exists(eb.selectFrom('config_change_holders').select('terminal_id').whereRef('config_change_holders.change_id', '=', 'config_changes.id')))
      .orderBy('created_at', 'desc').limit(1).execute();
  }

  async addHolder(changeId: string, terminalId: string, since: string): Promise<void> {
    await this.db.insertInto('config_change_holders').values({ change_id: changeId, terminal_id: terminalId, since })
      .onConflict((oc) => oc.columns(['change_id', 'terminal_id']).doNothing()).execute();
  }

  async removeHolders(changeId: string, terminalIds?: string[]): Promise<void> {
    if (terminalIds && !terminalIds.length) return;
    await this.db.deleteFrom('config_change_holders').where('change_id', '=', changeId)
      .$if(!!terminalIds, (q) => q.where('terminal_id', 'in', terminalIds!)).execute();
  }
}

export class StaleVersion extends Error {
  constructor(readonly current: number) {
    super(`stale version: ${current}`);
  }
}
