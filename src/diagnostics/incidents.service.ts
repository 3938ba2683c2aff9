// Incidents: rules over heartbeats (evaluated per written batch: the rules' streaks are read and written
// once per batch, so every node and a restarted one agree; incidents are written only when they open,
// resolve, or are seen again after a while), the offline sweep with site correlation, flapping links and
// reminders, operators' acknowledge/resolve, self-tests, password rotation, suspicious-activity reports,
// per-model thresholds and the security posture report.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Scope } from '../access/roles.ts';
import { groupBy } from '../shared/group-by.ts';
import type { Database, DiagnosticStateTable, IncidentTable } from '../db/schema.ts';
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
  CARD_INTERFACES, contradiction, flappingVerdict, mergeThresholds, nextStreak, notifies, passwordAgeDays, readHeartbeat, reminderDue,
  RULE_POLICY, siteIsDown, slideCardWindow, type CardInterface, type CardWindow, type Rule, type SecurityBaseline, type Severity, type Streak, type ThresholdOverrides,
  type Thresholds,
} from './heartbeat.rules.ts';
import { RULE_LABELS } from './rule-labels.ts';
import { healthScore } from './health-score.ts';
import { SuspiciousCaseService } from './suspicious-cases.service.ts';
import type { CaseStatus } from './suspicious-cases.ts';
import type { HealthScoreQuery, IncidentQuery as IncidentListQuery, SelfTestInput, SuspiciousActivityInput, TerminalScoresQuery } from './diagnostics.schemas.ts';

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

/** Where a terminal belongs, cached by the heartbeat path for a while; its open incidents, as of the batch. */
interface TerminalState {
  modelId: string;
  siteId: string | null;
  merchantId: string | null;
  /** Open incidents by rule (read with every batch). */
  open: Map<string, string>;
  /** When an open incident's last_seen_at was last written. */
  touched: Map<string, number>;
  /** Where the terminal belongs is re-read after this (an operator may have moved it). */
  until: number;
}

const CONTEXT_TTL_MS = 5 * 60_000;
/** The longest flapping window a model may set (see ThresholdOverrides): link drops are kept this long. */
const MAX_FLAP_WINDOW_MS = 1440 * 60_000;
const TOUCH_EVERY_MS = 60_000;
const STATE_WRITE_EVERY_MS = 1000;
const SYSTEM = 'PosFleet';

