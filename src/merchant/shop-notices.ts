// Notices to the shop, kept in memory for the heartbeat answer (no query per heartbeat) and the merchant
// view: conditions the staff fix themselves (paper low or out, the printer cover open), seen in each
// heartbeat batch, and the forecasts the daily forecast job puts here (paper running out, a battery
// wearing out, a card slot failing more and more often). The diagnostics rules make an operator incident
// of a condition only once it outlasted its delay; the shop hears of it at once, in its own language.
import type { Scope } from '../access/roles.ts';
import { setBounded } from '../shared/bounded-map.ts';
import type { Clock } from '../shared/time.ts';
import { langOf, type Lang, type Text } from './care.service.ts';
import type { MerchantRepository } from './merchant.repository.ts';
import type { ShopNotice, ShopNoticeKind, ShopNoticeView } from './merchant.schemas.ts';

export type ConditionKind = Extract<ShopNoticeKind, 'paper_out' | 'cover_open' | 'paper_low'>;
export type ForecastKind = Exclude<ShopNoticeKind, ConditionKind>;

/** What a heartbeat's printer says the staff should fix now. */
export function conditionsOf(printer: { paper: 'ok' | 'low' | 'out'; coverOpen: boolean } | undefined): ConditionKind[] {
  if (!printer) return [];
  const out: ConditionKind[] = [];
  if (printer.paper === 'out') out.push('paper_out');
  if (printer.coverOpen) out.push('cover_open');
  if (printer.paper === 'low') out.push('paper_low');
  return out;
}

/** Most urgent first: what stops trade now, then forecasts by how soon. */
const RANK: Record<ShopNoticeKind, number> = { paper_out: 0, cover_open: 1, paper_running_out: 2, paper_low: 3, card_slot_failing: 4, battery_wearing_out: 5 };

const days = (n: number | null, lang: Lang): string => {
  const d = Math.max(0, n ?? 0);
  if (lang === 'zh-CN') return d < 1 ? '今天' : d < 2 ? '明天' : `约 ${Math.round(d)} 天后`;
  return d < 1 ? 'today' : d < 2 ? 'by tomorrow' : `in about ${Math.round(d)} days`;
};

/** What a notice says, in both languages. `detail.recentRate`: a card slot's failure share over the last week. */
export function noticeTexts(kind: ShopNoticeKind, daysLeft: number | null, detail: { recentRate?: number } = {}): Text {
  const pct = `${Math.round((detail.recentRate ?? 0) * 100)}%`;
  switch (kind) {
    case 'paper_out': return { 'zh-CN': '打印机缺纸，请装入新纸卷', en: 'The printer is out of paper: put in a new roll' };
    case 'cover_open': return { 'zh-CN': '打印机盖未关好，请合上', en: 'The printer cover is open: close it' };
    case 'paper_low': return { 'zh-CN': '打印纸快用完了，请备好新纸卷', en: 'Paper is running low: have a new roll ready' };
    case 'paper_running_out': return {
      'zh-CN': `按目前的用量，打印纸将在${days(daysLeft, 'zh-CN')}用完，请备好新纸卷`,
      en: `At the current rate the paper roll runs out ${days(daysLeft, 'en')}: have a new roll ready`,
    };
    case 'battery_wearing_out': return {
      'zh-CN': `电池正在老化，预计${days(daysLeft, 'zh-CN')}需要更换，请联系服务商安排`,
      en: `The battery is wearing out and will need replacing ${days(daysLeft, 'en')}: ask your service provider`,
    };
    case 'card_slot_failing': return {
      'zh-CN': `读卡失败越来越多（近 7 天 ${pct}），请清洁卡槽`,
      en: `Card reads fail more and more often (${pct} in the last 7 days): clean the card slot`,
    };
  }
}

/** A forecast that crossed its threshold, as the forecast job leaves it (since: when its episode opened). */
export interface ForecastNotice {
  kind: ForecastKind;
  since: string;
  daysLeft: number | null;
  detail?: { recentRate?: number };
}

interface Place { serialNumber: string; modelId: string; siteId: string | null; siteName: string | null; merchantId: string | null; lang: Lang }

/** Terminals whose conditions one process keeps (a forgotten one is seen again with its next heartbeat). */
const MAX_TERMINALS = 200_000;
/** Places kept: the terminals with something to tell (conditions, forecasts); the oldest learnt is dropped first. */
const MAX_PLACES = MAX_TERMINALS * 5;

export class ShopNotices {
  /**
   * Where the terminals with something to tell belong, and their merchant's language: learnt from the
   * database when one first has something to tell (a condition, a forecast, the merchant view), not for
   * the whole fleet (a million terminals' serials, sites, site names and merchants: ~400 MB).
   */
  private directory = new Map<string, Place>();
  /** Conditions seen in each terminal's last heartbeat, with when each began. */
  private readonly conditions = new Map<string, Map<ConditionKind, string>>();
  private forecasts = new Map<string, ForecastNotice[]>();
  /** Chip reads of each terminal since the last forecast pass (a card slot failing more and more often). */
  private chipReads = new Map<string, { attempts: number; failures: number }>();

  constructor(private readonly repo: MerchantRepository, private readonly clock: Clock) {}

  /**
   * Reads again where the terminals with something to tell belong (a terminal moved to another site, a
   * site renamed, a merchant's language changed: at start and with the daily forecast pass); the places
   * of terminals with nothing left to tell are dropped.
   */
  async refresh(): Promise<void> {
    const directory = new Map<string, Place>();
    const telling = new Set([...this.conditions.keys(), ...this.forecasts.keys()]);
    if (telling.size) for (const r of await this.repo.terminalDirectory([...telling])) setBounded(directory, r.id, placeOf(r), MAX_PLACES);
    this.directory = directory;
  }

