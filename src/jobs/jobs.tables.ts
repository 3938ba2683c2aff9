// Background jobs and their runs.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

export interface JobTable {
  id: string;
  kind: string;
  payload: string;
  run_at: string;
  /** Set for recurring jobs: the next run is scheduled this many ms after the previous due time. */
  interval_ms: number | null;
  locked_by: string | null;
  locked_until: string | null;
  attempts: number;
  last_error: string | null;
  done_at: string | null;
}

export interface JobRunTable {
  id: string;
  job_id: string;
  scheduled_for: string;
  node: string;
  started_at: string;
  finished_at: string | null;
  outcome: string;
  error: string | null;
}
