// The daily forecast pass over one terminal, as a pure rule: from what the terminal reported last (its
// receipts meter since the roll was changed, its battery's capacity), its chip reads since the last pass
// and what the pass remembered before, the next remembered state and the forecasts that stand. Each
// forecast is an episode (src/shared/forecasts.ts): it opens once when it crosses its threshold and
// keeps its opening date until it closes well clear of it, so the shop is told once, not every day.
import { batteryDaysLeft, cardSlotTrend, episode, paperDaysLeft, type CapacitySample, type ReadDay } from '../shared/forecasts.ts';
import type { ForecastKind, ForecastNotice } from './shop-notices.ts';

const DAY_MS = 86_400_000;

/** When each forecast tells the shop (days left), and how far clear of it it closes. */
export const FORECAST_THRESHOLDS = {
  /** The roll runs out within 2 days (by tomorrow's trade); a new roll closes it. */
  paper: { openAt: 2, closeAbove: 4 },
  /** The battery falls below the replacement capacity within 30 days. */
  battery: { openAt: 30, closeAbove: 45, replaceBelow: 60 },
} as const;
const BATTERY_SAMPLES = 60;
const CARD_DAYS = 28;

export interface ForecastState {
  paper?: { meter: number; at: string; perDay: number | null };
  battery?: CapacitySample[];
  card?: ReadDay[];
  /** Open episodes: when each opened. */
  open: Partial<Record<ForecastKind, string>>;
}

export interface ForecastInput {
  now: string;
  receiptsPerRoll: number;
  /** From the latest report: receipts since the roll was changed, battery capacity left (% of design). */
  rollReceipts: number | undefined;
  batteryHealth: number | undefined;
  /** Chip reads since the last pass (undefined: none seen by this process). */
  chipReads: ReadDay | undefined;
}

export function forecastPass(previous: ForecastState | undefined, input: ForecastInput): { state: ForecastState; notices: ForecastNotice[] } {
  const { notices: _told, ...kept } = (previous ?? {}) as ForecastState & { notices?: unknown };
  const state: ForecastState = { ...kept, open: { ...previous?.open } };
  const notices: ForecastNotice[] = [];
  const judge = (kind: ForecastKind, isOpen: boolean, daysLeft: number | null, detail?: ForecastNotice['detail']) => {
    if (!isOpen) {
      delete state.open[kind];
      return;
    }
    const since = (state.open[kind] ??= input.now);
    notices.push({ kind, since, daysLeft, ...(detail && { detail }) });
  };

  // Paper: the meter's rise since the last pass is the rate (a new roll keeps the rate it had).
  if (input.rollReceipts !== undefined) {
    const p = previous?.paper;
    let perDay = p?.perDay ?? null;
    const days = p ? (Date.parse(input.now) - Date.parse(p.at)) / DAY_MS : 0;
    if (p && input.rollReceipts >= p.meter && days > 0.25) {
      const rate = (input.rollReceipts - p.meter) / days;
      perDay = perDay === null ? rate : (perDay + rate) / 2;
    }
    state.paper = { meter: input.rollReceipts, at: input.now, perDay };
    const daysLeft = paperDaysLeft(input.receiptsPerRoll, input.rollReceipts, perDay);
    // A new roll (the meter went back) ends the episode, however busy the terminal is.
    if (p && input.rollReceipts < p.meter) delete state.open.paper_running_out;
    judge('paper_running_out', episode(state.open.paper_running_out !== undefined, daysLeft, FORECAST_THRESHOLDS.paper.openAt, FORECAST_THRESHOLDS.paper.closeAbove), daysLeft);
  }
  // Battery: one capacity sample a day, its trend against the replacement level.
  if (input.batteryHealth !== undefined) {
    state.battery = [...(previous?.battery ?? []), { at: input.now, health: input.batteryHealth }].slice(-BATTERY_SAMPLES);
    const b = FORECAST_THRESHOLDS.battery;
    const daysLeft = batteryDaysLeft(state.battery, b.replaceBelow);
    judge('battery_wearing_out', episode(state.open.battery_wearing_out !== undefined, daysLeft, b.openAt, b.closeAbove), daysLeft);
  }
  // Card slot: the chip reads of each day; the last week against the weeks before.
  if (input.chipReads) {
    state.card = [...(previous?.card ?? []), input.chipReads].slice(-CARD_DAYS);
    const trend = cardSlotTrend(state.card);
    judge('card_slot_failing', trend.climbing, null, { recentRate: Math.round(trend.recentRate * 1000) / 1000 });
  } else if (state.open.card_slot_failing) {
    notices.push({ kind: 'card_slot_failing', since: state.open.card_slot_failing, daysLeft: null });
  }
  return { state, notices };
}