  /** Terminals not known yet, read once (only those with something to tell). */
  private async learn(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => !this.directory.has(id));
    if (!unknown.length) return;
    for (const r of await this.repo.terminalDirectory(unknown)) setBounded(this.directory, r.id, placeOf(r), MAX_PLACES);
  }

  /**
   * Each written heartbeat's printer (called once per batch): in memory; a terminal enrolled since the
   * last refresh is looked up once, with its batch, the first time it has something to tell.
   */
  async observe(batch: readonly {
    terminalId: string; printer: { paper: 'ok' | 'low' | 'out'; coverOpen: boolean } | undefined; chip?: { attempts: number; failures: number } | undefined; receivedAt: string;
  }[]): Promise<void> {
    for (const h of batch) {
      if (!h.chip?.attempts) continue;
      const reads = this.chipReads.get(h.terminalId);
      if (reads) {
        reads.attempts += h.chip.attempts;
        reads.failures += h.chip.failures;
      } else setBounded(this.chipReads, h.terminalId, { attempts: h.chip.attempts, failures: h.chip.failures }, MAX_PLACES);
    }
    const telling = batch.filter((h) => conditionsOf(h.printer).length > 0 && !this.directory.has(h.terminalId)).map((h) => h.terminalId);
    if (telling.length) await this.learn(telling);
    for (const h of batch) {
      const now = conditionsOf(h.printer);
      const before = this.conditions.get(h.terminalId);
      if (!now.length) {
        if (before) this.conditions.delete(h.terminalId);
        continue;
      }
      if (before && before.size === now.length && now.every((kind) => before.has(kind))) continue; // unchanged: nothing to do
      const next = new Map(now.map((kind) => [kind, before?.get(kind) ?? h.receivedAt]));
      setBounded(this.conditions, h.terminalId, next, MAX_TERMINALS);
    }
  }

  /** The chip reads counted since the last forecast pass, and counting starts again. */
  takeChipReads(): Map<string, { attempts: number; failures: number }> {
    const reads = this.chipReads;
    this.chipReads = new Map();
    return reads;
  }

  /** The forecast job's findings for the whole fleet (replaces the last ones); the terminals they concern are learnt. */
  async setForecasts(forecasts: Map<string, ForecastNotice[]>): Promise<void> {
    this.forecasts = forecasts;
    await this.learn(forecasts.keys());
  }

  /** The heartbeat answer's notices: synchronous, from memory; undefined when there are none. */
  of(terminalId: string): ShopNotice[] | undefined {
    const conditions = this.conditions.get(terminalId);
    const forecasts = this.forecasts.get(terminalId);
    if (!conditions && !forecasts?.length) return undefined;
    // Learnt before its conditions or forecasts were kept; zh-CN only when the bound dropped it meanwhile.
    const lang = this.directory.get(terminalId)?.lang ?? 'zh-CN';
    const out: ShopNotice[] = [];
    for (const [kind, since] of conditions ?? []) out.push(notice(kind, since, null, lang));
    for (const f of forecasts ?? []) {
      // A roll already reported empty is told as "out", not as "runs out today".
      if (f.kind === 'paper_running_out' && conditions?.has('paper_out')) continue;
      out.push(notice(f.kind, f.since, f.daysLeft, lang, f.detail));
    }
    return out.sort((a, b) => RANK[a.kind] - RANK[b.kind] || (a.daysLeft ?? 0) - (b.daysLeft ?? 0));
  }

  /** The merchant view: the notices of every terminal in the caller's scope, most urgent first. */
  async list(query: { siteId?: string | undefined }, scope: Scope): Promise<ShopNoticeView[]> {
    const ids = new Set([...this.conditions.keys(), ...this.forecasts.keys()]);
    await this.learn(ids);
    const out: ShopNoticeView[] = [];
    for (const id of ids) {
      const place = this.directory.get(id);
      if (!place || !visible(scope, place) || (query.siteId && place.siteId !== query.siteId)) continue;
      for (const n of this.of(id) ?? []) out.push({ ...n, terminalId: id, serialNumber: place.serialNumber, siteId: place.siteId, siteName: place.siteName });
    }
    return out.sort((a, b) => RANK[a.kind] - RANK[b.kind] || (a.siteName ?? '').localeCompare(b.siteName ?? '') || a.serialNumber.localeCompare(b.serialNumber));
  }

  /** The time now, for callers that stamp notices. */
  now(): string {
    return this.clock().toISOString();
  }
}

function notice(kind: ShopNoticeKind, since: string, daysLeft: number | null, lang: Lang, detail?: { recentRate?: number }): ShopNotice {
  const texts = noticeTexts(kind, daysLeft, detail);
  return { kind, text: texts[lang], texts, since, daysLeft: daysLeft === null ? null : Math.round(daysLeft * 10) / 10 };
}

function placeOf(r: { serial_number: string; model_id: string; site_id: string | null; site_name: string | null; merchant_id: string | null; locale: string | null }): Place {
  return { serialNumber: r.serial_number, modelId: r.model_id, siteId: r.site_id, siteName: r.site_name ?? null, merchantId: r.merchant_id ?? null, lang: langOf(r.locale) };
}

function visible(scope: Scope, place: Place): boolean {
  if (scope.kind === 'fleet') return true;
  return scope.kind === 'merchant' && place.merchantId === scope.merchantId;
}
