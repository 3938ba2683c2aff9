// Estate queries (Kysely only). Rows come back as API-shaped objects via the mappers at the bottom.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { merchantOf, technicianSees } from '../access/scope-sql.ts';
import { FLEET, type Scope } from '../access/roles.ts';
import type { Database, MerchantTable, SiteTable, TerminalModelTable } from '../db/schema.ts';
import { selectInBatches } from '../db/batches.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, pages } from '../shared/paging.ts';
import { groupBy } from '../shared/group-by.ts';
import { anyContains, contains } from '../shared/text-search.ts';
import type { Clock } from '../shared/time.ts';
import type { Components, Merchant, OpeningHours, Site, Terminal, TerminalFilter, TerminalModel } from './estate.schemas.ts';
import { DEFAULT_COMPONENTS, DEFAULT_RECEIPTS_PER_ROLL } from './estate.rules.ts';
import { OUT_OF_SERVICE } from '../shared/job-states.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface NamedPageQuery {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  merchantId?: string | undefined;
}


export class EstateRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly offlineAfterMs: number,
    private readonly clock: Clock,
  ) {}

  // ---- merchants
  async insertMerchant(row: MerchantTable): Promise<void> {
    await this.db.insertInto('merchants').values(row).execute();
  }

  async findMerchant(id: string, scope: Scope = FLEET): Promise<Merchant | undefined> {
    const row = await this.db.selectFrom('merchants').selectAll().where('id', '=', id)
      .$if(scope.kind === 'merchant', (q) => q.where('id', '=', merchantOf(scope)))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('merchant', 'merchants.id', scope)))
      .executeTakeFirst();
    return row && toMerchant(row);
  }

  async updateMerchant(id: string, changes: Partial<MerchantTable>): Promise<void> {
    await this.db.updateTable('merchants').set(changes).where('id', '=', id).execute();
  }

  async deleteMerchant(id: string): Promise<void> {
    await this.db.deleteFrom('merchants').where('id', '=', id).execute();
  }

  async listMerchants(query: NamedPageQuery, scope: Scope): Promise<Merchant[]> {
    let q = this.db.selectFrom('merchants').selectAll()
      .$if(scope.kind === 'merchant', (b) => b.where('id', '=', merchantOf(scope)))
      .$if(scope.kind === 'technician', (b) => b.where(technicianSees('merchant', 'merchants.id', scope)));
    if (query.q) q = q.where(contains('name', query.q));
    const after = decodeCursor(query.cursor);
    if (after) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(query.limit + 1).execute();
    return rows.map(toMerchant);
  }

  async merchantHasSites(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('sites').select('id').where('merchant_id', '=', id).limit(1).executeTakeFirst());
  }

  // ---- sites
  async insertSite(row: SiteTable): Promise<void> {
    await this.db.insertInto('sites').values(row).execute();
  }

  async findSite(id: string, scope: Scope = FLEET): Promise<Site | undefined> {
    const row = await this.sites(scope).where('sites.id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async siteCodeTaken(code: string, exceptId?: string): Promise<boolean> {
    let q = this.db.selectFrom('sites').select('id').where('code', '=', code);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return !!(await q.executeTakeFirst());
  }

  async updateSite(id: string, changes: Partial<SiteTable>): Promise<void> {
    await this.db.updateTable('sites').set(changes).where('id', '=', id).execute();
  }

  async deleteSite(id: string): Promise<void> {
    await this.db.deleteFrom('sites').where('id', '=', id).execute();
  }

  async siteHasTerminals(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('terminals').select('id').where('site_id', '=', id).where('deleted_at', 'is', null).limit(1).executeTakeFirst());
  }

  async listSites(query: NamedPageQuery, scope: Scope): Promise<Site[]> {
    let q = this.sites(scope);
    if (query.q) q = q.where(anyContains(['sites.name', 'sites.code'], query.q));
    if (query.merchantId) q = q.where('sites.merchant_id', '=', query.merchantId);
    const after = decodeCursor(query.cursor);
    if (after) q = q.where('sites.id', '>', after);
    const rows = await q.orderBy('sites.id').limit(query.limit + 1).execute();
    return rows.map(toSite);
  }

  private sites(scope: Scope) {
    return this.db
      .selectFrom('sites')
      .innerJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .selectAll('sites')
      .select('merchants.time_zone as merchant_time_zone')
      .$if(scope.kind === 'merchant', (q) => q.where('sites.merchant_id', '=', merchantOf(scope)))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('site', 'sites.id', scope)));
  }

  // ---- terminal models
  async insertModel(row: TerminalModelTable): Promise<void> {
    await this.db.insertInto('terminal_models').values(row).execute();
  }

  async findModel(id: string): Promise<TerminalModel | undefined> {
    const row = await this.db.selectFrom('terminal_models').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toModel(row);
  }

  async modelCodeTaken(code: string, exceptId?: string): Promise<boolean> {
    let q = this.db.selectFrom('terminal_models').select('id').where('code', '=', code);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return !!(await q.executeTakeFirst());
  }

  async updateModel(id: string, changes: Partial<TerminalModelTable>): Promise<void> {
    await this.db.updateTable('terminal_models').set(changes).where('id', '=', id).execute();
  }

  async deleteModel(id: string): Promise<void> {
    await this.db.deleteFrom('terminal_models').where('id', '=', id).execute();
  }

  async modelHasTerminals(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('terminals').select('id').where('model_id', '=', id).limit(1).executeTakeFirst());
  }

  async listModels(query: NamedPageQuery): Promise<TerminalModel[]> {
    let q = this.db.selectFrom('terminal_models').selectAll();
    if (query.q) q = q.where(anyContains(['vendor', 'model', 'code'], query.q));
    const after = decodeCursor(query.cursor);
    if (after) q = q.where('id', '>', after);
    return (await q.orderBy('id').limit(query.limit + 1).execute()).map(toModel);
  }

  async codeLookups(): Promise<{ modelIdByCode: Map<string, string>; siteIdByCode: Map<string, string> }> {
    const [models, sites] = await Promise.all([
      this.db.selectFrom('terminal_models').select(['id', 'code']).execute(),
      this.db.selectFrom('sites').select(['id', 'code']).execute(),
    ]);
    return {
      modelIdByCode: new Map(models.map((m) => [m.code, m.id])),
      siteIdByCode: new Map(sites.map((s) => [s.code, s.id])),
    };
  }

  // ---- terminals
  async findTerminal(id: string, scope: Scope = FLEET, executor: Executor = this.db): Promise<Terminal | undefined> {
    const row = await this.terminals(executor, scope).where('terminals.id', '=', id).executeTakeFirst();
    return row && this.withTags(executor, [toTerminalBase(row, this.onlineSince())]).then(([t]) => t);
  }

  /** The terminals of `ids` the scope sees, in a few statements whatever their number (any order; unknown ids left out). */
  async findTerminals(ids: readonly string[], scope: Scope = FLEET): Promise<Terminal[]> {
    const since = this.onlineSince();
    const rows = await selectInBatches([...new Set(ids)], (batch) => this.terminals(this.db, scope).where('terminals.id', 'in', batch).execute());
    return selectInBatches(rows.map((row) => toTerminalBase(row, since)), (batch) => this.withTags(this.db, batch));
  }

  async findTerminalIdBySerial(serial: string, executor: Executor = this.db): Promise<{ id: string; deleted: boolean } | undefined> {
    const row = await executor.selectFrom('terminals').select(['id', 'deleted_at']).where('serial_number', '=', serial).executeTakeFirst();
    return row && { id: row.id, deleted: row.deleted_at !== null };
  }

  async listTerminals(filter: TerminalFilter, page: { limit: number; cursor?: string | undefined }, scope: Scope): Promise<Terminal[]> {
    let q = this.filteredTerminals(filter, scope);
    const after = decodeCursor(page.cursor);
    if (after) q = q.where('terminals.serial_number', '>', after);
    const rows = await q.orderBy('terminals.serial_number').limit(page.limit + 1).execute();
    const onlineSince = this.onlineSince();
    return this.withTags(this.db, rows.map((r) => toTerminalBase(r, onlineSince)));
  }

  /** Streams every matching terminal in pages of `batch`, for exports of any size. */
  eachTerminal(filter: TerminalFilter, scope: Scope, batch = 1000): AsyncGenerator<Terminal[]> {
    return pages((page) => this.listTerminals(filter, page, scope), (t) => t.serialNumber, batch);
  }

  private filteredTerminals(filter: TerminalFilter, scope: Scope) {
    let q = this.terminals(this.db, scope);
    if (!filter.includeDeleted) q = q.where('terminals.deleted_at', 'is', null);
    if (filter.merchantId) q = q.where('sites.merchant_id', '=', filter.merchantId);
    if (filter.siteId) q = q.where('terminals.site_id', '=', filter.siteId);
    if (filter.modelId) q = q.where('terminals.model_id', '=', filter.modelId);
    if (filter.status) q = q.where('terminals.status', '=', filter.status);
    if (filter.appVersion) q = q.where('terminals.app_version', '=', filter.appVersion);
    if (filter.firmwareVersion) q = q.where('terminals.firmware_version', '=', filter.firmwareVersion);
    if (filter.tag) {
      const tag = filter.tag;
      q = q.where((eb) => eb.exists(eb.selectFrom('terminal_tags').select('terminal_id').whereRef('terminal_tags.terminal_id', '=', 'terminals.id').where('terminal_tags.tag', '=', tag)));
    }
    if (filter.online === true) q = q.where('terminal_health.last_seen_at', '>=', this.onlineSince());
    if (filter.online === false) {
      q = q.where((eb) => eb.or([eb('terminal_health.last_seen_at', 'is', null), eb('terminal_health.last_seen_at', '<', this.onlineSince())]));
    }
    if (filter.fault) {
      const rule = filter.fault;
      q = q.where((eb) => eb.exists(eb.selectFrom('incidents').select('incidents.id').whereRef('incidents.terminal_id', '=', 'terminals.id')
        .where('incidents.rule', '=', rule).where('incidents.status', '!=', 'resolved')));
    }
    if (filter.mode) {
      // The mode as the live view shows it: a lock wins over a job, a job over being offline.
      const mode = filter.mode;
      const onlineSince = this.onlineSince();
      q = q.where((eb) => {
        const locked = eb.exists(eb.selectFrom('terminal_locks').select('terminal_locks.id').whereRef('terminal_locks.terminal_id', '=', 'terminals.id').where('terminal_locks.lifted_at', 'is', null));
        const inJob = eb.exists(eb.selectFrom('maintenance_jobs').select('maintenance_jobs.id').whereRef('maintenance_jobs.terminal_id', '=', 'terminals.id')
          .where('maintenance_jobs.state', 'in', [...OUT_OF_SERVICE]));
        const online = eb('terminal_health.last_seen_at', '>=', onlineSince);
        if (mode === 'locked') return locked;
        if (mode === 'maintenance') return eb.and([eb.not(locked), inJob]);
        if (mode === 'normal') return eb.and([eb.not(locked), eb.not(inJob), online]);
        return eb.and([eb.not(locked), eb.not(inJob), eb.or([eb('terminal_health.last_seen_at', 'is', null), eb('terminal_health.last_seen_at', '<', onlineSince)])]);
      });
    }
    if (filter.q) {
      q = q.where(anyContains(['terminals.serial_number', 'sites.name', 'merchants.name'], filter.q));
    }
    return q;
  }

  /** Terminals with their site, merchant and connectivity, narrowed to what `scope` may see. */
  private terminals(executor: Executor, scope: Scope) {
    return executor
      .selectFrom('terminals')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .leftJoin('terminal_health', 'terminal_health.terminal_id', 'terminals.id')
      .selectAll('terminals')
      .select(['sites.merchant_id as merchant_id', 'terminal_health.last_seen_at as last_seen_at'])
      .$if(scope.kind === 'merchant', (q) => q.where('sites.merchant_id', '=', merchantOf(scope)))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('terminal', 'terminals.id', scope)));
  }

  private async withTags(executor: Executor, terminals: Omit<Terminal, 'tags'>[]): Promise<Terminal[]> {
    if (terminals.length === 0) return [];
    const tags = await executor.selectFrom('terminal_tags').select(['terminal_id', 'tag']).where('terminal_id', 'in', terminals.map((t) => t.id)).orderBy('tag').execute();
    const byTerminal = groupBy(tags, (t) => t.terminal_id);
    return terminals.map((t) => ({ ...t, tags: (byTerminal.get(t.id) ?? []).map((x) => x.tag) }));
  }

  /** Terminals in CSV export shape, a page at a time. */
  async *exportRows(filter: TerminalFilter, scope: Scope, batch: number) {
    const models = new Map((await this.db.selectFrom('terminal_models').select(['id', 'code']).execute()).map((m) => [m.id, m.code]));
    const sites = new Map(
      (await this.db.selectFrom('sites').innerJoin('merchants', 'merchants.id', 'sites.merchant_id').select(['sites.id', 'sites.code', 'merchants.name as merchant_name']).execute())
        .map((s) => [s.id, s]),
    );
    for await (const page of this.eachTerminal(filter, scope, batch)) {
      yield page.map((t) => {
        const site = t.siteId ? sites.get(t.siteId) : undefined;
        return {
          serialNumber: t.serialNumber, modelCode: models.get(t.modelId) ?? '', siteCode: site?.code ?? null, status: t.status, tags: t.tags,
          appVersion: t.appVersion, firmwareVersion: t.firmwareVersion, networkType: t.networkType, merchant: site?.merchant_name ?? null,
          online: t.online, lastSeenAt: t.lastSeenAt,
        };
      });
    }
  }

  /** The instant after which a heartbeat still counts as "online". */
  onlineSince(): string {
    return new Date(this.clock().getTime() - this.offlineAfterMs).toISOString();
  }
}