export class IncidentService {
  readonly repo: DiagnosticsRepository;
  /** Suspicious-activity reports as cases (their reports are made here). */
  readonly cases: SuspiciousCaseService;
  private readonly states = new Map<string, TerminalState>();
  /** Rule state computed but not yet written (read before the database's: it is newer). */
  private readonly pendingStates = new Map<string, DiagnosticStateTable>();
  private stateTimer: NodeJS.Timeout | undefined;
  private stateWrite: Promise<void> = Promise.resolve();
  private lastStateWrite = 0;
  private readonly thresholdCache = new Map<string, { thresholds: Thresholds; until: number }>();
  private readonly base: Thresholds;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly queueCommand: (terminalId: string, input: { type: 'self_test' | 'rotate_password'; payload: Record<string, unknown> }, createdBy: string) => Promise<{ id: string }>,
    private readonly settings: DiagnosticsSettings,
  ) {
    this.repo = new DiagnosticsRepository(db);
    this.cases = new SuspiciousCaseService(db, clock, (id, actor, resolution) => this.resolvedByGuide(id, actor, resolution));
    this.base = mergeThresholds({ password: { maxAgeDays: settings.passwordMaxAgeDays } });
  }

  private now = () => this.clock().toISOString();

  // ---- the heartbeat path
  /** Told about every written batch; looks only at heartbeats that were new (retries change nothing). */
  async observe(batch: QueuedHeartbeat[], stored: Set<string>): Promise<void> {
    const fresh = batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))).sort((a, b) => a.report.seq - b.report.seq);
    if (!fresh.length) return;
    const terminalIds = [...new Set(fresh.map((h) => h.terminalId))];
    // Streaks and open incidents are read afresh for every batch: another node may have moved them.
    const [, { states: persisted, open }] = await Promise.all([this.loadStates(terminalIds), this.repo.batchState(terminalIds)]);
    for (const id of terminalIds) this.states.get(id)?.open.clear();
    for (const o of open) this.states.get(o.terminal_id!)?.open.set(o.rule, o.id);
    const ruleStates = new Map(persisted.map((r) => [r.terminal_id, decodeRuleState(r)]));
    // What this node computed but has not written yet is newer than what the database holds.
    for (const id of terminalIds) {
      const pending = this.pendingStates.get(id);
      if (pending && pending.seq > (ruleStates.get(id)?.seq ?? 0)) ruleStates.set(id, decodeRuleState(pending));
    }
    const models = [...new Set(fresh.map((h) => this.states.get(h.terminalId)?.modelId).filter((m): m is string => !!m))];
    await this.loadThresholds(models);
    const baselines = (await this.settings.securityBaselines?.(models)) ?? new Map<string, SecurityBaseline>();

    const actions: { kind: 'open' | 'resolve'; terminalId: string; rule: Rule; detail: Record<string, unknown>; at: string; resolution?: string }[] = [];
    const touch: string[] = [];
    const folded = new Set<string>();
    const nowMs = this.clock().getTime();
    for (const h of fresh) {
      const state = this.states.get(h.terminalId);
      if (!state) continue;
      if (state.open.has('offline')) {
        actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: 'offline', detail: {}, at: h.receivedAt, resolution: 'the terminal is back online' });
        state.open.delete('offline');
      }
      let rs = ruleStates.get(h.terminalId);
      if (!rs) ruleStates.set(h.terminalId, (rs = { seq: 0, streaks: new Map(), cards: {}, stored: undefined }));
      // Another node already counted a newer heartbeat of this terminal: this late one changes no streak.
      if (h.report.seq <= rs.seq) continue;
      rs.seq = h.report.seq;
      folded.add(h.terminalId);
      const thresholds = this.thresholdCache.get(state.modelId)?.thresholds ?? this.base;
      const windows: Partial<Record<CardInterface, CardWindow>> = {};
      for (const iface of CARD_INTERFACES) {
        const counts = h.report.cardReader[iface];
        if (!counts) continue;
        windows[iface] = rs.cards[iface] = slideCardWindow(rs.cards[iface] ?? [], counts, thresholds.cardReader.windowAttempts);
      }
      for (const reading of readHeartbeat(h.report, h.receivedAt, thresholds, windows, baselines.get(state.modelId))) {
        const openId = state.open.get(reading.rule);
        const { streak, action } = nextStreak(rs.streaks.get(reading.rule) ?? { bad: 0, good: 0 }, reading.bad, openId !== undefined, RULE_POLICY[reading.rule]);
        if (streak.bad || streak.good) rs.streaks.set(reading.rule, streak);
        else rs.streaks.delete(reading.rule);
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
    const now = this.now();
    const changed: DiagnosticStateTable[] = [];
    for (const terminalId of folded) {
      const row = encodeRuleState(terminalId, ruleStates.get(terminalId)!, now);
      if (row) changed.push(row);
    }
    for (const row of changed) this.pendingStates.set(row.terminal_id, row);
    await Promise.all([this.repo.touchIncidents(touch, now), this.writeStatesSoon()]);
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

  /**
   * Writes the rule state computed since the last write, in one statement: at once when the last write
   * is STATE_WRITE_EVERY_MS old, else when it will be. Under load many heartbeat batches share one write
   * (on SQLite each write is a sync to disk, as costly as the heartbeats' own); a terminal beats far less
   * often than that, so a node that takes its next heartbeat still finds the state in the database.
   */
  private async writeStatesSoon(): Promise<void> {
    if (!this.pendingStates.size || this.stateTimer) return;
    // At most STATE_WRITE_EVERY_MS away, even when the clock was set back.
    const wait = Math.min(STATE_WRITE_EVERY_MS, this.lastStateWrite + STATE_WRITE_EVERY_MS - this.clock().getTime());
    if (wait <= 0) return this.flushStates();
    this.stateTimer = setTimeout(() => void this.flushStates(), wait);
    this.stateTimer.unref();
  }

  /** Writes every pending rule state now (also when the server closes). */
  async flushStates(): Promise<void> {
    clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
    await this.stateWrite; // one write at a time, in order
    const rows = [...this.pendingStates.values()];
    if (!rows.length) return;
    this.lastStateWrite = this.clock().getTime();
    this.stateWrite = this.repo.saveDiagnosticStates(rows).then(
      // Rows recomputed meanwhile stay pending for the next write.
      () => { for (const r of rows) if (this.pendingStates.get(r.terminal_id) === r) this.pendingStates.delete(r.terminal_id); },
      (error: unknown) => {
        this.settings.log?.('diagnostic state not written; will retry', { terminals: rows.length, error: String(error) });
        void this.writeStatesSoon();
      },
    );
    await this.stateWrite;
  }

  private async loadStates(terminalIds: string[]): Promise<void> {
    const nowMs = this.clock().getTime();
    const stale = terminalIds.filter((id) => (this.states.get(id)?.until ?? 0) < nowMs);
    if (!stale.length) return;
    for (const t of await this.repo.terminalContext(stale)) {
      const previous = this.states.get(t.id);
      this.states.set(t.id, {
        modelId: t.model_id, siteId: t.site_id, merchantId: t.merchant_id ?? null, open: previous?.open ?? new Map(), touched: previous?.touched ?? new Map(), until: nowMs + CONTEXT_TTL_MS,
      });
    }
  }

  private async loadThresholds(modelIds: string[]): Promise<void> {
    const nowMs = this.clock().getTime();
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
      await this.queueCommand(incident.terminal_id!, { type: 'rotate_password', payload: { incidentId: incident.id, maxAgeDays: this.base.password.maxAgeDays } }, SYSTEM);
    } catch (error) {
      this.settings.log?.('password rotation not requested', { incident: incident.id, error: String(error) });
    }
  }

  private async resolveRow(row: IncidentRow, at: string, by: string, resolution: string): Promise<IncidentRow | undefined> {
    const resolved = await this.repo.resolveIncident(row.id, at, by, resolution);
    if (!resolved) return undefined;
    const state = resolved.terminal_id ? this.states.get(resolved.terminal_id) : undefined;
    if (state && state.open.get(resolved.rule) === resolved.id) state.open.delete(resolved.rule);
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
  async sweepOffline(wentOffline: string[] = []): Promise<{ opened: number; resolved: number; reminded: number }> {
    const now = this.clock();
    const at = now.toISOString();
    const offline = await this.repo.offlineTerminals();
    // One look at the open incidents the sweep deals with (flapping ones included).
    const [, openOfSweep] = await Promise.all([this.repo.recordLinkDrops(wentOffline, at), this.repo.openIncidentsOfRules(['offline', 'site_network_down', 'network_flapping'])]);
    const flaps = await this.sweepFlapping(wentOffline, openOfSweep.filter((i) => i.rule === 'network_flapping'), offline, now);
    const offlineIds = new Set(offline.map((t) => t.id));
    const bySite = groupBy(offline.filter((t) => t.site_id), (t) => t.site_id!);
    const monitored = await this.repo.monitoredPerSite([...bySite.keys()]);
    const downSites = new Set([...bySite.entries()].filter(([site, ts]) => siteIsDown(ts.length, monitored.get(site) ?? ts.length)).map(([site]) => site));
    const open = openOfSweep.filter((i) => i.rule !== 'network_flapping');
    const openSite = new Map(open.filter((i) => i.rule === 'site_network_down').map((i) => [i.site_id!, i]));
    const openTerminal = new Map(open.filter((i) => i.rule === 'offline').map((i) => [i.terminal_id!, i]));
    let opened = flaps.opened;
    let resolved = flaps.resolved;
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
      // A flapping link is one incident: its short drops open no offline incident each.
      const flapWindowMs = flaps.flapping.get(t.id);
      if (flapWindowMs !== undefined && t.offline_since && Date.parse(t.offline_since) > now.getTime() - flapWindowMs) continue;
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

  /**
   * With the links the device sweep just found gone recorded, opens a flapping incident for a terminal whose
   * link dropped more than its model allows within the window, and resolves one after a whole window
   * without a drop. Returns the terminals that are flapping now, with their windows.
   */
  private async sweepFlapping(wentOffline: string[], openRows: IncidentRow[], offline: { id: string; site_id: string | null; merchant_id: string | null }[], now: Date) {
    const at = now.toISOString();
    const nowMs = now.getTime();
    const result = { flapping: new Map<string, number>(), opened: 0, resolved: 0 };
    const openByTerminal = new Map(openRows.filter((i) => i.terminal_id).map((i) => [i.terminal_id!, i]));
    const candidates = [...new Set([...wentOffline, ...openByTerminal.keys()])];
    if (candidates.length) {
      const models = await this.repo.modelsOf(candidates);
      await this.loadThresholds([...new Set(models.values())]);
      const since = new Date(nowMs - MAX_FLAP_WINDOW_MS).toISOString();
      const drops = groupBy(await this.repo.linkDropsSince(candidates, since), (d) => d.terminal_id);
      const where = new Map(offline.map((t) => [t.id, t]));
      for (const terminalId of candidates) {
        const t = (this.thresholdCache.get(models.get(terminalId) ?? '')?.thresholds ?? this.base).network;
        const windowMs = t.flapWindowMinutes * 60_000;
        const inWindow = (drops.get(terminalId) ?? []).map((d) => d.dropped_at).filter((d) => Date.parse(d) > nowMs - windowMs).sort();
        const incident = openByTerminal.get(terminalId);
        if (incident) result.flapping.set(terminalId, windowMs);
        const verdict = flappingVerdict(inWindow.length, incident !== undefined, t);
        const site = where.get(terminalId);
        if (verdict === 'open' && site) {
          await this.open({
            terminal_id: terminalId, site_id: site.site_id, merchant_id: site.merchant_id ?? null, rule: 'network_flapping', at,
            detail: { drops: inWindow.length, windowMinutes: t.flapWindowMinutes, maxDrops: t.flapCount, droppedAt: inWindow },
          });
          result.flapping.set(terminalId, windowMs);
          result.opened++;
        } else if (verdict === 'resolve' && incident && (await this.resolveRow(incident, at, SYSTEM, `no link drop for ${t.flapWindowMinutes} minutes`))) {
          result.flapping.delete(terminalId);
          result.resolved++;
        }
      }
    }
    await this.repo.pruneLinkDrops(new Date(nowMs - MAX_FLAP_WINDOW_MS).toISOString());
    return result;
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
      suspiciousReports: reports.map((r) => ({ id: r.id, what: r.what, occurredAt: r.occurred_at, reportedBy: r.reported_by, reportedAt: r.reported_at, status: r.status as CaseStatus, ownerId: r.owner_id })),
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

  /** Resolves an incident when a troubleshooting run fixed it, or its cases closed (no-op when it is resolved already). */
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

  /**
   * A report of suspicious activity at a terminal (by a person in whose scope it is, or by the terminal
   * itself): a case of its own, gathered with the terminal's other open cases under one incident.
   */
  async reportSuspicious(terminalId: string, input: SuspiciousActivityInput, scope: Scope, actor: string) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    const at = this.now();
    if (input.occurredAt && input.occurredAt > at) throw invalid('occurredAt', 'must not be in the future');
    const incident = await this.open({
      terminal_id: terminal.id, site_id: terminal.siteId, merchant_id: terminal.merchantId, rule: 'suspicious_activity', at, detail: { firstReport: input.what },
    });
    const report = { id: randomUUID(), terminal_id: terminal.id, incident_id: incident.id, what: input.what, occurred_at: input.occurredAt ?? at, reported_by: actor, reported_at: at, status: 'open', owner_id: null, updated_at: at };
    await this.repo.insertSuspiciousReport(report);
    await this.cases.opened(report.id, at, actor, input.what);
    return { id: report.id, incidentId: incident.id, terminalId: terminal.id, what: report.what, occurredAt: report.occurred_at, reportedBy: actor, reportedAt: at };
  }

  /** The terminal itself reports (its application saw, e.g., a card-slot overlay or a forced case). */
  async reportFromTerminal(terminalId: string, input: SuspiciousActivityInput) {
    const serials = await this.repo.serials([terminalId]);
    return this.reportSuspicious(terminalId, input, { kind: 'fleet' }, `terminal ${serials.get(terminalId) ?? terminalId}`);
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
    const rotations = await this.repo.latestCommandsOfType(rows.map((r) => r.id), 'rotate_password');
    const terminals = rows.map((r) => {
      const rotation = rotations.get(r.id);
      const report = parseJson<HeartbeatReport | null>(r.report, null);
      const changedAt = report?.security?.passwordChangedAt ?? null;
      const ageDays = report ? passwordAgeDays(changedAt, now) : null;
      return {
        terminalId: r.id, serialNumber: r.serial_number, siteId: r.site_id, merchantId: r.merchant_id ?? null, lastSeenAt: r.last_seen_at ?? null,
        reported: report !== null, passwordChangedAt: changedAt, passwordAgeDays: ageDays,
        passwordTooOld: report !== null && maxAgeDays > 0 && (ageDays === null || ageDays > maxAgeDays),
        pinEntryEnabled: report?.security?.pinEntryEnabled ?? null, encryptionEnabled: report?.security?.encryptionEnabled ?? null, tamper: report?.tamper ?? null,
        passwordRotation: rotation
          ? { commandId: rotation.id, status: rotation.status, requestedAt: rotation.created_at, completedAt: rotation.completed_at, passwordChangedAt: parseJson<{ passwordChangedAt?: string }>(rotation.result, {}).passwordChangedAt ?? null }
          : null,
      };
    });
    return {
      generatedAt: now, passwordMaxAgeDays: maxAgeDays,
      summary: {
        terminals: terminals.length, notReporting: terminals.filter((t) => !t.reported).length,
        passwordTooOld: terminals.filter((t) => t.passwordTooOld).length,
        securityFeaturesOff: terminals.filter((t) => t.pinEntryEnabled === false || t.encryptionEnabled === false).length,
        tamper: terminals.filter((t) => t.tamper === true).length,
        rotationRequested: terminals.filter((t) => t.passwordRotation && ['pending', 'delivered'].includes(t.passwordRotation.status)).length,
      },
      terminals,
    };
  }

  // ---- health scores
  /** The health score of a terminal, site, merchant or (no subject) everything in scope, explained by its incidents. */
  async healthScore(query: HealthScoreQuery, scope: Scope) {
    const given = (['terminalId', 'siteId', 'merchantId'] as const).filter((k) => query[k]);
    if (given.length > 1) throw invalid(given[1]!, 'give one of terminalId, siteId or merchantId');
    let subject: { kind: 'terminal' | 'site' | 'merchant' | 'fleet'; id: string | null };
    let terminals: number;
    let incidents;
    let siteTerminals: Map<string, string[]>;
    if (query.terminalId) {
      const terminal = await this.estate.getTerminal(query.terminalId, scope);
      subject = { kind: 'terminal', id: terminal.id };
      terminals = 1;
      incidents = await this.repo.openIncidentsConcerning({ terminalId: terminal.id, siteOfTerminal: terminal.siteId }, scope);
      siteTerminals = new Map(terminal.siteId ? [[terminal.siteId, [terminal.id]]] : []);
    } else {
      if (query.siteId) await this.estate.getSite(query.siteId, scope);
      if (query.merchantId) await this.estate.getMerchant(query.merchantId, scope);
      const where = { ...(query.siteId && { siteId: query.siteId }), ...(query.merchantId && { merchantId: query.merchantId }) };
      subject = query.siteId ? { kind: 'site', id: query.siteId } : query.merchantId ? { kind: 'merchant', id: query.merchantId } : { kind: 'fleet', id: null };
      [terminals, incidents] = await Promise.all([this.repo.terminalsInService(where, scope), this.repo.openIncidentsConcerning(where, scope)]);
      siteTerminals = await this.repo.terminalsOfSites([...new Set(incidents.filter((i) => !i.terminalId && i.siteId).map((i) => i.siteId!))]);
    }
    const { score, contributions } = healthScore(terminals, incidents, siteTerminals);
    return {
      subject, score, terminals,
      contributions: contributions.map((c) => ({ ...c, title: RULE_LABELS[c.rule as Rule] ?? { 'zh-CN': c.rule, en: c.rule } })),
    };
  }

  /** Terminals below 100, lowest first: each terminal's score from its own and its site's open incidents. */
  async terminalScores(query: TerminalScoresQuery, scope: Scope) {
    const where = { ...(query.siteId && { siteId: query.siteId }), ...(query.merchantId && { merchantId: query.merchantId }) };
    const incidents = await this.repo.openIncidentsConcerning(where, scope);
    const siteTerminals = await this.repo.terminalsOfSites([...new Set(incidents.filter((i) => !i.terminalId && i.siteId).map((i) => i.siteId!))]);
    const concerned = new Set([...incidents.flatMap((i) => (i.terminalId ? [i.terminalId] : [])), ...[...siteTerminals.values()].flat()]);
    const serials = await this.repo.serials([...concerned]);
    // Looked up by key, not searched: a site that is down concerns each of its (possibly 10,000s of) terminals.
    const siteOf = new Map([...siteTerminals].flatMap(([site, ids]) => ids.map((id) => [id, site] as const)));
    const ofTerminal = groupBy(incidents.filter((i) => i.terminalId), (i) => i.terminalId!);
    const ofSite = groupBy(incidents.filter((i) => !i.terminalId && i.siteId), (i) => i.siteId!);
    const items = [...concerned].map((terminalId) => {
      const site = siteOf.get(terminalId);
      const own = [...(ofTerminal.get(terminalId) ?? []), ...(site ? ofSite.get(site) ?? [] : [])];
      const { score } = healthScore(1, own, new Map(site ? [[site, [terminalId]]] : []));
      return { terminalId, serialNumber: serials.get(terminalId) ?? terminalId, score, incidents: own.length };
    });
    items.sort((a, b) => a.score - b.score || a.serialNumber.localeCompare(b.serialNumber));
    return { items: items.slice(0, query.limit ?? 500) };
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


type RuleState = { seq: number; streaks: Map<string, Streak>; cards: Partial<Record<CardInterface, CardWindow>>; stored: string | undefined };

/** A row of streaks ({ rule: [bad, good] }) and card windows ({ iface: [[attempts, failures], …] }). */
function decodeRuleState(row: { seq: number | string; streaks: string; cards: string }): RuleState {
  const streaks = parseJson<Record<string, [number, number]>>(row.streaks, {});
  const cards = parseJson<Partial<Record<CardInterface, [number, number][]>>>(row.cards, {});
  return {
    seq: Number(row.seq),
    streaks: new Map(Object.entries(streaks).map(([rule, [bad, good]]) => [rule, { bad, good }])),
    cards: Object.fromEntries(Object.entries(cards).map(([iface, w]) => [iface, w.map(([attempts, failures]) => ({ attempts, failures }))])),
    stored: `${row.streaks}\n${row.cards}`,
  };
}

/** The row to write, or null when nothing changed since it was read (or there is nothing to remember). */
function encodeRuleState(terminalId: string, state: RuleState, now: string): DiagnosticStateTable | null {
  const streaks = JSON.stringify(Object.fromEntries([...state.streaks].sort(([a], [b]) => a.localeCompare(b)).map(([rule, s]) => [rule, [s.bad, s.good]])));
  const cards = JSON.stringify(Object.fromEntries(CARD_INTERFACES.filter((i) => state.cards[i]?.length).map((i) => [i, state.cards[i]!.map((c) => [c.attempts, c.failures])])));
  const text = `${streaks}\n${cards}`;
  if (state.stored === undefined ? text === '{}\n{}' : state.stored === text) return null;
  return { terminal_id: terminalId, seq: state.seq, streaks, cards, updated_at: now };
}
