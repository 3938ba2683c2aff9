// The heartbeat observer: the rules over every written heartbeat batch. The rules' streaks and card-read
// windows are read and written once per batch, so every node and a restarted one agree; incidents are
// written only when they open, resolve, or are seen again after a while.
import type { DiagnosticStateTable } from '../db/schema.ts';
import { heartbeatKey, type QueuedHeartbeat } from '../device/heartbeat-batch.ts';
import type { Emitter } from '../shared/events.ts';
import type { PartDue, PartEvents } from '../shared/part-due.ts';
import type { Clock } from '../shared/time.ts';
import type { DiagnosticsRepository } from './diagnostics.repository.ts';
import type { RuleStateRepository } from './rule-state.repository.ts';
import {
  CARD_INTERFACES, escalationDelayMs, nextStreak, PLANNED_PARTS, readHeartbeat, RULE_POLICY, slideCardWindow, type CardInterface, type CardWindow, type Rule, type SecurityBaseline,
} from './heartbeat.rules.ts';
import { openKey, SYSTEM, type IncidentService } from './incidents.service.ts';
import type { RuleContext } from './rule-context.ts';
import { emptyRuleState, encodeRuleState, RuleStateCodec, setCardWindow, setStreak, type RuleState, type StoredRuleState } from './rule-state.ts';
import { TradingWatch, type TradingFinding } from './trading-watch.ts';

/** What the observer tells other capabilities: a worn part due for replacement (see PLANNED_PARTS). */
export type DiagnosticsEvents = PartEvents;

export interface ObserverSettings {
  /** Where a worn part is said (preventive maintenance listens); without it, a worn part is only counted. */
  events?: Emitter<DiagnosticsEvents> | undefined;
  /** The newest security-patch versions per terminal model, for the software_unpatched rule. */
  securityBaselines?: ((modelIds: string[]) => Promise<Map<string, SecurityBaseline>>) | undefined;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

const TOUCH_EVERY_MS = 60_000;
const STATE_WRITE_EVERY_MS = 1000;

export class HeartbeatObserver {
  /** Rule state computed but not yet written (read before the database's: it is newer). */
  private readonly pendingStates = new Map<string, DiagnosticStateTable>();
  private stateTimer: NodeJS.Timeout | undefined;
  private stateWrite: Promise<void> = Promise.resolve();
  private lastStateWrite = 0;
  /** Stored rule state texts, parsed once each (see rule-state.ts). */
  private readonly codec = new RuleStateCodec();
  /** Suspicious trading: learnt in memory from the heartbeats themselves (no query). */
  readonly trading = new TradingWatch();

  constructor(
    private readonly repo: DiagnosticsRepository,
    private readonly ruleState: RuleStateRepository,
    private readonly clock: Clock,
    private readonly context: RuleContext,
    private readonly incidents: Pick<IncidentService, 'openIncident' | 'resolveRow' | 'recordTradingFinding'>,
    private readonly settings: ObserverSettings = {},
  ) {}

