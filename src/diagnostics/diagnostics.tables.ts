// Incidents, suspicious-activity cases, rule state and troubleshooting guides.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { GuideRunStatus, IncidentStatus } from './diagnostics.schemas.ts';
import type { Severity } from './heartbeat.rules.ts';
import type { CaseStatus } from './suspicious-cases.ts';

/** A detected problem: one open per terminal (or site) and rule, from first to last bad reading. */
export interface IncidentTable {
  id: string;
  terminal_id: string | null;
  site_id: string | null;
  merchant_id: string | null;
  rule: string;
  /** low, medium, high or critical */
  severity: Severity;
  /** open, acknowledged or resolved */
  status: IncidentStatus;
  /** "<terminal id or site:id>|<rule>" while not resolved (unique), null after. */
  open_key: string | null;
  /** JSON: what the rule saw, e.g. { failureRate, attempts }. */
  detail: string;
  first_seen_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  /** A person's name, or "PosFleet" when the condition cleared by itself. */
  resolved_by: string | null;
  resolution: string | null;
  notified_count: number;
  last_notified_at: string | null;
}

/** A self-test command sent for an incident; its report is the command's result. */
export interface IncidentSelfTestTable {
  command_id: string;
  incident_id: string;
  /** JSON array of parts: printer, card_reader, network, battery. */
  parts: string;
  requested_at: string;
  requested_by: string;
}

/** A report of suspicious activity, which is also its case (owner, status and history). */
export interface SuspiciousReportTable {
  id: string;
  terminal_id: string;
  incident_id: string;
  what: string;
  occurred_at: string;
  reported_by: string;
  reported_at: string;
  /** open, investigating, resolved or dismissed */
  status: CaseStatus;
  owner_id: string | null;
  updated_at: string | null;
}

/** One change to a suspicious-activity case: who, when, what changed (JSON) and why. */
export interface SuspiciousCaseEventTable {
  id: string;
  case_id: string;
  at: string;
  actor: string;
  changes: string;
  note: string | null;
}

/** Rule streaks and card-read windows of one terminal between heartbeats (JSON), as of heartbeat `seq`. */
export interface DiagnosticStateTable {
  terminal_id: string;
  seq: number;
  streaks: string;
  cards: string;
  updated_at: string;
}

/** A terminal's link found gone by the offline sweep (for the flapping rule). */
export interface LinkDropTable {
  terminal_id: string;
  dropped_at: string;
}

/** Rule thresholds of one terminal model (JSON: only what differs from the defaults). */
export interface DiagnosticThresholdsTable {
  model_id: string;
  settings: string;
  updated_at: string;
  updated_by: string;
}

export interface MerchantTradingThresholdsTable {
  merchant_id: string;
  /** JSON: the merchant's overrides of the diagnostic thresholds' `trading` group. */
  settings: string;
  updated_at: string;
  updated_by: string;
}

export interface GuideRunTable {
  id: string;
  guide_id: string;
  incident_id: string | null;
  terminal_id: string;
  model_id: string;
  locale: string;
  /** running, resolved or escalated */
  status: GuideRunStatus;
  current_step: string | null;
  /** The step whose answer ended the run. */
  ended_at_step: string | null;
  /** JSON array of likely parts, when escalated. */
  escalation_parts: string | null;
  started_by: string;
  started_at: string;
  ended_at: string | null;
  /** JSON { order: string[], reason: { 'zh-CN', en } }: the learned order this run was given and why (null: the guide's own order). */
  step_order: string | null;
}

export interface GuideAnswerTable {
  run_id: string;
  position: number;
  step_id: string;
  outcome: string;
  answered_by: string;
  answered_at: string;
}

export interface GuideLearningTable {
  guide_id: string;
  model_id: string;
  /** JSON string[]: the steps in the order runs offer them. */
  step_order: string;
  /** JSON: per step, runs it was tried in and runs it fixed. */
  figures: string;
  /** JSON string[]: steps that never helped on this model after enough runs. */
  flagged: string;
  runs: number;
  computed_at: string;
}
