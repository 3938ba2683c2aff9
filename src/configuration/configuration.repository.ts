// Terminal configuration's queries: schemas, saved groups, the values at each level and their versions.
import type { Kysely } from 'kysely';
import type { ConfigGroupTable, ConfigLevel, ConfigSchemaTable, ConfigVersionTable, Database } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { Placement } from './effective-cache.ts';
import type { Values } from './parameters.ts';

export type SchemaRow = ConfigSchemaTable;
export type GroupRow = ConfigGroupTable;
export type VersionRow = ConfigVersionTable;

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

  /** Where every live terminal is (merchant, site, model, tags): what its levels are. */
  async placements(only?: string[]): Promise<Map<string, Placement>> {
    if (only && !only.length) return new Map();
    const rows = await this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.site_id', 'terminals.model_id', 'sites.merchant_id']).where('terminals.deleted_at', 'is', null)
      .$if(!!only, (q) => q.where('terminals.id', 'in', only!)).execute();
    const tags = await this.db.selectFrom('terminal_tags').select(['terminal_id', 'tag']).$if(!!only, (q) => q.where('terminal_id', 'in', only!)).execute();
    const map = new Map<string, Placement>(rows.map((r) => [r.id, { merchantId: r.merchant_id ?? null, siteId: r.site_id, modelId: r.model_id, tags: [] }]));
    for (const t of tags) map.get(t.terminal_id)?.tags.push(t.tag);
    return map;
  }

  async terminalIdsBySerial(serials: string[]): Promise<Map<string, string>> {
    if (!serials.length) return new Map();
    const rows: { id: string; serial_number: string }[] = [];
    for (let i = 0; i < serials.length; i += 5000) {
      rows.push(...await this.db.selectFrom('terminals').select(['id', 'serial_number']).where('serial_number', 'in', serials.slice(i, i + 5000)).where('deleted_at', 'is', null).execute());
    }
    return new Map(rows.map((r) => [r.serial_number, r.id]));
  }

  async serialsOf(ids: string[]): Promise<Map<string, string>> {
    const rows: { id: string; serial_number: string }[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      rows.push(...await this.db.selectFrom('terminals').select(['id', 'serial_number']).where('id', 'in', ids.slice(i, i + 5000)).execute());
    }
    return new Map(rows.map((r) => [r.id, r.serial_number]));
  }
}

export class StaleVersion extends Error {
  constructor(readonly current: number) {
    super(`stale version: ${current}`);
  }
}
