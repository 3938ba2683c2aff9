// Incidents: opening one (once per terminal or site and rule; tells people, locks a tampered terminal,
// asks for a password rotation), resolving it, and what operators do with incidents: list, acknowledge,
// resolve, self-tests, suspicious-activity reports. The rules that open them live in the heartbeat
// observer and the offline sweep.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { IncidentTable } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { invalidField, notFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { DiagnosticsRepository, IncidentRow } from './diagnostics.repository.ts';
import type { IncidentQuery as IncidentListQuery, SelfTestInput, SuspiciousActivityInput } from './diagnostics.schemas.ts';
import { guideForRule } from './guides.ts';
import { notifies, RULE_POLICY, type Rule } from './heartbeat.rules.ts';
import type { RuleContext } from './rule-context.ts';
import { RULE_LABELS, TRADING_LABELS } from './rule-labels.ts';
import type { TradingRule } from './trading.rules.ts';
import type { SuspiciousCaseService } from './suspicious-cases.service.ts';

export interface IncidentSettings {
  /** Locks a terminal at once (tamper); may refuse when it is locked already. */
  lock?: ((terminalId: string, reason: string) => Promise<void>) | undefined;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

/** Who the rules act as. */
export const SYSTEM = 'PosFleet';

export class IncidentService {
  constructor(
    private readonly repo: DiagnosticsRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getTerminal'>,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly queueCommand: (terminalId: string, input: { type: 'self_test' | 'rotate_password'; payload: Record<string, unknown> }, createdBy: string) => Promise<{ id: string }>,
    private readonly context: RuleContext,
    /** Suspicious-activity reports as cases (their reports are made here). */
    private readonly cases: Pick<SuspiciousCaseService, 'opened' | 'addEvidence'>,
    private readonly settings: IncidentSettings = {},
  ) {}

  private now = () => this.clock().toISOString();

  // ---- opening and resolving
  /** Opens (or finds the open) incident for a terminal or site and rule; tells people when it is new. */
  async openIncident(input: { terminal_id: string | null; site_id: string | null; merchant_id: string | null; rule: Rule; detail: Record<string, unknown>; at: string }): Promise<IncidentRow> {
    const row: IncidentTable = {
      id: randomUUID(), terminal_id: input.terminal_id, site_id: input.site_id, merchant_id: input.merchant_id, rule: input.rule,
      severity: RULE_POLICY[input.rule].severity, status: 'open', open_key: openKey(input.terminal_id ?? `site:${input.site_id}`, input.rule),
      detail: JSON.stringify(input.detail), first_seen_at: input.at, last_seen_at: input.at, acknowledged_at: null, acknowledged_by: null,
      resolved_at: null, resolved_by: null, resolution: null, notified_count: 0, last_notified_at: null,
    };
    const { row: incident, created } = await this.repo.openIncident(row);
    if (!created) return incident;
    this.settings.log?.('incident opened', { incident: incident.id, rule: incident.rule, terminal: incident.terminal_id, site: incident.site_id });
    if (incident.rule === 'tamper' && incident.terminal_id && this.settings.lock) {
      try {
        await this.settings.lock(incident.terminal_id, `tamper alert (incident ${incident.id})`);
      } catch (error) {
        this.settings.log?.('tamper lock not applied', { terminal: incident.terminal_id, error: String(error) });
      }
    }
    if (incident.rule === 'password_too_old' && incident.terminal_id) await this.requestRotation(incident);
    if (notifies(incident.severity)) await this.tell('incident.opened', incident, `incident.opened:${incident.id}`);
    return incident;
  }

  /**
   * A terminal past the password policy is told to rotate its password, once: no second command while
   * one is on its way; the incident resolves when a heartbeat reports a fresh passwordChangedAt.
   */
  private async requestRotation(incident: IncidentRow): Promise<void> {
    try {
      if (await this.repo.outstandingCommand(incident.terminal_id!, 'rotate_password')) return;
      await this.queueCommand(incident.terminal_id!, { type: 'rotate_password', payload: { incidentId: incident.id, maxAgeDays: this.context.base.password.maxAgeDays } }, SYSTEM);
    } catch (error) {
      this.settings.log?.('password rotation not requested', { incident: incident.id, error: String(error) });
    }
  }

  async resolveRow(row: IncidentRow, at: string, by: string, resolution: string): Promise<IncidentRow | undefined> {
    const resolved = await this.repo.resolveIncident(row.id, at, by, resolution);
    if (!resolved) return undefined;
    this.context.forgetOpen(resolved);
    if (notifies(resolved.severity)) await this.tell('incident.resolved', resolved, `incident.resolved:${resolved.id}`);
    return resolved;
  }

  /** Resolves the open incidents of a rule whose terminal `cleared` says is fine again (a rule checked outside the heartbeat batch); how many. */
  async resolveCleared(rule: Rule, cleared: (terminalId: string) => boolean, resolution: string): Promise<number> {
    let resolved = 0;
    const at = this.now();
    for (const row of await this.repo.openIncidentsOfRules([rule])) {
      if (row.terminal_id && cleared(row.terminal_id) && (await this.resolveRow(row, at, SYSTEM, resolution))) resolved++;
    }
    return resolved;
  }

