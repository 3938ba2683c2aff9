// Maintenance jobs, their windows and terminal locks.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { JobState, WaitingCode } from '../shared/job-states.ts';
import type { LockKind } from './maintenance.schemas.ts';

export interface MaintenanceJobTable {
  id: string;
  terminal_id: string;
  site_id: string | null;
  /** JSON array of kinds of work: update, upgrade, repair, data_sync, security_hardening, key_injection. */
  work: string;
  reason: string;
  state: JobState;
  planned_start: string;
  expected_minutes: number;
  /** The lease: the terminal leaves maintenance by itself this long after starting, if not confirmed. */
  max_minutes: number;
  started_at: string | null;
  lease_until: string | null;
  ended_at: string | null;
  /** Why a due job has not started yet (continuity rule, outside a window). */
  waiting_reason: string | null;
  /** The reason's stable code (0042), set and cleared with it. */
  waiting_code: WaitingCode | null;
  override_reason: string | null;
  /** JSON array of { name, passed, detail }. */
  self_tests: string | null;
  refused_transactions: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface MaintenanceTransitionTable {
  id: string;
  job_id: string;
  /** 0, 1, 2, ... per job: the order of transitions even within one millisecond. */
  position: number;
  from_state: JobState | null;
  to_state: JobState;
  at: string;
  actor: string;
  actor_name: string | null;
  note: string | null;
}

export interface TerminalLockTable {
  id: string;
  terminal_id: string;
  reason: string;
  locked_at: string;
  locked_by: string;
  lifted_at: string | null;
  lifted_by: string | null;
  /** Why the operator lifted it (e.g. what the inspection found). */
  lift_reason: string | null;
  /** (0034) What kind of lock (LockKind). */
  kind: LockKind;
}

/** When planned maintenance may run: a one-off, RRULE or cron schedule read in `time_zone`. */
export interface MaintenanceWindowTable {
  id: string;
  name: string;
  /** merchant, site, terminal or filter */
  target_kind: string;
  /** The merchant, site or terminal; for a filter window the merchant it is narrowed to, or null. */
  target_id: string | null;
  /** JSON { tag?, modelId? } of a filter window. */
  target_filter: string | null;
  /** "site:<id>", "filter:{...}": windows with the same key must not contradict each other. */
  target_key: string;
  /** once, rrule or cron */
  schedule_kind: string;
  schedule_start: string | null;
  rrule: string | null;
  cron: string | null;
  duration_minutes: number;
  time_zone: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A maintenance job planned inside a window: the tick starts it only inside one of its occurrences. */
export interface MaintenanceJobWindowTable {
  job_id: string;
  window_id: string;
  /** What planning budgeted for the job (e.g. the p90 of past durations): it must fit before the window ends. */
  budget_minutes: number;
}

/** A site's past trade per 15-minute bucket, imported (e.g. from an acquirer's settlement file). */
export interface SiteTradingHistoryTable {
  site_id: string;
  bucket_start: string;
  transactions: number;
  amount_minor: number;
  currency: string | null;
  imported_at: string;
}
