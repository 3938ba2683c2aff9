// The KPI rollups (0040), as Kysely sees them, composed into `Database` in src/db/schema.ts: what the
// history of one UTC day adds to the maintenance KPIs, written by the `kpi-rollups` job once the day is
// over. Days are 'YYYY-MM-DD' text, times ISO-8601 UTC text.
import type { Resolution } from './kpis.ts';

/**
 * A UTC day whose rollups are being written (`rolled_at` null) or complete. A fact recorded later about
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
