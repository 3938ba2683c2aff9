// The suggested window: when a site's maintenance window should be, learnt from its past trade — its
// terminals' reported transactions, and any trading history imported for it (an acquirer's settlement
// file) — else from its opening hours.
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { DEFAULT_CURRENCY } from './figures.ts';
import { DEFAULT_WINDOW_SETTINGS, type WindowSettings } from './window-defs.ts';
import { WEEKDAYS, expectedLossOf, suggestWindow, weeklyProfile, type AggregatedHistory } from './windows/index.ts';
import { DAY_MS, MINUTE_MS, toWall, wallParts } from './windows/time-zone.ts';
import { checkTradingBuckets, parseTradingCsv, type TradingBucket, type TradingProblem } from './windows/trading-history.ts';
import type { WindowsRepository } from './windows.repository.ts';
import type { SuggestedWindowQuery, SuggestedWindowView, TradingImportView } from './windows.schemas.ts';

const SLOT_MS = 15 * MINUTE_MS;
const WEEK_SLOTS = 7 * 96;
/** A heartbeat reports the trade since the previous one; a longer silence is not spread further back than this. */
const MAX_HEARTBEAT_GAP_MS = DAY_MS;

/** The revenue a slot at one site is expected to cost. */
export type LossModel = (start: string, minutes: number) => { expectedLossMinor: number | null; currency: string };

export class SuggestedWindowService {
  private readonly settings: WindowSettings;

  constructor(
    private readonly repo: WindowsRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    settings: Partial<WindowSettings> = {},
    /** A site's daily batch close ('HH:MM', its time) when the query names none. */
    private readonly batchCloseOf: (site: { siteId: string | null; merchantId: string | null }) => string | undefined = () => undefined,
  ) {
    this.settings = { ...DEFAULT_WINDOW_SETTINGS, ...settings };
  }

