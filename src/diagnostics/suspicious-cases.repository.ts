// Suspicious-activity case queries only: cases (the reports) with where their terminal belongs, their
// history, and the people who may own them.
import type { Kysely } from 'kysely';
import { merchantOf, technicianSees } from '../access/scope-sql.ts';
import type { Scope } from '../access/roles.ts';
import type { Database, SuspiciousCaseEventTable } from '../db/schema.ts';
import type { CaseStatus } from './suspicious-cases.ts';

export interface CaseQuery {
  status?: CaseStatus | 'unclosed' | undefined;
  terminalId?: string | undefined;
  ownerId?: string | undefined;
  /** Reported before this "<reported_at>|<id>" key (keyset paging, newest first). */
  before?: string | undefined;
  limit: number;
}

export class SuspiciousCasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private cases(scope: Scope) {
    let q = this.db.selectFrom('suspicious_reports as c')
      .innerJoin('terminals', 'terminals.id', 'c.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .leftJoin('users as owner', 'owner.id', 'c.owner_id')
      .selectAll('c')
      .select(['terminals.serial_number', 'terminals.site_id', 'sites.merchant_id', 'owner.name as owner_name']);
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(technicianSees('terminal', 'c.terminal_id', scope));
    return q;
  }

  /** A case the caller may see, or undefined. */
  async find(id: string, scope: Scope) {
    return this.cases(scope).where('c.id', '=', id).executeTakeFirst();
  }

  async list(query: CaseQuery, scope: Scope) {
    let q = this.cases(scope);
    if (query.status === 'unclosed') q = q.where('c.status', 'in', ['open', 'investigating']);
    else if (query.status) q = q.where('c.status', '=', query.status);
    if (query.terminalId) q = q.where('c.terminal_id', '=', query.terminalId);
    if (query.ownerId) q = q.where('c.owner_id', '=', query.ownerId);
    if (query.before) {
      const [at = '', id = ''] = query.before.split('|');
      q = q.where((eb) => eb.or([eb('c.reported_at', '<', at), eb.and([eb('c.reported_at', '=', at), eb('c.id', '<', id)])]));
    }
    return q.orderBy('c.reported_at', 'desc').orderBy('c.id', 'desc').limit(query.limit + 1).execute();
  }

  async history(caseId: string) {
    return this.db.selectFrom('suspicious_case_events').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  }

  async addEvent(event: SuspiciousCaseEventTable) {
    await this.db.insertInto('suspicious_case_events').values(event).execute();
  }

  /**
   * Changes a case only if it is still as the caller saw it (status and owner), and records the change
   * in the same transaction; false when someone else changed it meanwhile.
   */
  async change(id: string, seen: { status: CaseStatus; owner_id: string | null }, set: { status?: CaseStatus; owner_id?: string | null; updated_at: string }, event: SuspiciousCaseEventTable): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('suspicious_reports').set(set).where('id', '=', id).where('status', '=', seen.status)
        .where((eb) => (seen.owner_id === null ? eb('owner_id', 'is', null) : eb('owner_id', '=', seen.owner_id))).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx.insertInto('suspicious_case_events').values(event).execute();
      return true;
    });
  }

  /** Cases of an incident that are still open or under investigation. */
  async unclosedOf(incidentId: string): Promise<number> {
    const row = await this.db.selectFrom('suspicious_reports').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('incident_id', '=', incidentId).where('status', 'in', ['open', 'investigating']).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Active users with one of these roles, by name. */
  activeUsersIn(roles: readonly Database['users']['role'][]) {
    return this.db.selectFrom('users').select(['id', 'name', 'role']).where('disabled_at', 'is', null).where('role', 'in', roles).orderBy('name').orderBy('id').execute();
  }
  async user(id: string) {
    return this.db.selectFrom('users').select(['id', 'name', 'role', 'disabled_at']).where('id', '=', id).executeTakeFirst();
  }
}
