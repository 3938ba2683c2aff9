// Incidents: rules over heartbeats (evaluated in memory per written batch; the database is written only
// when an incident opens, resolves, or is seen again after a while), the offline sweep with site
// correlation and reminders, operators' acknowledge/resolve, self-tests, suspicious-activity reports,
// per-model thresholds and the security posture report.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { groupBy } from '../shared/group-by.ts';
import type { Database, IncidentTable } from '../db/schema.ts';
import { heartbeatKey, type QueuedHeartbeat } from '../device/device.repository.ts';
import type { HeartbeatReport } from '../device/device.schemas.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { conflict, invalid, notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { DiagnosticsRepository, type IncidentRow } from './diagnostics.repository.ts';
import { guideForRule } from './guides.ts';
import {
  CARD_INTERFACES, contradiction, mergeThresholds, nextStreak, notifies, passwordAgeDays, readHeartbeat, reminderDue,
  RULE_POLICY, siteIsDown, slideCardWindow, type CardInterface, type CardWindow, type Rule, type SecurityBaseline, type Severity, type Streak, type ThresholdOverrides,
  type Thresholds,
} from './heartbeat.rules.ts';
import { RULE_LABELS } from './rule-labels.ts';
import type { IncidentQuery as IncidentListQuery, SelfTestInput, SuspiciousActivityInput } from './diagnostics.schemas.ts';

export interface DiagnosticsSettings {
  /** Terminal password age beyond which the password_too_old rule fires (0: never). */
  passwordMaxAgeDays: number;
  /** Reminders while a terminal or site stays offline: how often, and how many at most. */
  offlineReminderMs: number;
  offlineMaxReminders: number;
  /** The newest security-patch versions per terminal model, for the software_unpatched rule. */
  securityBaselines?: ((modelIds: string[]) => Promise<Map<string, SecurityBaseline>>) | undefined;
  /** Locks a terminal at once (tamper); may refuse when it is locked already. */
  lock?: ((terminalId: string, reason: string) => Promise<void>) | undefined;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

/** What the heartbeat path remembers per terminal between batches. */
interface TerminalState {
  modelId: string;
  siteId: string | null;
  merchantId: string | null;
  /** Open incidents by rule. */
  open: Map<string, string>;
  streaks: Map<string, Streak>;
  cards: Partial<Record<CardInterface, CardWindow>>;
  /** When an open incident's last_seen_at was last written. */
  touched: Map<string, number>;
  /** Where the terminal belongs and its open incidents are re-read after this (other nodes may have changed them). */
  until: number;
}

const CONTEXT_TTL_MS = 5 * 60_000;
const TOUCH_EVERY_MS = 60_000;
const SYSTEM = 'PosFleet';

export class IncidentService {
  readonly repo: DiagnosticsRepository;
  private readonly states = new Map<string, TerminalState>();
  private readonly thresholdCache = new Map<string, { thresholds: Thresholds; until: number }>();
  private readonly base: Thresholds;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly queueCommand: (terminalId: string, input: { type: 'self_test'; payload: Record<string, unknown> }, createdBy: string) => Promise<{ id: string }>,
    private readonly settings: DiagnosticsSettings,
  ) {
    this.repo = new DiagnosticsRepository(db);
    this.base = mergeThresholds({ password: { maxAgeDays: settings.passwordMaxAgeDays } });
  }

  private now = () => this.clock().toISOString();

