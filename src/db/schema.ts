import type { Generated } from 'kysely';
import type { KeyType } from '../shared/terminal-security.ts';
import type { LockKind } from '../maintenance/maintenance.schemas.ts';
import type { SavedViewPage } from '../saved-views/saved-views.rules.ts';

// Row types of every table, as Kysely sees them. Both dialects store the same shapes:
// ids are text (UUIDs made by the server), times are ISO-8601 UTC text (so they sort as text),
// flags are 0/1 integers and structured values are JSON text.
export interface MerchantTable {
  id: string;
  name: string;
  contact_email: string | null;
  contact_phone: string | null;
  time_zone: string;
  locale: string;
  created_at: string;
  updated_at: string;
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

export interface SiteTable {
  id: string;
  merchant_id: string;
  code: string;
  name: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  time_zone: string | null;
  /** JSON: { mon: [{ open: "09:00", close: "21:00" }], ... } */
  opening_hours: string;
  /** JSON array of environment conditions, e.g. ["outdoor","dusty"]. */
  environment: string;
  created_at: string;
  updated_at: string;
}

export interface TerminalModelTable {
  id: string;
  code: string;
  vendor: string;
  model: string;
  /** JSON: the components this model has. */
  components: string;
  created_at: string;
  updated_at: string;
}

export interface TerminalTable {
  id: string;
  serial_number: string;
  model_id: string;
  site_id: string | null;
  status: string;
  app_version: string | null;
  firmware_version: string | null;
  /** JSON: the components this terminal has (defaults to its model's). */
  components: string;
  network_type: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface TerminalTagTable {
  terminal_id: string;
  tag: string;
}

/** The latest heartbeat of each terminal: read by lists and filters without touching the history. */
export interface TerminalHealthTable {
  terminal_id: string;
  seq: number;
  last_seen_at: string;
  reported_at: string;
  /** 1 while the terminal is considered online; the offline sweep flips it and records when. */
  online: number;
  offline_since: string | null;
  report: string;
}

export interface HeartbeatTable {
  terminal_id: string;
  seq: number;
  received_at: string;
  report: string;
}

export interface TerminalCredentialTable {
  id: string;
  terminal_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  /** The terminal's id of the enrolment that issued it (EnrolRequest.requestId), if it sent one. */
  enrolment_request_id: string | null;
}

export interface EnrolmentCodeTable {
  id: string;
  code_hash: string;
  terminal_id: string | null;
  site_id: string | null;
  model_id: string | null;
  uses_left: number;
  expires_at: string;
  created_at: string;
  created_by: string | null;
}

export interface TerminalCommandTable {
  id: string;
  terminal_id: string;
  type: string;
  payload: string;
  status: string;
  created_at: string;
  created_by: string | null;
  delivered_at: string | null;
  completed_at: string | null;
  result: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** "full" acts with the owner's role; "read" only reads. */
  scope: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface UserTable {
  id: string;
  email: string;
  name: string;
  role: string;
  /** Set for merchant users: the one merchant they see. */
  merchant_id: string | null;
  locale: string;
  password_hash: string | null;
  password_changed_at: string | null;
  /** JSON array of the previous password hashes (newest first), so they are not reused. */
  password_history: string;
  failed_logins: number;
  locked_until: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  source_ip: string | null;
  revoked_at: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  source_ip: string | null;
  request_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

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

export interface MaintenanceJobTable {
  id: string;
  terminal_id: string;
  site_id: string | null;
  /** JSON array of kinds of work: update, upgrade, repair, data_sync, security_hardening, key_injection. */
  work: string;
  reason: string;
  state: string;
  planned_start: string;
  expected_minutes: number;
  /** The lease: the terminal leaves maintenance by itself this long after starting, if not confirmed. */
  max_minutes: number;
  started_at: string | null;
  lease_until: string | null;
  ended_at: string | null;
  /** Why a due job has not started yet (continuity rule, outside a window). */
  waiting_reason: string | null;
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
  from_state: string | null;
  to_state: string;
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
}

/** A device inspection (PCI DSS 9.5.1.2); the photo file is DATA_DIR/inspections/<photo_file>. */
export interface InspectionTable {
  id: string;
  terminal_id: string;
  inspected_at: string;
  inspector_id: string | null;
  inspector_name: string | null;
  /** "pass" or "fail". */
  outcome: string;
  serial_matches: number;
  seal_intact: number;
  seal_number: string | null;
  /** JSON array of findings; [] when none were seen. */
  tamper_signs: string;
  notes: string | null;
  photo_file: string | null;
  photo_content_type: string | null;
  photo_size: number | null;
  photo_sha256: string | null;
}

export interface NotificationChannelTable {
  id: string;
  /** Null for a fleet-wide channel (operators): it hears the events of every merchant. */
  merchant_id: string | null;
  /** "email", "webhook", "wecom" or "dingtalk" (group robots). */
  kind: string;
  name: string;
  /** An e-mail address, a webhook URL or a robot's address (with its token). */
  address: string;
  /** Webhook or DingTalk signing secret (kept in clear: each request is signed with it). */
  secret: string | null;
  /** JSON array of event types the channel subscribes to; [] means every event. */
  events: string;
  /** Overrides the merchant's locale; null follows the merchant. */
  locale: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** Quiet hours, local "HH:MM" (start inclusive, end exclusive; may cross midnight); null: none. */
  quiet_start: string | null;
  quiet_end: string | null;
  /** IANA zone of the quiet hours; null follows the merchant's. */
  quiet_time_zone: string | null;
  /** Rate limit: at most rate_max notices per rate_period_minutes; null: no limit. */
  rate_max: number | null;
  rate_period_minutes: number | null;
  /** The current rate window: when it began and how many notices it has sent (shared by all nodes). */
  rate_window_start: string | null;
  rate_window_count: number;
}

export interface NotificationDeliveryTable {
  id: string;
  channel_id: string;
  event: string;
  merchant_id: string | null;
  site_id: string | null;
  /** Set by callers that may notify twice about one thing; unique per channel. */
  dedupe_key: string | null;
  locale: string;
  subject: string;
  /** What is sent, fixed when the event happens: the e-mail text, or the webhook's JSON body. */
  body: string;
  /** pending, delivered or parked (gave up; an operator may replay it). */
  status: string;
  attempts: number;
  /** Attempts made before the current round of retries (0, or the count when last replayed). */
  round_start: number;
  /** The attempt after which a failing delivery is parked. */
  park_after: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  parked_at: string | null;
  /** A held delivery (status "held") waits until then, to be folded into a digest. */
  held_until: string | null;
  /** quiet_hours or rate_limit. */
  held_reason: string | null;
  /** The digest delivery a held one was folded into (status "folded"). */
  digest_id: string | null;
}

export interface NotificationAttemptTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  /** delivered or failed. */
  outcome: string;
  /** HTTP status of a webhook's answer (null for e-mail, or when no answer came). */
  status_code: number | null;
  error: string | null;
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

/** A detected problem: one open per terminal (or site) and rule, from first to last bad reading. */
export interface IncidentTable {
  id: string;
  terminal_id: string | null;
  site_id: string | null;
  merchant_id: string | null;
  rule: string;
  /** low, medium, high or critical */
  severity: string;
  /** open, acknowledged or resolved */
  status: string;
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
  status: string;
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

export interface GuideRunTable {
  id: string;
  guide_id: string;
  incident_id: string | null;
  terminal_id: string;
  model_id: string;
  locale: string;
  /** running, resolved or escalated */
  status: string;
  current_step: string | null;
  /** The step whose answer ended the run. */
  ended_at_step: string | null;
  /** JSON array of likely parts, when escalated. */
  escalation_parts: string | null;
  started_by: string;
  started_at: string;
  ended_at: string | null;
}

export interface GuideAnswerTable {
  run_id: string;
  position: number;
  step_id: string;
  outcome: string;
  answered_by: string;
  answered_at: string;
}

/** Preventive maintenance (0008): a template of the calendar, its tasks and checklists as JSON. */
export interface PmTemplateTable {
  id: string;
  code: string;
  /** JSON { "zh-CN": string, en: string } */
  name: string;
  interval_days: number;
  /** JSON TaskTemplate[] */
  tasks: string;
  builtin: number;
  created_at: string;
  updated_at: string;
}

export interface PmPlanTable {
  id: string;
  name: string;
  /** JSON string[] */
  template_ids: string;
  /** JSON { merchantId?, siteId?, tag?, modelId? } */
  filter: string;
  schedule: string;
  start_at: string;
  /** JSON DueDateFactors overriding the defaults, or null. */
  factors: string | null;
  created_by: string;
  created_at: string;
}

/** One (plan, terminal, template): when it was last due and done, when it is due next and why. */
export interface PmTaskTable {
  id: string;
  plan_id: string;
  terminal_id: string;
  template_id: string;
  last_due_at: string | null;
  last_done_at: string | null;
  next_due_at: string;
  effective_days: number;
  /** JSON DueReason[] */
  why: string;
  work_order_id: string | null;
}

/** A remote run of a task: a maintenance job in the terminal's window, its results per checklist item. */
export interface PmTaskRunTable {
  id: string;
  task_id: string;
  maintenance_job_id: string;
  due_at: string;
  /** planned | completed | failed | aborted */
  state: string;
  /** JSON RemoteItemResult[] once ended */
  results: string | null;
  /** JSON: the terminal's report (self-tests, transitions) once ended */
  report: string | null;
  planned_at: string;
  ended_at: string | null;
}

export interface TechnicianTable {
  /** The technician's user id. */
  id: string;
  name: string;
  skills: string;
  regions: string;
  created_at: string;
}

export interface WorkOrderTable {
  id: string;
  source: string;
  title: string;
  status: string;
  site_id: string;
  technician_id: string | null;
  required_skill: string | null;
  due_at: string | null;
  sla_due_at: string | null;
  plan_id: string | null;
  parent_id: string | null;
  inspection_id: string | null;
  minutes_spent: number;
  signature_name: string | null;
  signature_at: string | null;
  signature_image: string | null;
  note: string | null;
  /** When a working terminal was back at the site (repair done on site, or a backup swapped in). */
  restored_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface WorkOrderTerminalTable {
  work_order_id: string;
  terminal_id: string;
}

export interface WorkOrderItemTable {
  id: string;
  work_order_id: string;
  seq: number;
  terminal_id: string | null;
  pm_task_id: string | null;
  task_code: string;
  item_code: string;
  /** JSON { "zh-CN": string, en: string } */
  text: string;
  required: number;
  result: string | null;
  note: string | null;
  answered_by: string | null;
  answered_at: string | null;
}

export interface WorkOrderHistoryTable {
  id: string;
  work_order_id: string;
  seq: number;
  from_status: string | null;
  to_status: string;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}

/** A photo taken at a checklist item; the file is DATA_DIR/work-orders/<file>. */
export interface WorkOrderPhotoTable {
  id: string;
  work_order_id: string;
  item_id: string;
  file: string;
  content_type: string;
  size: number;
  sha256: string;
  taken_by: string;
  taken_at: string;
}

export interface SparePartTable {
  id: string;
  depot: string;
  sku: string;
  name: string;
  quantity: number;
  minimum: number;
  created_at: string;
  updated_at: string;
  /** (0013) When the level fell below its minimum; null while it is not: operators are told once per shortage. */
  low_since: string | null;
}

export interface SparePartMoveTable {
  id: string;
  part_id: string;
  work_order_id: string | null;
  delta: number;
  by_name: string;
  at: string;
  /** (0013) receipt, consumption, transfer_out, transfer_in or adjustment. */
  kind: string | null;
  /** Why, in the person's words (a count's finding, a delivery note). */
  reason: string | null;
  by_id: string | null;
  /** The level after this move (null for moves recorded before 0013). */
  balance: number | null;
  /** Pairs the two moves of one transfer. */
  transfer_id: string | null;
  /** The move's place among its part's moves (0 for moves recorded before 0013). */
  seq: number | null;
}

/** Spares and backup terminals (0013): where spare parts and backup terminals are kept. */
export interface DepotTable {
  id: string;
  code: string;
  name: string;
  region: string | null;
  created_at: string;
  updated_at: string;
}

/** Backup terminals kept at a depot or at a site (exactly one of the two). */
export interface BackupPoolTable {
  id: string;
  code: string;
  name: string;
  depot_id: string | null;
  site_id: string | null;
  created_at: string;
}

export interface BackupTerminalTable {
  terminal_id: string;
  pool_id: string;
  added_by: string;
  added_at: string;
}

export interface TerminalSwapTable {
  id: string;
  work_order_id: string;
  site_id: string;
  faulty_terminal_id: string;
  spare_terminal_id: string;
  pool_id: string;
  /** JSON: what the spare took over from the faulty terminal. */
  moved: string;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}

/** A terminal's trip from the site to repair: at_site → in_transit → in_repair → back_in_pool | scrapped. */
export interface CustodyTable {
  id: string;
  terminal_id: string;
  /** The terminal while open (unique: one open custody per terminal), null once closed. */
  open_terminal_id: string | null;
  swap_id: string | null;
  work_order_id: string;
  state: string;
  /** The pool it went back to. */
  pool_id: string | null;
  opened_at: string;
  closed_at: string | null;
}

export interface CustodyStepTable {
  id: string;
  custody_id: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}

export interface PublisherKeyTable {
  id: string;
  name: string;
  public_key: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

export interface PackageTable {
  id: string;
  kind: string;
  name: string;
  version: string;
  /** JSON array of terminal model ids. */
  compatible_models: string;
  min_installed_version: string | null;
  security_patch: number;
  /** JSON { "zh-CN": ..., "en": ... } */
  release_notes: string;
  file_name: string;
  size: number;
  sha256: string;
  signature: string;
  key_id: string;
  sha1: string | null;
  md5: string | null;
  /** Set once the content arrived and matched: only then can the package be assigned. */
  uploaded_at: string | null;
  created_by: string;
  created_at: string;
}

export interface CampaignTable {
  id: string;
  name: string;
  package_id: string;
  rollback_of: string | null;
  /** JSON CampaignFilter */
  filter: string;
  /** JSON CampaignSettings (waves, thresholds) */
  settings: string;
  state: string;
  current_wave: number;
  /** JSON: why it halted, with the figures. */
  halt: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

export interface CampaignWaveTable {
  campaign_id: string;
  wave: number;
  percent: number;
  state: string;
  started_at: string | null;
  installed_at: string | null;
  ended_at: string | null;
  verdict: string | null;
}

export interface RolloutActionTable {
  id: Generated<number>;
  campaign_id: string;
  terminal_id: string;
  wave: number;
  package_id: string;
  previous_version: string | null;
  state: string;
  maintenance_job_id: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface ActionFeedbackTable {
  id: Generated<number>;
  action_id: number;
  report_id: string | null;
  source: string;
  status: string;
  body: string;
  effect: string;
  received_at: string;
}

export interface VersionChangeTable {
  id: string;
  terminal_id: string;
  kind: string;
  from_version: string | null;
  to_version: string;
  at: string;
}

export interface DdiConfigDataTable {
  terminal_id: string;
  attributes: string;
  updated_at: string;
}

export interface Database {
  merchants: MerchantTable;
  sites: SiteTable;
  site_trading_history: SiteTradingHistoryTable;
  terminal_models: TerminalModelTable;
  terminals: TerminalTable;
  terminal_tags: TerminalTagTable;
  terminal_health: TerminalHealthTable;
  heartbeats: HeartbeatTable;
  terminal_credentials: TerminalCredentialTable;
  enrolment_codes: EnrolmentCodeTable;
  terminal_commands: TerminalCommandTable;
  api_tokens: ApiTokenTable;
  jobs: JobTable;
  job_runs: JobRunTable;
  users: UserTable;
  sessions: SessionTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  maintenance_jobs: MaintenanceJobTable;
  maintenance_transitions: MaintenanceTransitionTable;
  terminal_locks: TerminalLockTable;
  inspections: InspectionTable;
  notification_channels: NotificationChannelTable;
  notification_deliveries: NotificationDeliveryTable;
  notification_attempts: NotificationAttemptTable;
  maintenance_windows: MaintenanceWindowTable;
  maintenance_job_windows: MaintenanceJobWindowTable;
  incidents: IncidentTable;
  incident_self_tests: IncidentSelfTestTable;
  suspicious_reports: SuspiciousReportTable;
  diagnostic_thresholds: DiagnosticThresholdsTable;
  suspicious_case_events: SuspiciousCaseEventTable;
  diagnostic_state: DiagnosticStateTable;
  link_drops: LinkDropTable;
  guide_runs: GuideRunTable;
  guide_answers: GuideAnswerTable;
  pm_templates: PmTemplateTable;
  pm_plans: PmPlanTable;
  pm_tasks: PmTaskTable;
  pm_task_runs: PmTaskRunTable;
  technicians: TechnicianTable;
  work_orders: WorkOrderTable;
  work_order_terminals: WorkOrderTerminalTable;
  work_order_items: WorkOrderItemTable;
  work_order_history: WorkOrderHistoryTable;
  work_order_photos: WorkOrderPhotoTable;
  spare_parts: SparePartTable;
  spare_part_moves: SparePartMoveTable;
  depots: DepotTable;
  backup_pools: BackupPoolTable;
  backup_terminals: BackupTerminalTable;
  terminal_swaps: TerminalSwapTable;
  custody: CustodyTable;
  custody_steps: CustodyStepTable;
  publisher_keys: PublisherKeyTable;
  packages: PackageTable;
  campaigns: CampaignTable;
  campaign_waves: CampaignWaveTable;
  rollout_actions: RolloutActionTable;
  action_feedback: ActionFeedbackTable;
  version_changes: VersionChangeTable;
  ddi_config_data: DdiConfigDataTable;
  terminal_backups: TerminalBackupTable;
  terminal_restores: TerminalRestoreTable;
  baselines: BaselineTable;
  care_confirmations: CareConfirmationTable;
  maintenance_moves: MaintenanceMoveTable;
}

// ---- terminal data: backups, restores, baselines
export type BackupKind = 'weekly' | 'pre_maintenance' | 'manual';
/** uploading → stored | refused (hash did not verify); stored → pruned (retention) | corrupt (no longer verifies at rest). */
export type BackupState = 'uploading' | 'stored' | 'refused' | 'pruned' | 'corrupt';
export type RestoreReason = 'swap' | 'factory_reset' | 'manual';
export type RestoreState = 'pending' | 'confirmed' | 'failed' | 'cancelled';

export interface TerminalBackupTable {
  id: string;
  terminal_id: string;
  upload_id: string;
  kind: BackupKind;
  state: BackupState;
  sha256: string;
  size_bytes: number;
  chunk_size: number;
  chunk_count: number;
  /** The escrow key the data key was wrapped with, and the wrapped key (base64); never the key itself. */
  key_id: string;
  wrapped_key: string;
  iv: string;
  maintenance_job_id: string | null;
  /** On the terminal's clock; the others on the server's. */
  taken_at: string;
  created_at: string;
  stored_at: string | null;
  refused_reason: string | null;
  pruned_at: string | null;
}

export interface TerminalRestoreTable {
  id: string;
  terminal_id: string;
  backup_id: string;
  source_terminal_id: string;
  reason: RestoreReason;
  swap_id: string | null;
  work_order_id: string | null;
  state: RestoreState;
  requested_by: string;
  requested_at: string;
  ended_at: string | null;
  detail: string | null;
}

export interface BaselineTable {
  id: string;
  name: string;
  merchant_id: string | null;
  site_id: string | null;
  model_id: string | null;
  tag: string | null;
  app_version: string | null;
  firmware_version: string | null;
  configuration_version: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

// ---- history (heartbeat retention): the UTC day a heartbeat was received, its partition on PostgreSQL
// ('' on SQLite for rows older than migration 0021).
export interface HeartbeatTable {
  received_day: string;
}

// ---- Terminal configuration (parameters with inheritance)
export type ConfigLevel = 'fleet' | 'merchant' | 'site' | 'group' | 'terminal';

export interface ConfigSchemaTable {
  id: string;
  application: string;
  version: string;
  /** JSON { [parameter]: ParameterSpec } */
  parameters: string;
  package_id: string | null;
  created_by: string;
  created_at: string;
}

export interface ConfigGroupTable {
  id: string;
  name: string;
  /** JSON { merchantId?, siteId?, modelId?, tag? } */
  filter: string;
  created_by: string;
  created_at: string;
}

export interface ConfigValueTable {
  level: ConfigLevel;
  /** '' for the fleet */
  scope_id: string;
  parameter: string;
  /** JSON */
  value: string;
  updated_at: string;
}

export interface ConfigVersionTable {
  id: string;
  level: ConfigLevel;
  scope_id: string;
  version: number;
  /** JSON: the level's values after this change */
  values: string;
  /** JSON [{ parameter, old, new }] */
  changes: string;
  reason: string;
  reverts_to: number | null;
  created_by: string;
  created_at: string;
}

export interface Database {
  config_schemas: ConfigSchemaTable;
  config_groups: ConfigGroupTable;
  config_values: ConfigValueTable;
  config_versions: ConfigVersionTable;
}

// ---- approvals (four eyes)

export type ApprovalKind = 'campaign' | 'role_change' | 'tamper_unlock' | 'continuity_override' | 'acquirer_parameters';
export type ApprovalState = 'awaiting_approval' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ApprovalRequestTable {
  id: string;
  kind: ApprovalKind;
  state: ApprovalState;
  /** What is asked, for the people deciding (e.g. the campaign's name and terminal count). */
  summary: string;
  /** The object the operation changes (a user, a terminal, a level), when it has one. */
  object_id: string | null;
  /** JSON: the operation's input, run as it is on approval. */
  payload: string;
  reason: string;
  requested_by: string;
  requested_by_name: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  /** The approver's note or the rejection's reason. */
  decision_note: string | null;
  /** JSON: what the operation answered when it ran (or why it failed). */
  result: string | null;
}

export interface Database {
  approval_requests: ApprovalRequestTable;
}

// ---- Configuration campaigns (0030): out-of-service changes held pending, delivered by a campaign
/** pending (held, not live) → delivering (its campaign runs) → applied (a version of its level) | rolled_back | discarded. */
export type ConfigChangeState = 'pending' | 'delivering' | 'applied' | 'rolled_back' | 'discarded';

export interface ConfigChangeTable {
  id: string;
  level: ConfigLevel;
  scope_id: string;
  /** JSON: { [parameter]: value | null } set at the level */
  delta: string;
  /** JSON [{ parameter, old, new }] when it was made */
  changes: string;
  reason: string;
  state: ConfigChangeState;
  campaign_id: string | null;
  version: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ConfigChangeHolderTable {
  change_id: string;
  terminal_id: string;
  since: string;
}

export interface Database {
  config_changes: ConfigChangeTable;
  config_change_holders: ConfigChangeHolderTable;
}

// ---- Security in depth: suspicious trading and complete PCI DSS evidence (0025)
export interface TerminalModelTable {
  /** The model's PCI PTS POI approval number, and when that approval expires (YYYY-MM-DD); null: not recorded. */
  pts_approval_number: string | null;
  pts_expires_at: string | null;
}

export type TrainingTopic = 'tamper' | 'substitution';

/** PCI DSS 9.5.1.3: a person at a site trained to detect tampering and substitution of terminals. */
export interface TrainingRecordTable {
  id: string;
  site_id: string;
  person_name: string;
  /** YYYY-MM-DD */
  trained_on: string;
  /** JSON array of TrainingTopic */
  topics: string;
  trainer: string | null;
  notes: string | null;
  recorded_by: string;
  recorded_at: string;
}

export interface Database {
  training_records: TrainingRecordTable;
}

// ---- Merchant care: daily care by the shop's staff, and planned maintenance moved by the merchant
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

// ---- Remote assistance (0028): logs and screenshots from terminals, screen messages, guides that learn
export type ArtifactKind = 'logs' | 'screenshot';
export type ArtifactState = 'uploading' | 'stored' | 'refused' | 'pruned' | 'corrupt';
export type ScreenMessageState = 'sent' | 'shown' | 'acknowledged';

export interface TerminalArtifactTable {
  id: string;
  terminal_id: string;
  /** The terminal's own id for the upload: asking again with it resumes, never starts a second one. */
  upload_id: string;
  /** The collect_logs / screenshot command it answers (null: the terminal sent it by itself). */
  command_id: string | null;
  /** The incident it was asked for, from the command. */
  incident_id: string | null;
  kind: ArtifactKind;
  state: ArtifactState;
  /** What the file is once decoded: text/plain for logs, image/png for a screenshot. */
  content_type: string;
  /** How the stored bytes are encoded: gzip (logs) or identity (a PNG is compressed already). */
  encoding: 'gzip' | 'identity';
  sha256: string;
  size_bytes: number;
  /** Bytes before compression. */
  original_bytes: number;
  /** 1 when the terminal cut the oldest part to stay under the size cap. */
  truncated: number;
  chunk_size: number;
  chunk_count: number;
  requested_by: string | null;
  taken_at: string;
  created_at: string;
  stored_at: string | null;
  refused_reason: string | null;
  pruned_at: string | null;
}

export interface ScreenMessageTable {
  id: string;
  terminal_id: string;
  command_id: string;
  text: string;
  state: ScreenMessageState;
  sent_by: string;
  sent_at: string;
  shown_at: string | null;
  acknowledged_at: string | null;
  /** The staff member who acknowledged it on the terminal, as the terminal names them. */
  acknowledged_by: string | null;
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

export interface GuideRunTable {
  /** JSON { order: string[], reason: { 'zh-CN', en } }: the learned order this run was given and why (null: the guide's own order). */
  step_order: string | null;
}

export interface Database {
  terminal_artifacts: TerminalArtifactTable;
  screen_messages: ScreenMessageTable;
  guide_learning: GuideLearningTable;
}

// ---- security (0024): location, hardware fingerprint, key slots

export interface TerminalCredentialTable {
  /** "serial|pinPadSerial|secureProcessorId" the terminal reported; null until it reports one. */
  hardware_fingerprint: string | null;
}

export interface TerminalLocationTable {
  terminal_id: string;
  seen_at: string;
  latitude: number | null;
  longitude: number | null;
  accuracy_m: number | null;
  cell_id: string | null;
  bssid: string | null;
  source_address: string | null;
  /** Metres from the site's geofence centre, when both are known. */
  distance_m: number | null;
  suspect_since: string | null;
  /** JSON: why the terminal is suspect (outside_fence, new_network) with detail. */
  suspect_reasons: string | null;
  /** The suspicious-activity case of the current episode, once opened. */
  case_id: string | null;
  updated_at: string;
}

export type NetworkKind = 'bssid' | 'cell' | 'subnet';

export interface TerminalNetworkTable {
  terminal_id: string;
  kind: NetworkKind;
  value: string;
  first_seen_at: string;
}

export interface SiteGeofenceTable {
  site_id: string;
  latitude: number;
  longitude: number;
  radius_m: number;
  updated_at: string;
  updated_by: string;
}

export interface TerminalKeySlotTable {
  terminal_id: string;
  slot: number;
  key_type: KeyType;
  bdk_id: string | null;
  kcv: string | null;
  ksn_prefix: string | null;
  loaded_at: string | null;
  expires_at: string | null;
  reported_at: string;
}

export interface AcquirerKeyPolicyTable {
  acquirer: string;
  key_type: KeyType;
  bdk_id: string | null;
  kcv: string | null;
  updated_at: string;
  updated_by: string;
}

export type KeyInjectionOutcome = 'succeeded' | 'failed';

export interface KeyInjectionTable {
  id: string;
  terminal_id: string;
  job_id: string;
  outcome: KeyInjectionOutcome;
  /** JSON: the slots the terminal reported after the job. */
  slots: string;
  /** JSON: the key policy's problems left after the job. */
  problems: string;
  recorded_at: string;
}

export interface SecuritySettingsTable {
  id: string;
  /** JSON SecuritySettings */
  value: string;
  updated_at: string;
  updated_by: string;
}

export interface Database {
  terminal_locations: TerminalLocationTable;
  terminal_networks: TerminalNetworkTable;
  site_geofences: SiteGeofenceTable;
  terminal_key_slots: TerminalKeySlotTable;
  acquirer_key_policies: AcquirerKeyPolicyTable;
  key_injections: KeyInjectionTable;
  security_settings: SecuritySettingsTable;
}

// ---- security in depth (0034): suspicious trading per merchant (diagnostics), lock kinds (maintenance)

export interface TerminalLockTable {
  kind: LockKind;
}

export interface NotificationChannelTable {
  /** Set for a person's own e-mail channel (made when they are first told of a request to approve); such channels are not listed. */
  user_id: string | null;
}

export interface MerchantTradingThresholdsTable {
  merchant_id: string;
  /** JSON: the merchant's overrides of the diagnostic thresholds' `trading` group. */
  settings: string;
  updated_at: string;
  updated_by: string;
}

export interface Database {
  merchant_trading_thresholds: MerchantTradingThresholdsTable;
}

// ---- Forecasts the shop acts on (0032)
export interface TerminalModelTable {
  /** Receipts one paper roll of this model prints (the paper forecast's roll length). */
  receipts_per_roll: number;
}

/** What the daily forecast job remembers of a terminal between passes. */
export interface ShopForecastTable {
  terminal_id: string;
  /** JSON ForecastState (src/merchant/shop-forecasts.ts) */
  state: string;
  updated_at: string;
}

export interface Database {
  shop_forecasts: ShopForecastTable;
}

// ---- Terminal configuration: parameter schemas carried by signed packages (0033)
export interface PackageTable {
  /** JSON { [parameter]: ParameterSpec } the package's manifest declares (signed with it); null: none. */
  parameters: string | null;
}

// ---- Saved views: a user's named filters of a list page (0037)
/** One saved filter of one user's list page. */
export interface SavedViewTable {
  id: string;
  user_id: string;
  page: SavedViewPage;
  name: string;
  /** The filters as an address query, e.g. `fault=printer_jam&online=true` (only the page's filter keys). */
  query: string;
  created_at: string;
}

export interface Database {
  saved_views: SavedViewTable;
}
