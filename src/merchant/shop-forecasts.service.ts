// The daily forecast job: one pass over the fleet's latest state (each terminal's last report, its
// model's roll length, what the last pass remembered), the forecasts of src/merchant/shop-forecasts.ts
// for each terminal, their state written back in batches, and the forecasts that stand handed to the
// shop notices (the heartbeat answer and the merchant view read them from memory).
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { MerchantRepository } from './merchant.repository.ts';
import { forecastPass, type ForecastState } from './shop-forecasts.ts';
import type { ForecastNotice, ShopNotices } from './shop-notices.ts';

interface ReportShape { printer?: { rollReceipts?: unknown }; battery?: { health?: unknown } }

/** The job's name (run daily). */
export const SHOP_FORECASTS_JOB = 'shop-forecasts';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class ShopForecasts {
  constructor(private readonly repo: MerchantRepository, private readonly clock: Clock, private readonly notices: ShopNotices) {}

  /** After a start: the forecasts the last pass left open are told again (no new pass). */
  async load(): Promise<void> {
    const forecasts = new Map<string, ForecastNotice[]>();
    for (const row of await this.repo.forecastStates()) {
      const told = parseJson<{ notices?: ForecastNotice[] } | null>(row.state, null)?.notices ?? [];
      if (told.length) forecasts.set(row.terminal_id, told);
    }
    await this.notices.setForecasts(forecasts);
  }

  /** One pass over the fleet; how many terminals have a forecast standing. */
  async run(): Promise<number> {
    const now = this.clock().toISOString();
    const chip = this.notices.takeChipReads();
    const forecasts = new Map<string, ForecastNotice[]>();
    const rows = [];
    for (const t of await this.repo.forecastInputs()) {
      const report = parseJson<ReportShape | null>(t.report, null);
      const previous = parseJson<ForecastState | undefined>(t.state, undefined);
      const { state, notices } = forecastPass(previous, {
        now, receiptsPerRoll: Number(t.receipts_per_roll), rollReceipts: num(report?.printer?.rollReceipts), batteryHealth: num(report?.battery?.health), chipReads: chip.get(t.id),
      });
      if (notices.length) forecasts.set(t.id, notices);
      // The notices told are kept with the state, for a restart.
      if (report || previous) rows.push({ terminal_id: t.id, state: JSON.stringify({ ...state, notices }), updated_at: now });
    }
    await this.repo.saveForecasts(rows);
    await this.notices.setForecasts(forecasts);
    return forecasts.size;
  }
}