  // ---- the heartbeat path
  /** Told about every written batch; looks only at heartbeats that were new (retries change nothing). */
  async observe(batch: QueuedHeartbeat[], stored: Set<string>): Promise<void> {
    const fresh = batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))).sort((a, b) => a.report.seq - b.report.seq);
    if (!fresh.length) return;
    await this.loadStates([...new Set(fresh.map((h) => h.terminalId))]);
    const models = [...new Set(fresh.map((h) => this.states.get(h.terminalId)?.modelId).filter((m): m is string => !!m))];
    await this.loadThresholds(models);
    const baselines = (await this.settings.securityBaselines?.(models)) ?? new Map<string, SecurityBaseline>();

    const actions: { kind: 'open' | 'resolve'; terminalId: string; rule: Rule; detail: Record<string, unknown>; at: string; resolution?: string }[] = [];
    const touch: string[] = [];
    const nowMs = Date.now();
    for (const h of fresh) {
      const state = this.states.get(h.terminalId);
      if (!state) continue;
      if (state.open.has('offline')) {
        actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: 'offline', detail: {}, at: h.receivedAt, resolution: 'the terminal is back online' });
        state.open.delete('offline');
      }
      const thresholds = this.thresholdCache.get(state.modelId)?.thresholds ?? this.base;
      const windows: Partial<Record<CardInterface, CardWindow>> = {};
      for (const iface of CARD_INTERFACES) {
        const counts = h.report.cardReader[iface];
        if (!counts) continue;
        windows[iface] = state.cards[iface] = slideCardWindow(state.cards[iface] ?? [], counts, thresholds.cardReader.windowAttempts);
      }
      for (const reading of readHeartbeat(h.report, h.receivedAt, thresholds, windows, baselines.get(state.modelId))) {
        const openId = state.open.get(reading.rule);
        const { streak, action } = nextStreak(state.streaks.get(reading.rule) ?? { bad: 0, good: 0 }, reading.bad, openId !== undefined, RULE_POLICY[reading.rule]);
        if (streak.bad || streak.good) state.streaks.set(reading.rule, streak);
        else state.streaks.delete(reading.rule);
        if (action === 'open') {
          state.open.set(reading.rule, '');
          actions.push({ kind: 'open', terminalId: h.terminalId, rule: reading.rule, detail: reading.detail, at: h.receivedAt });
        } else if (action === 'resolve') {
          state.open.delete(reading.rule);
          actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: reading.rule, detail: reading.detail, at: h.receivedAt, resolution: 'the condition cleared' });
        } else if (openId && reading.bad && (state.touched.get(openId) ?? 0) + TOUCH_EVERY_MS <= nowMs) {
          state.touched.set(openId, nowMs);
          touch.push(openId);
        }
      }
    }
    await this.repo.touchIncidents(touch, this.now());
    for (const a of actions) {
      const state = this.states.get(a.terminalId)!;
      const key = openKey(a.terminalId, a.rule);
      if (a.kind === 'open') {
        const row = await this.open({ terminal_id: a.terminalId, site_id: state.siteId, merchant_id: state.merchantId, rule: a.rule, detail: a.detail, at: a.at });
        if (state.open.has(a.rule)) state.open.set(a.rule, row.id);
      } else {
        const row = await this.repo.findOpen(key);
        if (row) await this.resolveRow(row, a.at, SYSTEM, a.resolution ?? 'cleared');
      }
    }
  }

  private async loadStates(terminalIds: string[]): Promise<void> {
    const nowMs = Date.now();
    const stale = terminalIds.filter((id) => (this.states.get(id)?.until ?? 0) < nowMs);
    if (!stale.length) return;
    const { terminals, open } = await this.repo.terminalContext(stale);
    for (const t of terminals) {
      const previous = this.states.get(t.id);
      const openHere = new Map(open.filter((o) => o.terminal_id === t.id).map((o) => [o.rule, o.id]));
      this.states.set(t.id, {
        modelId: t.model_id, siteId: t.site_id, merchantId: t.merchant_id ?? null, open: openHere,
        streaks: previous?.streaks ?? new Map(), cards: previous?.cards ?? {}, touched: previous?.touched ?? new Map(), until: nowMs + CONTEXT_TTL_MS,
      });
    }
  }

  private async loadThresholds(modelIds: string[]): Promise<void> {
    const nowMs = Date.now();
    const stale = modelIds.filter((id) => (this.thresholdCache.get(id)?.until ?? 0) < nowMs);
    if (!stale.length) return;
    const rows = new Map((await this.repo.thresholdsOf(stale)).map((r) => [r.model_id, parseJson<ThresholdOverrides>(r.settings, {})]));
    for (const id of stale) this.thresholdCache.set(id, { thresholds: mergeThresholds(rows.get(id), this.base), until: nowMs + CONTEXT_TTL_MS });
  }

  // ---- opening and resolving
  /** Opens (or finds the open) incident for a terminal or site and rule; tells people when it is new. */
  private async open(input: { terminal_id: string | null; site_id: string | null; merchant_id: string | null; rule: Rule; detail: Record<string, unknown>; at: string }): Promise<IncidentRow> {
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
    if (notifies(incident.severity)) await this.tell('incident.opened', incident, `incident.opened:${incident.id}`);
    return incident;
  }

  private async resolveRow(row: IncidentRow, at: string, by: string, resolution: string): Promise<IncidentRow | undefined> {
    const resolved = await this.repo.resolveIncident(row.id, at, by, resolution);
    if (!resolved) return undefined;
    const state = resolved.terminal_id ? this.states.get(resolved.terminal_id) : undefined;
    if (state && state.open.get(resolved.rule) === resolved.id) {
      state.open.delete(resolved.rule);
      state.streaks.delete(resolved.rule);
    }
    if (notifies(resolved.severity)) await this.tell('incident.resolved', resolved, `incident.resolved:${resolved.id}`);
    return resolved;
  }

  private async tell(event: 'incident.opened' | 'incident.resolved' | 'incident.reminder', incident: IncidentRow, key: string): Promise<void> {
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

  // ---- offline sweep
  /**
   * Run after the device sweep flagged silent terminals offline: opens one incident per offline
   * terminal, or one per site when most of a site is offline together; resolves what came back;
   * reminds while terminals and sites stay offline.
   */
  async sweepOffline(): Promise<{ opened: number; resolved: number; reminded: number }> {
    const now = this.clock();
    const at = now.toISOString();
    const offline = await this.repo.offlineTerminals();
    const offlineIds = new Set(offline.map((t) => t.id));
    const bySite = groupBy(offline.filter((t) => t.site_id), (t) => t.site_id!);
    const monitored = await this.repo.monitoredPerSite([...bySite.keys()]);
    const downSites = new Set([...bySite.entries()].filter(([site, ts]) => siteIsDown(ts.length, monitored.get(site) ?? ts.length)).map(([site]) => site));
    const open = await this.repo.openIncidentsOfRules(['offline', 'site_network_down']);
    const openSite = new Map(open.filter((i) => i.rule === 'site_network_down').map((i) => [i.site_id!, i]));
    const openTerminal = new Map(open.filter((i) => i.rule === 'offline').map((i) => [i.terminal_id!, i]));
    let opened = 0;
    let resolved = 0;
    let reminded = 0;

    for (const site of downSites) {
      if (openSite.has(site)) continue;
      const ts = bySite.get(site)!;
      await this.open({
        terminal_id: null, site_id: site, merchant_id: ts[0]!.merchant_id ?? null, rule: 'site_network_down', at,
        detail: { offline: ts.length, monitored: monitored.get(site) ?? ts.length, terminals: ts.map((t) => t.serial_number).sort().slice(0, 100) },
      });
      opened++;
    }
    for (const [site, incident] of openSite) {
      if (!downSites.has(site) && (await this.resolveRow(incident, at, SYSTEM, 'most terminals of the site are back online'))) resolved++;
    }
    for (const t of offline) {
      // Inside a site that is down, the site incident speaks for its terminals.
      if (openTerminal.has(t.id) || (t.site_id && downSites.has(t.site_id))) continue;
      const state = this.states.get(t.id);
      const row = await this.open({
        terminal_id: t.id, site_id: t.site_id, merchant_id: t.merchant_id ?? null, rule: 'offline', at,
        detail: { lastSeenAt: t.last_seen_at, offlineSince: t.offline_since },
      });
      if (state) state.open.set('offline', row.id);
      opened++;
    }
    for (const [terminalId, incident] of openTerminal) {
      if (!offlineIds.has(terminalId) && (await this.resolveRow(incident, at, SYSTEM, 'the terminal is back online'))) resolved++;
    }
    for (const incident of open) {
      if (!incident.open_key || !notifies(incident.severity)) continue;
      const stillOpen = incident.rule === 'offline' ? offlineIds.has(incident.terminal_id!) : downSites.has(incident.site_id!);
      if (!stillOpen || !reminderDue(incident.notified_count, incident.last_notified_at, now, this.settings.offlineReminderMs, this.settings.offlineMaxReminders + 1)) continue;
      await this.tell('incident.reminder', incident, `incident.reminder:${incident.id}:${incident.notified_count}`);
      reminded++;
    }
    return { opened, resolved, reminded };
  }

  // ---- operators
  async list(query: IncidentListQuery, scope: Scope) {
    const limit = query.limit ?? 100;
    const rows = await this.repo.listIncidents({ ...query, before: decodeCursor(query.cursor), limit }, scope);
    return toPage(rows.map(toIncident), limit, (i) => `${i.firstSeenAt}|${i.id}`);
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
      suspiciousReports: reports.map((r) => ({ id: r.id, what: r.what, occurredAt: r.occurred_at, reportedBy: r.reported_by, reportedAt: r.reported_at })),
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
    if (!(await this.repo.acknowledgeIncident(row.id, this.now(), actor))) throw conflict(`incident ${id} is ${row.status}; only an open incident can be acknowledged`, 'status');
    return this.get(id, scope);
  }

  async resolve(id: string, note: string | undefined, scope: Scope, actor: string) {
    const row = await this.visible(id, scope);
    if (!row.open_key) throw conflict(`incident ${id} is already resolved`, 'status');
    if (!(await this.resolveRow(row, this.now(), actor, note ?? 'resolved by an operator'))) throw conflict(`incident ${id} is already resolved`, 'status');
    return this.get(id, scope);
  }

  /** Resolves an incident when a troubleshooting run fixed it (no-op when it is resolved already). */
  async resolvedByGuide(id: string, actor: string, resolution: string): Promise<void> {
    const row = await this.repo.findIncident(id);
    if (row?.open_key) await this.resolveRow(row, this.now(), actor, resolution);
  }

  /** Remote diagnostics: a self_test command for the incident's terminal; its result is the report. */
  async requestSelfTest(id: string, input: SelfTestInput, scope: Scope, actor: string) {
    const row = await this.visible(id, scope);
    if (!row.terminal_id) throw invalid('id', 'a site incident has no single terminal to test; request self-tests of its terminals');
    const parts = input.parts ?? ['printer', 'card_reader', 'network', 'battery'];
    const command = await this.queueCommand(row.terminal_id, { type: 'self_test', payload: { parts, incidentId: row.id } }, actor);
    await this.repo.insertSelfTest({ command_id: command.id, incident_id: row.id, parts: JSON.stringify(parts), requested_at: this.now(), requested_by: actor });
    return this.get(id, scope);
  }

  /** A report of suspicious activity at a terminal: a case (incident) with every report attached. */
  async reportSuspicious(terminalId: string, input: SuspiciousActivityInput, scope: Scope, actor: string) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    const at = this.now();
    if (input.occurredAt && input.occurredAt > at) throw invalid('occurredAt', 'must not be in the future');
    const incident = await this.open({
      terminal_id: terminal.id, site_id: terminal.siteId, merchant_id: terminal.merchantId, rule: 'suspicious_activity', at, detail: { firstReport: input.what },
    });
    const report = { id: randomUUID(), terminal_id: terminal.id, incident_id: incident.id, what: input.what, occurred_at: input.occurredAt ?? at, reported_by: actor, reported_at: at };
    await this.repo.insertSuspiciousReport(report);
    return { id: report.id, incidentId: incident.id, terminalId: terminal.id, what: report.what, occurredAt: report.occurred_at, reportedBy: actor, reportedAt: at };
  }

  // ---- thresholds
  async thresholds(modelId: string) {
    await this.estate.getModel(modelId);
    const row = (await this.repo.thresholdsOf([modelId]))[0];
    const overrides = parseJson<ThresholdOverrides>(row?.settings, {});
    return { modelId, overrides, effective: mergeThresholds(overrides, this.base), defaults: this.base };
  }

  async setThresholds(modelId: string, overrides: ThresholdOverrides, actor: string) {
    await this.estate.getModel(modelId);
    const effective = mergeThresholds(overrides, this.base);
    const bad = contradiction(effective);
    if (bad) throw invalid(bad[0], bad[1]);
    await this.repo.saveThresholds(modelId, JSON.stringify(overrides), this.now(), actor);
    this.thresholdCache.delete(modelId);
    return this.thresholds(modelId);
  }

  // ---- security posture
  async posture(merchantId: string | undefined, scope: Scope) {
    const now = this.now();
    const maxAgeDays = this.base.password.maxAgeDays;
    const rows = await this.repo.latestReports(scope, merchantId);
    if (rows.length > 10_000) throw invalid('merchantId', 'more than 10,000 terminals: narrow the report to one merchant');
    const terminals = rows.map((r) => {
      const report = parseJson<HeartbeatReport | null>(r.report, null);
      const changedAt = report?.security?.passwordChangedAt ?? null;
      const ageDays = report ? passwordAgeDays(changedAt, now) : null;
      return {
        terminalId: r.id, serialNumber: r.serial_number, siteId: r.site_id, merchantId: r.merchant_id ?? null, lastSeenAt: r.last_seen_at ?? null,
        reported: report !== null, passwordChangedAt: changedAt, passwordAgeDays: ageDays,
        passwordTooOld: report !== null && maxAgeDays > 0 && (ageDays === null || ageDays > maxAgeDays),
        pinEntryEnabled: report?.security?.pinEntryEnabled ?? null, encryptionEnabled: report?.security?.encryptionEnabled ?? null, tamper: report?.tamper ?? null,
      };
    });
    return {
      generatedAt: now, passwordMaxAgeDays: maxAgeDays,
      summary: {
        terminals: terminals.length, notReporting: terminals.filter((t) => !t.reported).length,
        passwordTooOld: terminals.filter((t) => t.passwordTooOld).length,
        securityFeaturesOff: terminals.filter((t) => t.pinEntryEnabled === false || t.encryptionEnabled === false).length,
        tamper: terminals.filter((t) => t.tamper === true).length,
      },
      terminals,
    };
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

const openKey = (subject: string, rule: string) => `${subject}|${rule}`;

export function toIncident(row: IncidentRow) {
  return {
    id: row.id, terminalId: row.terminal_id, siteId: row.site_id, merchantId: row.merchant_id, rule: row.rule,
    title: RULE_LABELS[row.rule as Rule] ?? { 'zh-CN': row.rule, en: row.rule }, severity: row.severity as Severity, status: row.status as 'open' | 'acknowledged' | 'resolved',
    detail: parseJson<Record<string, unknown>>(row.detail, {}), firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at,
    acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by, resolvedAt: row.resolved_at, resolvedBy: row.resolved_by,
    resolution: row.resolution, notifiedCount: Number(row.notified_count), guideId: guideForRule(row.rule)?.id ?? null,
  };
}

