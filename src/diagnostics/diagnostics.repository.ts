// Diagnostics queries only: incidents, self-tests, suspicious-activity reports, the terminals and
// commands the incident rules look at, health-score counts. What the heartbeat rules remember and are
// tuned by is in ./rule-state.repository.ts, guide runs in ./guide-runs.repository.ts.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, IncidentTable, SuspiciousReportTable } from '../db/schema.ts';
import { merchantOf, NOTHING } from '../access/scope-sql.ts';
import type { IncidentStatus } from './diagnostics.schemas.ts';
import type { ScoredIncident } from './health-score.ts';
import type { Severity } from './heartbeat.rules.ts';
import type { Scope } from '../access/roles.ts';
import { batches, eachBatch, selectInBatches } from '../db/batches.ts';

export type IncidentRow = Selectable<IncidentTable>;

export interface IncidentQuery {
  status?: IncidentStatus | 'unresolved' | undefined;
  rule?: string | undefined;
  terminalId?: string | undefined;
  siteId?: string | undefined;
  merchantId?: string | undefined;
  severity?: Severity | undefined;
  /** First seen at or before this instant (an age filter). */
  seenBefore?: string | undefined;
  /** newest: newest first; severity: the worst first, then the oldest. */
  sort?: 'newest' | 'severity' | undefined;
  /** Keyset paging: after this "<first_seen_at>|<id>" key (newest), or "<rank>|<first_seen_at>|<id>" (severity). */
  before?: string | undefined;
  limit: number;
}