  async tell(event: 'incident.opened' | 'incident.resolved' | 'incident.reminder', incident: IncidentRow, key: string): Promise<void> {
    try {
      const detail = parseJson<Record<string, unknown>>(incident.detail, {});
      const serials = incident.terminal_id
        ? [(await this.repo.serials([incident.terminal_id])).get(incident.terminal_id) ?? incident.terminal_id]
        : ((detail.terminals as string[] | undefined) ?? []);
      await this.notifications.notify({
        event, merchantId: incident.merchant_id, siteId: incident.site_id, key,
        data: {
          incidentId: incident.id, terminals: serials, rule: incident.rule, severity: incident.severity,
          summary: RULE_LABELS[incident.rule as Rule] ?? { 'zh-CN': incident.rule, en: incident.rule },
          since: incident.first_seen_at, ...(incident.resolved_at && { resolvedAt: incident.resolved_at }),
        },
      });
      await this.repo.markNotified(incident.id, this.now());
    } catch (error) {
      // A notice that cannot be queued must not undo the incident; the log says why.
      this.settings.log?.('incident notice not queued', { incident: incident.id, event, error: String(error) });
    }
  }

  // ---- operators
  async list(query: IncidentListQuery, scope: Scope) {
    const limit = query.limit ?? 100;
    const seenBefore = query.olderThanHours ? new Date(this.clock().getTime() - query.olderThanHours * 3_600_000).toISOString() : undefined;
    const rows = await this.repo.listIncidents({ ...query, seenBefore, before: decodeCursor(query.cursor), limit }, scope);
    const rank = (severity: string) => ({ critical: 0, high: 1, medium: 2 } as Record<string, number>)[severity] ?? 3;
    return toPage(rows.map(toIncident), limit, (i) => (query.sort === 'severity' ? `${rank(i.severity)}|${i.firstSeenAt}|${i.id}` : `${i.firstSeenAt}|${i.id}`));
  }

  async get(id: string, scope: Scope) {
    const row = await this.visible(id, scope);
    const [selfTests, reports] = await Promise.all([this.repo.selfTestsOf(id), this.repo.reportsOf(id)]);
    return {
      ...toIncident(row),
      selfTests: selfTests.map((s) => ({
        commandId: s.command_id, parts: parseJson<string[]>(s.parts, []), requestedAt: s.requested_at, requestedBy: s.requested_by,
        status: s.status, completedAt: s.completed_at, report: parseJson<unknown>(s.result, null),
      })),
      suspiciousReports: reports.map((r) => ({ id: r.id, what: r.what, occurredAt: r.occurred_at, reportedBy: r.reported_by, reportedAt: r.reported_at, status: r.status, ownerId: r.owner_id })),
    };
  }

  /** An incident the caller may see: merchant users see their own merchant's, others the fleet's. */
  async visible(id: string, scope: Scope): Promise<IncidentRow> {
    const row = await this.repo.findIncident(id);
    if (!row || (scope.kind === 'merchant' && row.merchant_id !== scope.merchantId) || scope.kind === 'technician') throw notFound('incident', id);
    return row;
  }

  async acknowledge(id: string, scope: Scope, actor: string) {
    const row = await this.visible(id, scope);
    if (!(await this.repo.acknowledgeIncident(row.id, this.now(), actor))) throw refused('diagnostics.incident_not_open', { status: row.status }, { field: 'status' });
    return this.get(id, scope);
  }

  async resolve(id: string, note: string | undefined, scope: Scope, actor: string) {
    const row = await this.visible(id, scope);
    if (!row.open_key) throw refused('diagnostics.incident_resolved', {}, { field: 'status', retryable: false });
    if (!(await this.resolveRow(row, this.now(), actor, note ?? 'resolved by an operator'))) throw refused('diagnostics.incident_resolved', {}, { field: 'status', retryable: false });
    return this.get(id, scope);
  }

  /** Resolves an incident when a troubleshooting run fixed it, or its cases closed (no-op when it is resolved already). */
  async resolvedByGuide(id: string, actor: string, resolution: string): Promise<void> {
    const row = await this.repo.findIncident(id);
    if (row?.open_key) await this.resolveRow(row, this.now(), actor, resolution);
  }

  /** Resolves a terminal's open incident of a rule, if there is one (its condition cleared). */
  async resolveOpenOf(terminalId: string, rule: Rule, by: string, resolution: string): Promise<void> {
    const row = await this.repo.findOpen(openKey(terminalId, rule));
    if (row) await this.resolveRow(row, this.now(), by, resolution);
  }

