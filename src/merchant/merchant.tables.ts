// Merchant care: daily care confirmations, maintenance moved by the merchant, the shop's forecasts.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

/** done: the staff did it; could_not: they could not (with a reason, e.g. paper out of stock). */
export type CareOutcome = 'done' | 'could_not';

export type CareSource = 'terminal' | 'dashboard';

export interface CareConfirmationTable {
  id: string;
  pm_task_id: string;
  /** The staff task of the template (daily-care, weekly-connections, ...). */
  task_code: string;
  /** The occurrence confirmed: when it was due. */
  due_at: string;
  terminal_id: string;
  site_id: string | null;
  outcome: CareOutcome;
  reason: string | null;
  source: CareSource;
  confirmed_by: string;
  confirmed_at: string;
}

export interface MaintenanceMoveTable {
  id: string;
  job_id: string;
  from_start: string;
  to_start: string;
  expected_loss_minor: number | null;
  currency: string | null;
  moved_by: string;
  moved_at: string;
}

/** What the daily forecast job remembers of a terminal between passes. */
export interface ShopForecastTable {
  terminal_id: string;
  /** JSON ForecastState (src/merchant/shop-forecasts.ts) */
  state: string;
  updated_at: string;
}