export class DiagnosticsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts an incident unless one is already open for its key; returns the open one either way. */
  async openIncident(row: IncidentTable): Promise<{ row: IncidentRow; created: boolean }> {
    const inserted = await this.db.insertInto('incidents').values(row).onConflict((oc) => oc.column('open_key').doNothing()).returningAll().executeTakeFirst();
    if (inserted) return { row: inserted, created: true };
    const existing = await this.db.selectFrom('incidents').selectAll().where('open_key', '=', row.open_key).executeTakeFirstOrThrow();
    return { row: existing, created: false };
  }

  /** Resolves an incident that is still open; false when it was resolved meanwhile. */
  async resolveIncident(id: string, at: string, by: string, resolution: string): Promise<IncidentRow | undefined> {
    return this.db.updateTable('incidents').set({ status: 'resolved', open_key: null, resolved_at: at, resolved_by: by, resolution, last_seen_at: at })
      .where('id', '=', id).where('open_key', 'is not', null).returningAll().executeTakeFirst();
  }

  async acknowledgeIncident(id: string, at: string, by: string): Promise<boolean> {
    const r = await this.db.updateTable('incidents').set({ status: 'acknowledged', acknowledged_at: at, acknowledged_by: by })
      .where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async touchIncidents(ids: string[], at: string) {
    await eachBatch(ids, (batch) => this.db.updateTable('incidents').set({ last_seen_at: at }).where('id', 'in', batch).where('open_key', 'is not', null).execute());
  }

  async markNotified(id: string, at: string) {
    await this.db.updateTable('incidents').set((eb) => ({ notified_count: eb('notified_count', '+', 1), last_notified_at: at })).where('id', '=', id).execute();
  }

  async findIncident(id: string) {
    return this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findOpen(openKey: string) {
    return this.db.selectFrom('incidents').selectAll().where('open_key', '=', openKey).executeTakeFirst();
  }

  async listIncidents(query: IncidentQuery, scope: Scope): Promise<IncidentRow[]> {
    let q = this.db.selectFrom('incidents').selectAll();
    if (scope.kind === 'merchant') q = q.where('merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    if (query.status === 'unresolved') q = q.where('open_key', 'is not', null);
    else if (query.status) q = q.where('status', '=', query.status);
    if (query.rule) q = q.where('rule', '=', query.rule);
    if (query.terminalId) q = q.where('terminal_id', '=', query.terminalId);
    if (query.siteId) q = q.where('site_id', '=', query.siteId);
    if (query.merchantId) q = q.where('merchant_id', '=', query.merchantId);
    if (query.severity) q = q.where('severity', '=', query.severity);
    if (query.seenBefore) q = q.where('first_seen_at', '<=', query.seenBefore);
    if (query.sort === 'severity') {
      // The worst first, then the oldest (it has waited longest); the cursor is "rank|first seen|id".
      const rank = sql<number>`case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;
      if (query.before) {
        const [r = '0', at = '', id = ''] = query.before.split('|');
        const n = Number(r);
        q = q.where((eb) => eb.or([
          eb(rank, '>', n),
          eb.and([eb(rank, '=', n), eb.or([eb('first_seen_at', '>', at), eb.and([eb('first_seen_at', '=', at), eb('id', '>', id)])])]),
        ]));
      }
      return q.orderBy(rank).orderBy('first_seen_at').orderBy('id').limit(query.limit + 1).execute();
    }
    if (query.before) {
      const [at = '', id = ''] = query.before.split('|');
      q = q.where((eb) => eb.or([eb('first_seen_at', '<', at), eb.and([eb('first_seen_at', '=', at), eb('id', '<', id)])]));
    }
    return q.orderBy('first_seen_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  }

  /** Offline terminals (per the sweep's flag) of active, placed terminals, with their site. */
  async offlineTerminals() {
    return this.db.selectFrom('terminal_health').innerJoin('terminals', 'terminals.id', 'terminal_health.terminal_id')
      .leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.model_id', 'terminals.site_id', 'sites.merchant_id', 'terminal_health.offline_since', 'terminal_health.last_seen_at'])
      .where('terminal_health.online', '=', 0).where('terminals.deleted_at', 'is', null).where('terminals.status', '=', 'active').execute();
  }

  /** Terminals that heartbeat at all, per site: the denominator of "most of the site is offline". */
  async monitoredPerSite(siteIds: string[]) {
    const rows = await selectInBatches(siteIds, (ids) => this.db.selectFrom('terminal_health').innerJoin('terminals', 'terminals.id', 'terminal_health.terminal_id')
      .select(['terminals.site_id', sql<number>`count(*)`.as('n')])
      .where('terminals.site_id', 'in', ids).where('terminals.deleted_at', 'is', null).where('terminals.status', '=', 'active')
      .groupBy('terminals.site_id').execute());
    return new Map(rows.map((r) => [r.site_id!, Number(r.n)]));
  }

  async openIncidentsOfRules(rules: string[]) {
    return this.db.selectFrom('incidents').selectAll().where('rule', 'in', rules).where('open_key', 'is not', null).execute();
  }

  /** A command of this type still on its way to the terminal (pending or delivered), if any. */
  async outstandingCommand(terminalId: string, type: string) {
    return this.db.selectFrom('terminal_commands').select('id').where('terminal_id', '=', terminalId).where('type', '=', type)
      .where('status', 'in', ['pending', 'delivered']).executeTakeFirst();
  }

  /** The newest command of a type per terminal (e.g. each terminal's last password rotation). */
  async latestCommandsOfType(terminalIds: string[], type: string) {
    const out = new Map<string, { id: string; status: string; created_at: string; completed_at: string | null; result: string | null }>();
    for (const ids of batches(terminalIds)) {
      const rows = await this.db.selectFrom('terminal_commands').select(['id', 'terminal_id', 'status', 'created_at', 'completed_at', 'result'])
        .where('terminal_id', 'in', ids).where('type', '=', type).orderBy('created_at').execute();
      for (const r of rows) out.set(r.terminal_id, r);
    }
    return out;
  }

  /** Each terminal's serial number and site. */
  async placements(terminalIds: string[]) {
    const rows = await selectInBatches(terminalIds, (ids) => this.db.selectFrom('terminals').select(['id', 'serial_number', 'site_id']).where('id', 'in', ids).execute());
    return new Map(rows.map((r) => [r.id, { serialNumber: r.serial_number, siteId: r.site_id }]));
  }

  async serials(terminalIds: string[]) {
    const rows = await selectInBatches(terminalIds, (ids) => this.db.selectFrom('terminals').select(['id', 'serial_number']).where('id', 'in', ids).execute());
    return new Map(rows.map((r) => [r.id, r.serial_number]));
  }

  // ---- self-tests and reports
  async insertSelfTest(row: { command_id: string; incident_id: string; parts: string; requested_at: string; requested_by: string }) {
    await this.db.insertInto('incident_self_tests').values(row).execute();
  }

  async selfTestsOf(incidentId: string) {
    return this.db.selectFrom('incident_self_tests').innerJoin('terminal_commands', 'terminal_commands.id', 'incident_self_tests.command_id')
      .select(['incident_self_tests.command_id', 'incident_self_tests.parts', 'incident_self_tests.requested_at', 'incident_self_tests.requested_by',
        'terminal_commands.status', 'terminal_commands.completed_at', 'terminal_commands.result'])
      .where('incident_self_tests.incident_id', '=', incidentId).orderBy('incident_self_tests.requested_at').execute();
  }

  async insertSuspiciousReport(row: SuspiciousReportTable) {
    await this.db.insertInto('suspicious_reports').values(row).execute();
  }

  /** The terminal's newest case still open or under investigation (a rule adds its evidence there). */
  async unclosedCaseOf(terminalId: string) {
    return this.db.selectFrom('suspicious_reports').select(['id', 'incident_id']).where('terminal_id', '=', terminalId).where('status', 'in', ['open', 'investigating'])
      .orderBy('reported_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async reportsOf(incidentId: string) {
    return this.db.selectFrom('suspicious_reports').selectAll().where('incident_id', '=', incidentId).orderBy('reported_at').execute();
  }

  /** Latest heartbeat reports of the terminals in scope (for the security posture report). */
  async latestReports(scope: Scope, merchantId: string | undefined) {
    let q = this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .leftJoin('terminal_health', 'terminal_health.terminal_id', 'terminals.id')
      .select(['terminals.id', 'terminals.serial_number', 'terminals.site_id', 'sites.merchant_id', 'terminal_health.report', 'terminal_health.last_seen_at'])
      .where('terminals.deleted_at', 'is', null);
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    if (merchantId) q = q.where('sites.merchant_id', '=', merchantId);
    return q.orderBy('terminals.serial_number').limit(10_001).execute();
  }

  // ---- health scores
  /**
   * Open incidents concerning a terminal (its own and its site's), a site, a merchant or, with no
   * subject, everything in the caller's scope (by where each incident was raised).
   */
  async openIncidentsConcerning(subject: { terminalId?: string; siteOfTerminal?: string | null; siteId?: string; merchantId?: string }, scope: Scope): Promise<ScoredIncident[]> {
    let q = this.db.selectFrom('incidents').select(['id', 'rule', 'severity', 'terminal_id', 'site_id']).where('open_key', 'is not', null);
    if (scope.kind === 'merchant') q = q.where('merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    const { terminalId, siteOfTerminal } = subject;
    if (terminalId) {
      q = q.where((eb) => eb.or([eb('terminal_id', '=', terminalId), ...(siteOfTerminal ? [eb.and([eb('terminal_id', 'is', null), eb('site_id', '=', siteOfTerminal)])] : [])]));
    }
    if (subject.siteId) q = q.where('site_id', '=', subject.siteId);
    if (subject.merchantId) q = q.where('merchant_id', '=', subject.merchantId);
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, rule: r.rule, severity: r.severity, terminalId: r.terminal_id, siteId: r.site_id }));
  }

  /** Terminals in service (placed, active, not deleted) of a site, a merchant or the caller's scope. */
  async terminalsInService(subject: { siteId?: string; merchantId?: string }, scope: Scope): Promise<number> {
    let q = this.db.selectFrom('terminals').innerJoin('sites', 'sites.id', 'terminals.site_id').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('terminals.deleted_at', 'is', null).where('terminals.status', '=', 'active');
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    if (subject.siteId) q = q.where('terminals.site_id', '=', subject.siteId);
    if (subject.merchantId) q = q.where('sites.merchant_id', '=', subject.merchantId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Terminals in service of each site, for the site incidents that concern them all. */
  async terminalsOfSites(siteIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const ids of batches(siteIds)) {
      const rows = await this.db.selectFrom('terminals').select(['id', 'site_id']).where('site_id', 'in', ids)
        .where('deleted_at', 'is', null).where('status', '=', 'active').execute();
      for (const r of rows) {
        const ofSite = out.get(r.site_id!);
        if (ofSite) ofSite.push(r.id);
        else out.set(r.site_id!, [r.id]);
      }
    }
    return out;
  }
}