  /** Remote diagnostics: a self_test command for the incident's terminal; its result is the report. */
  async requestSelfTest(id: string, input: SelfTestInput, scope: Scope, actor: string) {
    const row = await this.visible(id, scope);
    if (!row.terminal_id) throw invalidField('id', 'diagnostics.site_incident_self_test');
    const parts = input.parts ?? ['printer', 'card_reader', 'network', 'battery'];
    const command = await this.queueCommand(row.terminal_id, { type: 'self_test', payload: { parts, incidentId: row.id } }, actor);
    await this.repo.insertSelfTest({ command_id: command.id, incident_id: row.id, parts: JSON.stringify(parts), requested_at: this.now(), requested_by: actor });
    return this.get(id, scope);
  }

  /**
   * A report of suspicious activity at a terminal (by a person in whose scope it is, or by the terminal
   * itself): a case of its own, gathered with the terminal's other open cases under one incident.
   */
  async reportSuspicious(terminalId: string, input: SuspiciousActivityInput, scope: Scope, actor: string, rule: Rule = 'suspicious_activity', detail: Record<string, unknown> = {}) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    const at = this.now();
    if (input.occurredAt && input.occurredAt > at) throw invalidField('occurredAt', 'diagnostics.occurred_in_future');
    const incident = await this.openIncident({
      terminal_id: terminal.id, site_id: terminal.siteId, merchant_id: terminal.merchantId, rule, at, detail: { firstReport: input.what, ...detail },
    });
    const report = { id: randomUUID(), terminal_id: terminal.id, incident_id: incident.id, what: input.what, occurred_at: input.occurredAt ?? at, reported_by: actor, reported_at: at, status: 'open' as const, owner_id: null, updated_at: at };
    await this.repo.insertSuspiciousReport(report);
    await this.cases.opened(report.id, at, actor, input.what);
    return { id: report.id, incidentId: incident.id, terminalId: terminal.id, what: report.what, occurredAt: report.occurred_at, reportedBy: actor, reportedAt: at };
  }

  /**
   * A suspicious-trading rule tripped: the terminal's open case (whoever reported it) gets the evidence;
   * without one, a new case is reported by PosFleet under the terminal's suspicious-activity incident.
   */
  async recordTradingFinding(input: { terminalId: string; siteId: string | null; merchantId: string | null; rule: TradingRule; detail: Record<string, unknown>; at: string }): Promise<{ caseId: string; added: boolean }> {
    const what = `${TRADING_LABELS[input.rule].en}: ${Object.entries(input.detail).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`;
    const evidence = { rule: input.rule, ...input.detail };
    try {
      const open = await this.repo.unclosedCaseOf(input.terminalId);
      if (open) {
        await this.cases.addEvidence(open.id, input.at, SYSTEM, what, evidence);
        return { caseId: open.id, added: true };
      }
      const incident = await this.openIncident({ terminal_id: input.terminalId, site_id: input.siteId, merchant_id: input.merchantId, rule: 'suspicious_activity', at: input.at, detail: { firstReport: what } });
      const report = { id: randomUUID(), terminal_id: input.terminalId, incident_id: incident.id, what, occurred_at: input.at, reported_by: SYSTEM, reported_at: input.at, status: 'open' as const, owner_id: null, updated_at: input.at };
      await this.repo.insertSuspiciousReport(report);
      await this.cases.opened(report.id, input.at, SYSTEM, what, evidence);
      return { caseId: report.id, added: false };
    } catch (error) {
      this.settings.log?.('suspicious-trading case not recorded', { terminal: input.terminalId, rule: input.rule, error: String(error) });
      throw error;
    }
  }

  /** The terminal itself reports (its application saw, e.g., a card-slot overlay or a forced case). */
  async reportFromTerminal(terminalId: string, input: SuspiciousActivityInput) {
    const serials = await this.repo.serials([terminalId]);
    return this.reportSuspicious(terminalId, input, { kind: 'fleet' }, `terminal ${serials.get(terminalId) ?? terminalId}`);
  }

  /** The most severe open incident of a terminal that has a guide (for the terminal's own screen). */
  async guideIncidentOf(terminalId: string) {
    const open = await this.repo.listIncidents({ terminalId, status: 'unresolved', limit: 100 }, { kind: 'fleet' });
    const withGuide = open.filter((i) => guideForRule(i.rule));
    const rank = { critical: 3, high: 2, medium: 1, low: 0 } as Record<string, number>;
    withGuide.sort((a, b) => (rank[b.severity] ?? 0) - (rank[a.severity] ?? 0) || b.first_seen_at.localeCompare(a.first_seen_at));
    return withGuide[0];
  }
}

export const openKey = (subject: string, rule: string) => `${subject}|${rule}`;

export function toIncident(row: IncidentRow) {
  return {
    id: row.id, terminalId: row.terminal_id, siteId: row.site_id, merchantId: row.merchant_id, rule: row.rule,
    title: RULE_LABELS[row.rule as Rule] ?? { 'zh-CN': row.rule, en: row.rule }, severity: row.severity, status: row.status,
    detail: parseJson<Record<string, unknown>>(row.detail, {}), firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at,
    acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by, resolvedAt: row.resolved_at, resolvedBy: row.resolved_by,
    resolution: row.resolution, notifiedCount: Number(row.notified_count), guideId: guideForRule(row.rule)?.id ?? null,
  };
}