  /**
   * Stores a site's past trade per 15 minutes, from JSON `{ currency?, buckets: [{ start, transactions,
   * amountMinor? }] }` or CSV (`start,transactions[,amountMinor]`). Every row is checked first: one bad
   * row refuses the import, naming it. Importing the same buckets again replaces them (idempotent).
   */
  async importTrading(siteId: string, body: unknown, query: { currency?: string | undefined }, scope: Scope): Promise<TradingImportView> {
    const site = await this.estate.getSite(siteId, scope);
    const now = this.clock();
    let currency = query.currency ?? null;
    let checked: TradingBucket[] | TradingProblem;
    if (typeof body === 'string') checked = parseTradingCsv(body, now);
    else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const input = body as Record<string, unknown>;
      const stray = Object.keys(input).find((key) => key !== 'buckets' && key !== 'currency');
      if (stray) throw invalidField(stray, 'maintenance.trading_unknown_field', { field: stray });
      if (input.currency !== undefined) {
        if (typeof input.currency !== 'string' || !/^[A-Z]{3}$/.test(input.currency)) throw invalidField('currency', 'maintenance.trading_currency');
        currency = input.currency;
      }
      if (!Array.isArray(input.buckets)) throw invalidField('buckets', 'maintenance.trading_buckets_list');
      const rows = input.buckets as unknown[];
      const notObject = rows.findIndex((row) => row === null || typeof row !== 'object' || Array.isArray(row));
      if (notObject >= 0) throw invalidField(`buckets.${notObject}`, 'maintenance.trading_bucket_object');
      checked = checkTradingBuckets(rows as { start: unknown; transactions: unknown; amountMinor?: unknown }[], now, (i, field) => `buckets.${i}.${field}`);
    } else {
      throw invalidField('body', 'maintenance.trading_body');
    }
    if (!Array.isArray(checked)) throw invalidField(checked.field, checked.key, checked.params);
    const buckets = checked;
    await this.repo.transaction((trx) => this.repo.upsertTrading(trx, site.id, buckets, currency, now.toISOString()));
    const starts = buckets.map((b) => b.start).sort();
    return {
      siteId: site.id, buckets: buckets.length, from: starts[0]!, to: new Date(Date.parse(starts.at(-1)!) + 15 * MINUTE_MS).toISOString(),
      transactions: buckets.reduce((n, b) => n + b.transactions, 0), currency,
    };
  }

  // ---- suggested window
  /** Candidate windows for a site, cheapest first, learnt from its terminals' reported trade (else its opening hours). */
  async suggest(siteId: string, query: SuggestedWindowQuery, scope: Scope): Promise<SuggestedWindowView> {
    const site = await this.estate.getSite(siteId, scope);
    const now = this.clock();
    const trade = await this.tradeOf(site.id, site.timeZone, now, query.weeks ?? 4);
    const hasHours = Object.values(site.openingHours).some((day) => day && day.length > 0);
    const batchClose = query.batchClose ?? this.batchCloseOf({ siteId: site.id, merchantId: site.merchantId });
    const suggestion = suggestWindow({
      timeZone: site.timeZone, durationMinutes: query.minutes ?? 60, now, days: query.days ?? 7, preference: query.preference ?? 'outside-opening-hours',
      top: query.top ?? 5, ...(hasHours && { openingHours: site.openingHours }), ...(trade && { history: trade.history }),
      ...(batchClose && { batchClose: { at: batchClose } }),
    });
    return {
      siteId: site.id, timeZone: site.timeZone, currency: trade?.currency ?? DEFAULT_CURRENCY, basis: suggestion.basis, history: trade?.summary ?? null, candidates: suggestion.candidates,
    };
  }

  /**
   * What any slot at a site is expected to cost in lost revenue (null: no trade known), from one read of its
   * past trade: a list of a site's jobs reads it once, not once per job.
   */
  async lossModel(siteId: string): Promise<LossModel> {
    const site = await this.estate.getSite(siteId);
    const trade = await this.tradeOf(site.id, site.timeZone, this.clock(), 4);
    if (!trade) return () => ({ expectedLossMinor: null, currency: DEFAULT_CURRENCY });
    const profile = weeklyProfile(trade.history, site.timeZone);
    const currency = trade.currency ?? DEFAULT_CURRENCY;
    return (start, minutes) => ({ expectedLossMinor: expectedLossOf(profile, site.timeZone, new Date(start), minutes), currency });
  }

  /**
   * The site's trade per local quarter hour of the week over the last `weeks` weeks: its imported trading
   * history where there is one, and after it the `transactions` its terminals reported in heartbeats.
   * Each heartbeat reports the trade since the previous one, so its count and amount are spread evenly
   * over that interval. Bounded: beyond maxHeartbeatRows fewer weeks are read, and reports are read a
   * page at a time.
   */
  private async tradeOf(siteId: string, timeZone: string, now: Date, weeks: number) {
    const terminalIds = await this.repo.terminalsOfSite(siteId, 500);
    const to = now.getTime();
    let from = to - weeks * 7 * DAY_MS;
    const rows = await this.repo.countHeartbeats(terminalIds, new Date(from).toISOString(), now.toISOString());
    const imported = await this.repo.tradingHistory(siteId, new Date(from).toISOString(), now.toISOString());
    if (rows === 0 && !imported.length) return null;
    // Heartbeats count only after the imported history: the two would count the same sales twice.
    const importedEnd = imported.length ? Date.parse(imported.at(-1)!.bucket_start) + 15 * MINUTE_MS : Number.NEGATIVE_INFINITY;
    const shortened = rows > this.settings.maxHeartbeatRows;
    if (shortened) from = to - Math.max(DAY_MS, Math.floor(((to - from) * this.settings.maxHeartbeatRows) / rows));
    const fromIso = new Date(from).toISOString();
    const revenue = new Float64Array(WEEK_SLOTS);
    const count = new Float64Array(WEEK_SLOTS);
    const spreadOver = (start: number, end: number, transactions: number, amount: number) => {
      const span = end - start;
      for (let a = start; a < end;) {
        const b = Math.min(end, (Math.floor(a / SLOT_MS) + 1) * SLOT_MS);
        const p = wallParts(toWall(a, timeZone));
        const slot = p.weekday * 96 + Math.floor(p.minuteOfDay / 15);
        revenue[slot]! += (amount * (b - a)) / span;
        count[slot]! += (transactions * (b - a)) / span;
        a = b;
      }
    };
    let read = 0;
    let earliest = to;
    let currency: string | null = null;
    let reporting = 0;
    for (const bucket of imported) {
      const at = Date.parse(bucket.bucket_start);
      earliest = Math.min(earliest, at);
      currency = bucket.currency ?? currency;
      spreadOver(at, at + 15 * MINUTE_MS, Number(bucket.transactions), Number(bucket.amount_minor));
    }
    const intervalMs = this.settings.heartbeatIntervalSeconds * 1000;
    for (const terminalId of terminalIds) {
      let after = -1;
      let previous: number | null = null;
      for (let budget = this.settings.maxHeartbeatRows - read; budget > 0;) {
        const page = await this.repo.heartbeatPage(terminalId, fromIso, now.toISOString(), after, Math.min(5000, budget));
        if (page.length && previous === null) reporting++;
        for (const beat of page) {
          const at = Date.parse(beat.receivedAt);
          const start = Math.max(from, previous === null ? at - intervalMs : Math.max(previous, at - MAX_HEARTBEAT_GAP_MS));
          previous = at;
          earliest = Math.min(earliest, start);
          const reported = parseJson<{ transactions?: { count?: unknown; amountMinor?: unknown; currency?: unknown } }>(beat.report, {}).transactions;
          if (typeof reported?.currency === 'string') currency = reported.currency;
          const transactions = positive(reported?.count);
          const amount = positive(reported?.amountMinor);
          // Of a heartbeat that straddles the end of the imported history, only the share after it counts.
          if ((transactions > 0 || amount > 0) && at > start && at > importedEnd) {
            const counted = (at - Math.max(start, importedEnd)) / (at - start);
            spreadOver(Math.max(start, importedEnd), at, transactions * counted, amount * counted);
          }
        }
        read += page.length;
        budget -= page.length;
        if (page.length < 5000) break;
        after = page.at(-1)!.seq;
      }
    }
    const covered = Math.max(to - earliest, DAY_MS);
    const history: AggregatedHistory = { weeks: covered / (7 * DAY_MS), buckets: [] };
    const buckets = history.buckets as AggregatedHistory['buckets'][number][];
    for (let slot = 0; slot < WEEK_SLOTS; slot++) {
      if (revenue[slot]! <= 0 && count[slot]! <= 0) continue;
      const minute = (slot % 96) * 15;
      buckets.push({ day: WEEKDAYS[Math.floor(slot / 96)]!, time: `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`, transactions: count[slot]!, amountMinor: revenue[slot]! });
    }
    return {
      history,
      currency,
      summary: {
        from: new Date(earliest).toISOString(), to: now.toISOString(), weeks: Math.round(history.weeks * 100) / 100,
        heartbeats: read, terminals: reporting, shortened,
        imported: imported.length ? { from: imported[0]!.bucket_start, to: new Date(importedEnd).toISOString(), buckets: imported.length } : null,
      },
    };
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const positive = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
