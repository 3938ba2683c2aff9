// The KPI rollups (0040), as Kysely sees them, composed into `Database` in src/db/schema.ts: what the
// history of one UTC day adds to the maintenance KPIs, written by the `kpi-rollups` job once the day is
// over. Days are 'YYYY-MM-DD' text, times ISO-8601 UTC text.
import type { Resolution } from './kpis.ts';

/**
 * A UTC day whose rollups are being written (`kpi_rollup_days`: outages and resolutions, 0040;
 * `kpi_work_order_days`: done work orders, 0043, un-rolled by facts of their own)
 * (`rolled_at` null) or complete. A fact recorded later about
 * the day (or any day after it) deletes the row in the same statement (triggers of 0040): the day is
 * read live again until the job has rolled it anew.
 */
export interface KpiRollupDayTable {
  day: string;
  /** The job run writing the day: its rows count only if the day still carries this token when they are saved. */
  token: string;
  rolled_at: string | null;
}

/** One terminal's downtime in a day (the union of its outages, from its creation) and the failures that began in it; only days with either. */
export interface KpiTerminalDayTable {
  day: string;
  terminal_id: string;
  down_ms: number;
  failures: number;
  /**
   * The terminal's site, model, status and deletion as they are now (0046): copied from `terminals` when
   * the day is saved and changed with the terminal (all null once it is removed), so a report sums the
   * days per site without looking each terminal up.
   */
  site_id: string | null;
  model_id: string | null;
  status: string | null;
  deleted_at: string | null;
}

/** An incident resolved in the day and how it was fixed. */
export interface KpiIncidentResolutionTable {
  incident_id: string;
  day: string;
  terminal_id: string | null;
  site_id: string | null;
  merchant_id: string | null;
  resolution: Resolution;
}

/**
 * A work order done in the day and what it adds to the KPIs (0043):
 * kpis.ts's doneOrderSums. Its site and technician as they were when rolled: changing them un-rolls the day.
 */
export interface KpiDoneOrderTable {
  day: string;
  work_order_id: string;
  done_at: string;
  site_id: string;
  technician_id: string | null;
  minutes: number;
  planned_minutes: number;
  /** 1 for a corrective work order (it repaired a failure), else 0. */
  repairs: number;
  repair_ms: number;
  restored_ms: number;
  first_time_fixes: number;
}