function toMerchant(row: Selectable<MerchantTable>): Merchant {
  return {
    id: row.id, name: row.name, contactEmail: row.contact_email, contactPhone: row.contact_phone,
    timeZone: row.time_zone, locale: row.locale, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function toSite(row: Selectable<SiteTable> & { merchant_time_zone: string }): Site {
  return {
    id: row.id, merchantId: row.merchant_id, code: row.code, name: row.name, address: row.address,
    latitude: row.latitude, longitude: row.longitude, timeZone: row.time_zone ?? row.merchant_time_zone,
    openingHours: parseJson<OpeningHours>(row.opening_hours, {}), environment: parseJson<string[]>(row.environment, []),
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function toModel(row: Selectable<TerminalModelTable>): TerminalModel {
  return {
    id: row.id, code: row.code, vendor: row.vendor, model: row.model,
    components: parseJson<Components>(row.components, DEFAULT_COMPONENTS), ptsApprovalNumber: row.pts_approval_number ?? null, ptsExpiresAt: row.pts_expires_at ?? null,
    receiptsPerRoll: Number(row.receipts_per_roll ?? DEFAULT_RECEIPTS_PER_ROLL), createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

type TerminalRow = Selectable<Database['terminals']> & { merchant_id: string | null; last_seen_at: string | null };

function toTerminalBase(row: TerminalRow, onlineSince: string): Omit<Terminal, 'tags'> {
  return {
    id: row.id, serialNumber: row.serial_number, modelId: row.model_id, siteId: row.site_id, merchantId: row.merchant_id,
    status: row.status, appVersion: row.app_version, firmwareVersion: row.firmware_version,
    components: parseJson<Components>(row.components, DEFAULT_COMPONENTS), networkType: row.network_type,
    online: row.last_seen_at !== null && row.last_seen_at >= onlineSince, lastSeenAt: row.last_seen_at,
    createdAt: row.created_at, updatedAt: row.updated_at, deletedAt: row.deleted_at,
  };
}
