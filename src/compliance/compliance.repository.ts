// Queries of the PCI DSS evidence: terminals with their model, location, latest heartbeat and latest
// inspection in one pass (keyset-paged by serial number), operator accounts, and inspection rows.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Scope } from '../access/roles.ts';
import type { Database, InspectionTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, pages } from '../shared/paging.ts';
import { merchantOf, NOTHING, technicianSees } from '../access/scope-sql.ts';
import type { DeviceRow, OperatorRow } from './compliance.rules.ts';

export interface DeviceFilter {
  merchantId?: string | undefined;
  /** Only terminals trading at a site (status active). */
  inUseOnly?: boolean;
  /** Only terminals without an inspection at or after this instant. */
  notInspectedSince?: string;
  /** Read the latest heartbeat's security settings too. */
  withSecurity?: boolean;
}


export class ComplianceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Terminals not deleted, by serial number, `limit + 1` rows after `cursor`, narrowed to what `scope` may see. */
  async devices(filter: DeviceFilter, page: { limit: number; cursor?: string | undefined }, scope: Scope): Promise<DeviceRow[]> {
    const after = decodeCursor(page.cursor);
    const rows = await this.db
      .selectFrom('terminals')
      .innerJoin('terminal_models', 'terminal_models.id', 'terminals.model_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .leftJoin('terminal_health', 'terminal_health.terminal_id', 'terminals.id')
      .select([
        'terminals.id', 'terminals.serial_number', 'terminals.status', 'terminals.created_at', 'terminals.model_id', 'terminal_models.vendor', 'terminal_models.model',
        'merchants.id as merchant_id', 'merchants.name as merchant_name', 'sites.id as site_id', 'sites.code as site_code', 'sites.name as site_name',
        'sites.address', 'terminal_health.last_seen_at',
      ])
      .select((eb) => [
        eb.selectFrom('inspections').select('inspections.inspected_at').whereRef('inspections.terminal_id', '=', 'terminals.id')
          .orderBy('inspections.inspected_at', 'desc').orderBy('inspections.id', 'desc').limit(1).as('last_inspected_at'),
        eb.selectFrom('inspections').select('inspections.outcome').whereRef('inspections.terminal_id', '=', 'terminals.id')
          .orderBy('inspections.inspected_at', 'desc').orderBy('inspections.id', 'desc').limit(1).as('last_outcome'),
      ])
      .$if(!!filter.withSecurity, (q) => q.select('terminal_health.report'))
      .where('terminals.deleted_at', 'is', null)
      .$if(scope.kind === 'merchant', (q) => q.where('sites.merchant_id', '=', merchantOf(scope)))
      .$if(scope.kind === 'technician', (q) => q.where(technicianSees('terminal', 'terminals.id', scope)))
      .$if(!!filter.merchantId, (q) => q.where('sites.merchant_id', '=', filter.merchantId!))
      .$if(!!filter.inUseOnly, (q) => q.where('terminals.status', '=', 'active'))
      .$if(!!filter.notInspectedSince, (q) => q.where((eb) => eb.not(eb.exists(
        eb.selectFrom('inspections').select('inspections.id').whereRef('inspections.terminal_id', '=', 'terminals.id')
          .where('inspections.inspected_at', '>=', filter.notInspectedSince!),
      ))))
      .$if(after !== undefined, (q) => q.where('terminals.serial_number', '>', after!))
      .orderBy('terminals.serial_number')
      .limit(page.limit + 1)
      .execute();
    return rows.map((r) => ({
      terminalId: r.id, serialNumber: r.serial_number, modelId: r.model_id, vendor: r.vendor, model: r.model, status: r.status, registeredAt: r.created_at,
      merchantId: r.merchant_id, merchantName: r.merchant_name, siteId: r.site_id, siteCode: r.site_code, siteName: r.site_name, address: r.address,
      lastSeenAt: r.last_seen_at, lastInspectedAt: r.last_inspected_at, lastInspectionOutcome: r.last_outcome === 'fail' ? 'fail' : r.last_outcome === 'pass' ? 'pass' : null,
      security: filter.withSecurity ? securityOf(r.report) : null,
    }));
  }

  /** Every matching terminal, a page at a time, for exports and reports of any size. */
  eachDevice(filter: DeviceFilter, scope: Scope, batch = 1000): AsyncGenerator<DeviceRow[]> {
    return pages((page) => this.devices(filter, page, scope), (d) => d.serialNumber, batch);
  }

  /** Enabled accounts: all of them for the fleet, a merchant's own for a merchant, none for a technician. */
  async operators(merchantId: string | undefined, scope: Scope): Promise<OperatorRow[]> {
    const rows = await this.db.selectFrom('users')
      .select(['id', 'email', 'name', 'role', 'password_changed_at'])
      .select(sql<number>`case when password_hash is null then 0 else 1 end`.as('has_password'))
      .where('disabled_at', 'is', null)
      .$if(merchantId !== undefined, (q) => q.where('merchant_id', '=', merchantId!))
      .$if(scope.kind === 'technician', (q) => q.where(NOTHING))
      .orderBy('email')
      .execute();
    return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, role: r.role, hasPassword: Number(r.has_password) === 1, passwordChangedAt: r.password_changed_at }));
  }

  // ---- inspections
  /** Stores an inspection and runs `then` in its transaction (what a failed one opens commits or rolls back with it). */
  insertInspection(row: InspectionTable, then: (trx: Executor) => Promise<void>): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('inspections').values(row).execute();
      await then(trx);
    });
  }

  async findInspection(id: string): Promise<Selectable<InspectionTable> | undefined> {
    return this.db.selectFrom('inspections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listInspections(terminalId: string): Promise<Selectable<InspectionTable>[]> {
    return this.db.selectFrom('inspections').selectAll().where('terminal_id', '=', terminalId).orderBy('inspected_at', 'desc').orderBy('id', 'desc').execute();
  }
}

function securityOf(report: string | null | undefined): DeviceRow['security'] {
  if (!report) return null;
  const security = parseJson<{ security?: { passwordChangedAt?: unknown; pinEntryEnabled?: unknown; encryptionEnabled?: unknown } }>(report, {}).security;
  if (!security) return null;
  return {
    passwordChangedAt: typeof security.passwordChangedAt === 'string' ? security.passwordChangedAt : null,
    pinEntryEnabled: security.pinEntryEnabled === true,
    encryptionEnabled: security.encryptionEnabled === true,
  };
}
