// Security queries only: last sightings and usual networks, geofences, key slots and policies, key
// injection results, settings. Written in batches by the security service's flush, never per heartbeat.
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { onPostgres } from '../db/database.ts';
import { merchantOf, technicianSees } from '../access/scope-sql.ts';
import type { Scope } from '../access/roles.ts';
import { eachBatch, insertInBatches, selectInBatches } from '../db/batches.ts';
import { fixed } from '../db/prepared.ts';
import type {
  AcquirerKeyPolicyTable, Database, KeyInjectionTable, SiteGeofenceTable, TerminalKeySlotTable, TerminalLocationTable, TerminalNetworkTable,
} from '../db/schema.ts';

const SETTINGS_ID = 'default';

export class SecurityRepository {
  /**
   * PostgreSQL: the flush's reads and its write of last sightings (every second under load, a row per
   * terminal heard from) are statements written once for any number of terminals (arrays), prepared by
   * name: an `IN` list or a multi-row insert of ~600 rows took PostgreSQL 7–10 ms to plan each time.
   */
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = onPostgres(db);
  }

  // ---- settings
  async settings(): Promise<string | undefined> {
    return (await this.db.selectFrom('security_settings').select('value').where('id', '=', SETTINGS_ID).executeTakeFirst())?.value;
  }

  async saveSettings(value: string, at: string, by: string): Promise<void> {
    await this.db.insertInto('security_settings').values({ id: SETTINGS_ID, value, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('id').doUpdateSet({ value, updated_at: at, updated_by: by })).execute();
  }

  // ---- geofences
  async geofences() {
    return this.db.selectFrom('site_geofences').selectAll().execute();
  }

  async saveGeofence(row: SiteGeofenceTable): Promise<void> {
    await this.db.insertInto('site_geofences').values(row).onConflict((oc) => oc.column('site_id').doUpdateSet({
      latitude: row.latitude, longitude: row.longitude, radius_m: row.radius_m, updated_at: row.updated_at, updated_by: row.updated_by,
    })).execute();
  }

  async deleteGeofence(siteId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('site_geofences').where('site_id', '=', siteId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- what a flush needs about the terminals it saw
  async terminals(ids: string[]) {
    if (this.postgres) {
      if (!ids.length) return [];
      return (await this.db.executeQuery(this.terminalsPg(ids))).rows.map((r) => ({ ...r, tags: r.tags ?? [] }));
    }
    const rows = await selectInBatches(ids, (batch) => this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.site_id', 'sites.merchant_id']).where('terminals.id', 'in', batch).execute());
    const tags = await selectInBatches(ids, (batch) => this.db.selectFrom('terminal_tags').select(['terminal_id', 'tag']).where('terminal_id', 'in', batch).execute());
    return rows.map((r) => ({ ...r, tags: tags.filter((t) => t.terminal_id === r.id).map((t) => t.tag) }));
  }

  private readonly terminalsPg = fixed<{ id: string; serial_number: string; site_id: string | null; merchant_id: string | null; tags: string[] | null }>(`
    select t.id, t.serial_number, t.site_id, s.merchant_id, g.tags from terminals t left join sites s on s.id = t.site_id
    left join (select terminal_id, array_agg(tag) as tags from terminal_tags where terminal_id = any($1::text[]) group by terminal_id) g on g.terminal_id = t.id
    where t.id = any($1::text[])`);

  async locations(ids: string[]) {
    if (this.postgres) return ids.length ? (await this.db.executeQuery(this.locationsPg(ids))).rows : [];
    return selectInBatches(ids, (batch) => this.db.selectFrom('terminal_locations').selectAll().where('terminal_id', 'in', batch).execute());
  }

  private readonly locationsPg = fixed<Selectable<TerminalLocationTable>>('select * from terminal_locations where terminal_id = any($1::text[])');

  async networks(ids: string[]) {
    if (this.postgres) return ids.length ? (await this.db.executeQuery(this.networksPg(ids))).rows : [];
    return selectInBatches(ids, (batch) => this.db.selectFrom('terminal_networks').selectAll().where('terminal_id', 'in', batch).execute());
  }

  private readonly networksPg = fixed<Selectable<TerminalNetworkTable>>('select * from terminal_networks where terminal_id = any($1::text[])');

  /** Last sightings, one row per terminal. */
  async saveLocations(rows: TerminalLocationTable[]): Promise<void> {
    if (this.postgres) {
      if (!rows.length) return;
      const column = <K extends keyof TerminalLocationTable>(key: K) => rows.map((r) => r[key]);
      await this.db.executeQuery(this.saveLocationsPg(column('terminal_id'), column('seen_at'), column('latitude'), column('longitude'), column('accuracy_m'),
        column('cell_id'), column('bssid'), column('source_address'), column('distance_m'), column('suspect_since'), column('suspect_reasons'),
        column('case_id'), column('updated_at')));
      return;
    }
    await insertInBatches(rows, (batch) => this.db.insertInto('terminal_locations').values(batch).onConflict((oc) => oc.column('terminal_id').doUpdateSet((eb) => ({
      seen_at: eb.ref('excluded.seen_at'), latitude: eb.ref('excluded.latitude'), longitude: eb.ref('excluded.longitude'), accuracy_m: eb.ref('excluded.accuracy_m'),
      cell_id: eb.ref('excluded.cell_id'), bssid: eb.ref('excluded.bssid'), source_address: eb.ref('excluded.source_address'), distance_m: eb.ref('excluded.distance_m'),
      suspect_since: eb.ref('excluded.suspect_since'), suspect_reasons: eb.ref('excluded.suspect_reasons'), updated_at: eb.ref('excluded.updated_at'),
      // An episode that goes on keeps the case the sweep (maybe on another node) opened for it meanwhile.
      case_id: sql<string | null>`COALESCE(excluded.case_id, CASE WHEN excluded.suspect_since IS NOT NULL AND excluded.suspect_since = terminal_locations.suspect_since THEN terminal_locations.case_id END)`,
    }))).execute());
  }

  // The same upsert as SQLite's below, with every row's values in thirteen arrays.
  private readonly saveLocationsPg = fixed(`
    insert into terminal_locations (terminal_id, seen_at, latitude, longitude, accuracy_m, cell_id, bssid, source_address, distance_m, suspect_since,
      suspect_reasons, case_id, updated_at)
    select * from unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[],
      $11::text[], $12::text[], $13::text[])
    on conflict (terminal_id) do update set seen_at = excluded.seen_at, latitude = excluded.latitude, longitude = excluded.longitude,
      accuracy_m = excluded.accuracy_m, cell_id = excluded.cell_id, bssid = excluded.bssid, source_address = excluded.source_address,
      distance_m = excluded.distance_m, suspect_since = excluded.suspect_since, suspect_reasons = excluded.suspect_reasons, updated_at = excluded.updated_at,
      case_id = coalesce(excluded.case_id, case when excluded.suspect_since is not null and excluded.suspect_since = terminal_locations.suspect_since
        then terminal_locations.case_id end)`);

  /** Terminals suspect since before `before` whose episode has no case yet: silent ones the heartbeats will not judge. */
  async suspectsWithoutCase(before: string, limit: number) {
    return this.db.selectFrom('terminal_locations').selectAll().where('suspect_since', 'is not', null).where('suspect_since', '<=', before)
      .where('case_id', 'is', null).orderBy('suspect_since').limit(limit).execute();
  }

  /** Gives a stored episode its case (or a claim on it) unless it has one already, e.g. from another node: whether this one did. */
  async claimEpisode(terminalId: string, suspectSince: string, caseId: string | null, unless: string | null = null): Promise<boolean> {
    const r = await this.db.updateTable('terminal_locations').set({ case_id: caseId }).where('terminal_id', '=', terminalId)
      .where('suspect_since', '=', suspectSince).where((eb) => (unless === null ? eb('case_id', 'is', null) : eb('case_id', '=', unless))).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async addNetworks(rows: TerminalNetworkTable[]): Promise<void> {
    await insertInBatches(rows, (batch) => this.db.insertInto('terminal_networks').values(batch).onConflict((oc) => oc.doNothing()).execute());
  }

  // ---- key slots
  async keySlots(ids: string[]) {
    return selectInBatches(ids, (batch) => this.db.selectFrom('terminal_key_slots').selectAll().where('terminal_id', 'in', batch).orderBy('slot').execute());
  }

  /** Replaces the slots of the terminals given (what they reported last is what they hold). */
  async replaceKeySlots(terminalIds: string[], rows: TerminalKeySlotTable[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await eachBatch(terminalIds, (ids) => trx.deleteFrom('terminal_key_slots').where('terminal_id', 'in', ids).execute());
      await insertInBatches(rows, (batch) => trx.insertInto('terminal_key_slots').values(batch).execute());
    });
  }

  async policies() {
    return this.db.selectFrom('acquirer_key_policies').selectAll().orderBy('acquirer').orderBy('key_type').execute();
  }

  async savePolicy(row: AcquirerKeyPolicyTable): Promise<void> {
    await this.db.insertInto('acquirer_key_policies').values(row).onConflict((oc) => oc.columns(['acquirer', 'key_type']).doUpdateSet({
      bdk_id: row.bdk_id, kcv: row.kcv, updated_at: row.updated_at, updated_by: row.updated_by,
    })).execute();
  }

  async deletePolicy(acquirer: string, keyType: string): Promise<boolean> {
    const r = await this.db.deleteFrom('acquirer_key_policies').where('acquirer', '=', acquirer).where('key_type', '=', keyType as 'TPK').executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async addInjection(row: Insertable<KeyInjectionTable>): Promise<void> {
    await this.db.insertInto('key_injections').values(row).onConflict((oc) => oc.column('job_id').doNothing()).execute();
  }

  async injections(terminalId: string) {
    return this.db.selectFrom('key_injections').selectAll().where('terminal_id', '=', terminalId).orderBy('recorded_at', 'desc').limit(20).execute();
  }

  // ---- a terminal's security, for people
  async fingerprint(terminalId: string) {
    return this.db.selectFrom('terminal_credentials').select(['hardware_fingerprint', 'created_at']).where('terminal_id', '=', terminalId)
      .where('revoked_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
  }

  /** Terminals the caller may see (not deleted), with their site, for the key inventory. */
  async terminalsIn(scope: Scope) {
    let q = this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.site_id', 'sites.name as site_name', 'sites.merchant_id'])
      .where('terminals.deleted_at', 'is', null);
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(technicianSees('terminal', 'terminals.id', scope));
    return q.orderBy('terminals.serial_number').execute();
  }
}
