// What the rules need to know about a terminal, kept in memory for a while and shared by the heartbeat
// observer, the offline sweep and the incidents: where it belongs, its open incidents (as of its last
// batch) and its model's thresholds. The heartbeat path reads it for every batch, so it is cached.
import { setBounded } from '../shared/bounded-map.ts';
import { parseJson } from '../shared/json.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { Clock } from '../shared/time.ts';
import type { RuleStateRepository } from './rule-state.repository.ts';
import { mergeThresholds, type ThresholdOverrides, type Thresholds } from './heartbeat.rules.ts';
import type { SiteHours, TradingThresholds } from './trading.rules.ts';
import type { OpeningHours } from '../maintenance/windows/suggest-window.ts';
import { isTimeZone } from '../maintenance/windows/time-zone.ts';

/** Where a terminal belongs, cached by the heartbeat path for a while; its open incidents, as of the batch. */
export interface TerminalState {
  modelId: string;
  siteId: string | null;
  merchantId: string | null;
  /** The site's opening hours in its time zone; null without a site or hours (suspicious-trading rules). */
  siteHours: SiteHours | null;
  /** Open incidents by rule (read with every batch). */
  open: Map<string, string>;
  /** When an open incident's last_seen_at was last written. */
  touched: Map<string, number>;
  /** Where the terminal belongs is re-read after this (an operator may have moved it). */
  until: number;
}

const CONTEXT_TTL_MS = 5 * 60_000;
/** Terminals whose context one process keeps (a forgotten one is read again with its next batch). */
const CONTEXT_MAX_TERMINALS = 200_000;
/** Terminal models whose thresholds one process keeps (likewise). */
const THRESHOLDS_MAX_MODELS = 10_000;
/** Merchants whose trading overrides are kept (the oldest dropped beyond it). */
const THRESHOLDS_MAX_MERCHANTS = 100_000;

export class RuleContext {
  /** The default thresholds with the configured password age: what a model without overrides uses. */
  readonly base: Thresholds;
  private readonly states = new Map<string, TerminalState>();
  private readonly thresholdCache = new TtlCache<string, Thresholds>(THRESHOLDS_MAX_MODELS, CONTEXT_TTL_MS);
  /** Each merchant's overrides of the trading group (laid over its terminals' model thresholds). */
  private readonly merchantTradingCache = new TtlCache<string, Partial<TradingThresholds>>(THRESHOLDS_MAX_MERCHANTS, CONTEXT_TTL_MS);

  constructor(private readonly repo: RuleStateRepository, private readonly clock: Clock, passwordMaxAgeDays: number) {
    this.base = mergeThresholds({ password: { maxAgeDays: passwordMaxAgeDays } });
  }

  terminal(id: string): TerminalState | undefined {
    return this.states.get(id);
  }

  /** Forgets an incident that resolved, so the next batch may open the rule's incident again. */
  forgetOpen(incident: { id: string; terminal_id: string | null; rule: string }): void {
    const state = incident.terminal_id ? this.states.get(incident.terminal_id) : undefined;
    if (state && state.open.get(incident.rule) === incident.id) state.open.delete(incident.rule);
  }

  async loadTerminals(terminalIds: string[]): Promise<void> {
    const nowMs = this.clock().getTime();
    const stale = terminalIds.filter((id) => (this.states.get(id)?.until ?? 0) < nowMs);
    if (!stale.length) return;
    for (const t of await this.repo.terminalContext(stale)) {
      const previous = this.states.get(t.id);
      setBounded(this.states, t.id, {
        modelId: t.model_id, siteId: t.site_id, merchantId: t.merchant_id ?? null, siteHours: siteHoursOf(t.opening_hours, t.time_zone ?? t.merchant_time_zone), open: previous?.open ?? new Map(), touched: previous?.touched ?? new Map(), until: nowMs + CONTEXT_TTL_MS,
      }, CONTEXT_MAX_TERMINALS);
    }
  }

  async loadThresholds(modelIds: string[]): Promise<void> {
    const nowMs = this.clock().getTime();
    const stale = modelIds.filter((id) => !this.thresholdCache.has(id, nowMs));
    if (!stale.length) return;
    const rows = new Map((await this.repo.thresholdsOf(stale)).map((r) => [r.model_id, parseJson<ThresholdOverrides>(r.settings, {})]));
    for (const id of stale) this.thresholdCache.set(id, mergeThresholds(rows.get(id), this.base), nowMs);
  }

  async loadMerchantTrading(merchantIds: string[]): Promise<void> {
    const nowMs = this.clock().getTime();
    const stale = merchantIds.filter((id) => !this.merchantTradingCache.has(id, nowMs));
    if (!stale.length) return;
    const rows = new Map((await this.repo.merchantTradingOf(stale)).map((r) => [r.merchant_id, parseJson<Partial<TradingThresholds>>(r.settings, {})]));
    for (const id of stale) this.merchantTradingCache.set(id, rows.get(id) ?? {}, nowMs);
  }

  /** The suspicious-trading thresholds of a terminal: its model's, with its merchant's overrides on top (`nowMs`: the caller's clock, read once per batch). */
  tradingOf(modelId: string | undefined, merchantId: string | null, nowMs = this.clock().getTime()): TradingThresholds {
    const model = this.thresholdsOf(modelId, nowMs).trading;
    const merchant = merchantId ? this.merchantTradingCache.get(merchantId, nowMs) : undefined;
    return merchant && Object.keys(merchant).length ? { ...model, ...merchant } : model;
  }

  /** A merchant's trading overrides changed: the next batch reads them again. */
  forgetMerchantTrading(merchantId: string): void {
    this.merchantTradingCache.delete(merchantId);
  }

  /** The model's thresholds as last loaded (the defaults when none were). */
  thresholdsOf(modelId: string | undefined, nowMs = this.clock().getTime()): Thresholds {
    return this.thresholdCache.get(modelId ?? '', nowMs) ?? this.base;
  }

  /** A model's overrides changed: the next batch reads them again. */
  forgetThresholds(modelId: string): void {
    this.thresholdCache.delete(modelId);
  }

  /** Any model's may have changed (another node's notice was missed): every batch reads them again. */
  forgetAllThresholds(): void {
    this.thresholdCache.clear();
    this.merchantTradingCache.clear();
  }
}

/** Opening hours worth judging: some day has hours and the site says its time zone. */
function siteHoursOf(openingHours: string | null, timeZone: string | null): SiteHours | null {
  const hours = parseJson<OpeningHours>(openingHours, {});
  // A zone the rules cannot read is no reason to fail the heartbeat batch: that site is not judged.
  return timeZone && isTimeZone(timeZone) && Object.values(hours).some((d) => d && d.length > 0) ? { openingHours: hours, timeZone } : null;
}