  /** Told about every written batch; looks only at heartbeats that were new (retries change nothing). */
  async observe(batch: QueuedHeartbeat[], stored: Set<string>): Promise<void> {
    const fresh = batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))).sort((a, b) => a.report.seq - b.report.seq);
    if (!fresh.length) return;
    const terminalIds = [...new Set(fresh.map((h) => h.terminalId))];
    // Streaks and open incidents are read afresh for every batch: another node may have moved them.
    const [, { states: persisted, open }] = await Promise.all([this.context.loadTerminals(terminalIds), this.ruleState.batchState(terminalIds)]);
    for (const id of terminalIds) this.context.terminal(id)?.open.clear();
    for (const o of open) this.context.terminal(o.terminal_id!)?.open.set(o.rule, o.id);
    // What this node computed but has not written yet is newer than what the database holds.
    const sources = new Map<string, StoredRuleState>(persisted.map((r) => [r.terminal_id, r]));
    for (const id of terminalIds) {
      const pending = this.pendingStates.get(id);
      if (pending && pending.seq > Number(sources.get(id)?.seq ?? 0)) sources.set(id, pending);
    }
    const ruleStates = new Map<string, RuleState>();
    for (const [id, row] of sources) ruleStates.set(id, this.codec.decode(row));
    const models = [...new Set(fresh.map((h) => this.context.terminal(h.terminalId)?.modelId).filter((m): m is string => !!m))];
    const merchants = [...new Set(fresh.map((h) => this.context.terminal(h.terminalId)?.merchantId).filter((m): m is string => !!m))];
    await Promise.all([this.context.loadThresholds(models), this.context.loadMerchantTrading(merchants)]);
    const baselines = (await this.settings.securityBaselines?.(models)) ?? new Map<string, SecurityBaseline>();

    const actions: { kind: 'open' | 'resolve'; terminalId: string; rule: Rule; detail: Record<string, unknown>; at: string; resolution?: string }[] = [];
    const partsDue: PartDue[] = [];
    const touch: string[] = [];
    const tradingFindings: { terminalId: string; finding: TradingFinding }[] = [];
    const folded = new Set<string>();
    const nowMs = this.clock().getTime();
    for (const h of fresh) {
      const state = this.context.terminal(h.terminalId);
      if (!state) continue;
      if (state.open.has('offline')) {
        actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: 'offline', detail: {}, at: h.receivedAt, resolution: 'the terminal is back online' });
        state.open.delete('offline');
      }
      let rs = ruleStates.get(h.terminalId);
      if (!rs) ruleStates.set(h.terminalId, (rs = emptyRuleState()));
      // Another node already counted a newer heartbeat of this terminal: this late one changes no streak.
      if (h.report.seq <= rs.seq) continue;
      rs.seq = h.report.seq;
      folded.add(h.terminalId);
      const thresholds = this.context.thresholdsOf(state.modelId, nowMs);
      for (const finding of this.trading.observe(h.terminalId, h.report.seq, h.report.transactions, h.receivedAt, state.siteHours, this.context.tradingOf(state.modelId, state.merchantId, nowMs))) {
        tradingFindings.push({ terminalId: h.terminalId, finding });
      }
      const windows: Partial<Record<CardInterface, CardWindow>> = {};
      for (const iface of CARD_INTERFACES) {
        const counts = h.report.cardReader[iface];
        if (!counts) continue;
        const window = slideCardWindow(rs.cards[iface] ?? [], counts, thresholds.cardReader.windowAttempts);
        setCardWindow(rs, iface, window);
        windows[iface] = window;
      }
      const receivedMs = Date.parse(h.receivedAt);
      for (const reading of readHeartbeat(h.report, h.receivedAt, thresholds, windows, baselines.get(state.modelId))) {
        const openId = state.open.get(reading.rule);
        // Conditions the shop fixes wait out their delay (the merchant is told first; see src/merchant/shop-notices.ts).
        const delayMs = escalationDelayMs(reading.rule, thresholds);
        const delay = delayMs === undefined ? undefined : { ms: delayMs, atMs: receivedMs };
        const { streak, action } = nextStreak(rs.streaks.get(reading.rule) ?? { bad: 0, good: 0 }, reading.bad, openId !== undefined, RULE_POLICY[reading.rule], delay);
        setStreak(rs, reading.rule, streak);
        const part = PLANNED_PARTS[reading.rule];
        if (action === 'open' && part) {
          // Planned work, not an alarm: marked as told (no incident behind it), so it is said once per episode.
          state.open.set(reading.rule, '');
          partsDue.push({ terminalId: h.terminalId, part, at: h.receivedAt, detail: reading.detail });
        } else if (action === 'open') {
          state.open.set(reading.rule, '');
          actions.push({ kind: 'open', terminalId: h.terminalId, rule: reading.rule, detail: reading.detail, at: h.receivedAt });
        } else if (action === 'resolve') {
          state.open.delete(reading.rule);
          actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: reading.rule, detail: reading.detail, at: h.receivedAt, resolution: 'the condition cleared' });
        } else if (part && openId && reading.bad) {
          // An incident opened before worn parts were planned work: resolved, and the part said due instead.
          state.open.set(reading.rule, '');
          actions.push({ kind: 'resolve', terminalId: h.terminalId, rule: reading.rule, detail: reading.detail, at: h.receivedAt, resolution: 'a worn part is planned work: its replacement is in the preventive due list' });
          partsDue.push({ terminalId: h.terminalId, part, at: h.receivedAt, detail: reading.detail });
        } else if (openId && reading.bad && (state.touched.get(openId) ?? 0) + TOUCH_EVERY_MS <= nowMs) {
          state.touched.set(openId, nowMs);
          touch.push(openId);
        }
      }
    }
    const now = this.clock().toISOString();
    const changed: DiagnosticStateTable[] = [];
    for (const terminalId of folded) {
      const state = ruleStates.get(terminalId)!;
      const texts = encodeRuleState(state);
      if (texts) changed.push({ terminal_id: terminalId, seq: state.seq, ...texts, updated_at: now });
    }
    for (const row of changed) this.pendingStates.set(row.terminal_id, row);
    await Promise.all([this.repo.touchIncidents(touch, now), this.writeStatesSoon()]);
    for (const a of actions) {
      const state = this.context.terminal(a.terminalId)!;
      if (a.kind === 'open') {
        const row = await this.incidents.openIncident({ terminal_id: a.terminalId, site_id: state.siteId, merchant_id: state.merchantId, rule: a.rule, detail: a.detail, at: a.at });
        if (state.open.has(a.rule)) state.open.set(a.rule, row.id);
      } else {
        const row = await this.repo.findOpen(openKey(a.terminalId, a.rule));
        if (row) await this.incidents.resolveRow(row, a.at, SYSTEM, a.resolution ?? 'cleared');
      }
    }
    // Rare (once per worn part): preventive maintenance brings the part's replacement forward.
    for (const due of partsDue) await this.settings.events?.emit('part.due', due);
    // Rare (a rule tripped): a case is opened, or the terminal's open case gets the evidence.
    for (const { terminalId, finding } of tradingFindings) {
      const state = this.context.terminal(terminalId)!;
      await this.incidents.recordTradingFinding({ terminalId, siteId: state.siteId, merchantId: state.merchantId, ...finding });
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
    this.stateWrite = this.ruleState.saveDiagnosticStates(rows).then(
      // Rows recomputed meanwhile stay pending for the next write.
      () => { for (const r of rows) if (this.pendingStates.get(r.terminal_id) === r) this.pendingStates.delete(r.terminal_id); },
      (error: unknown) => {
        this.settings.log?.('diagnostic state not written; will retry', { terminals: rows.length, error: String(error) });
        void this.writeStatesSoon();
      },
    );
    await this.stateWrite;
  }
}
