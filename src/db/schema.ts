// The database as Kysely sees it: `Database` maps each table to its row type. The row types live beside
// the capability that owns them (src/<capability>/<capability>.tables.ts); they are re-exported here so
// `import type { XTable } from '../db/schema.ts'` keeps working. Both dialects store the same shapes:
// ids are text (UUIDs made by the server), times are ISO-8601 UTC text (so they sort as text),
// flags are 0/1 integers and structured values are JSON text.

import type { MerchantTable, SiteTable, TerminalModelTable, TerminalTable, TerminalTagTable } from '../estate/estate.tables.ts';
import type { TerminalHealthTable, HeartbeatTable, TerminalCredentialTable, EnrolmentCodeTable, TerminalCommandTable } from '../device/device.tables.ts';
import type { UserTable, SessionTable, ApiTokenTable } from '../access/access.tables.ts';
import type { AuditLogTable, AuditHeadTable } from '../audit/audit.tables.ts';
import type { JobTable, JobRunTable } from '../jobs/jobs.tables.ts';
import type { MaintenanceJobTable, MaintenanceTransitionTable, TerminalLockTable, MaintenanceWindowTable, MaintenanceJobWindowTable, SiteTradingHistoryTable } from '../maintenance/maintenance.tables.ts';
import type { InspectionTable, TrainingTopic, TrainingRecordTable } from '../compliance/compliance.tables.ts';
import type { NotificationChannelTable, NotificationDeliveryTable, NotificationAttemptTable } from '../notifications/notifications.tables.ts';
import type { IncidentTable, IncidentSelfTestTable, SuspiciousReportTable, SuspiciousCaseEventTable, DiagnosticStateTable, LinkDropTable, DiagnosticThresholdsTable, MerchantTradingThresholdsTable, GuideRunTable, GuideAnswerTable, GuideLearningTable } from '../diagnostics/diagnostics.tables.ts';
import type { PmTemplateTable, PmPlanTable, PmTaskTable, PmTaskRunTable } from '../preventive/preventive.tables.ts';
import type { TechnicianTable, WorkOrderTable, WorkOrderTerminalTable, WorkOrderItemTable, WorkOrderHistoryTable, WorkOrderPhotoTable } from '../work-orders/work-orders.tables.ts';
import type { SparePartTable, SparePartMoveTable, DepotTable, BackupPoolTable, BackupTerminalTable, TerminalSwapTable, CustodyTable, CustodyStepTable } from '../spares/spares.tables.ts';
import type { PublisherKeyTable, PackageTable, CampaignTable, CampaignWaveTable, RolloutActionTable, ActionFeedbackTable, VersionChangeTable } from '../rollouts/rollouts.tables.ts';
import type { DdiConfigDataTable } from '../ddi/ddi.tables.ts';
import type { BackupKind, BackupState, RestoreReason, RestoreState, TerminalBackupTable, TerminalRestoreTable, BaselineTable } from '../terminal-data/terminal-data.tables.ts';
import type { ConfigLevel, ConfigSchemaTable, ConfigGroupTable, ConfigValueTable, ConfigVersionTable, ConfigChangeState, ConfigChangeTable, ConfigChangeHolderTable, PlacementChangeTable } from '../configuration/configuration.tables.ts';
import type { ApprovalKind, ApprovalState, ApprovalRequestTable } from '../approvals/approvals.tables.ts';
import type { CareOutcome, CareSource, CareConfirmationTable, MaintenanceMoveTable, ShopForecastTable } from '../merchant/merchant.tables.ts';
import type { ArtifactKind, ArtifactState, ScreenMessageState, TerminalArtifactTable, ScreenMessageTable } from '../assistance/assistance.tables.ts';
import type { SavedViewTable } from '../saved-views/saved-views.tables.ts';
import type { TerminalLocationTable, NetworkKind, TerminalNetworkTable, SiteGeofenceTable, TerminalKeySlotTable, AcquirerKeyPolicyTable, KeyInjectionOutcome, KeyInjectionTable, SecuritySettingsTable } from '../security/security.tables.ts';

export type { MerchantTable, SiteTable, TerminalModelTable, TerminalTable, TerminalTagTable };
export type { TerminalHealthTable, HeartbeatTable, TerminalCredentialTable, EnrolmentCodeTable, TerminalCommandTable };
export type { UserTable, SessionTable, ApiTokenTable };
export type { AuditLogTable, AuditHeadTable };
export type { JobTable, JobRunTable };
export type { MaintenanceJobTable, MaintenanceTransitionTable, TerminalLockTable, MaintenanceWindowTable, MaintenanceJobWindowTable, SiteTradingHistoryTable };
export type { InspectionTable, TrainingTopic, TrainingRecordTable };
export type { NotificationChannelTable, NotificationDeliveryTable, NotificationAttemptTable };
export type { IncidentTable, IncidentSelfTestTable, SuspiciousReportTable, SuspiciousCaseEventTable, DiagnosticStateTable, LinkDropTable, DiagnosticThresholdsTable, MerchantTradingThresholdsTable, GuideRunTable, GuideAnswerTable, GuideLearningTable };
export type { PmTemplateTable, PmPlanTable, PmTaskTable, PmTaskRunTable };
export type { TechnicianTable, WorkOrderTable, WorkOrderTerminalTable, WorkOrderItemTable, WorkOrderHistoryTable, WorkOrderPhotoTable };
export type { SparePartTable, SparePartMoveTable, DepotTable, BackupPoolTable, BackupTerminalTable, TerminalSwapTable, CustodyTable, CustodyStepTable };
export type { PublisherKeyTable, PackageTable, CampaignTable, CampaignWaveTable, RolloutActionTable, ActionFeedbackTable, VersionChangeTable };
export type { DdiConfigDataTable };
export type { BackupKind, BackupState, RestoreReason, RestoreState, TerminalBackupTable, TerminalRestoreTable, BaselineTable };
export type { ConfigLevel, ConfigSchemaTable, ConfigGroupTable, ConfigValueTable, ConfigVersionTable, ConfigChangeState, ConfigChangeTable, ConfigChangeHolderTable, PlacementChangeTable };
export type { ApprovalKind, ApprovalState, ApprovalRequestTable };
export type { CareOutcome, CareSource, CareConfirmationTable, MaintenanceMoveTable, ShopForecastTable };
export type { ArtifactKind, ArtifactState, ScreenMessageState, TerminalArtifactTable, ScreenMessageTable };
export type { TerminalLocationTable, NetworkKind, TerminalNetworkTable, SiteGeofenceTable, TerminalKeySlotTable, AcquirerKeyPolicyTable, KeyInjectionOutcome, KeyInjectionTable, SecuritySettingsTable };
export type { SavedViewTable };

export interface Database {
  // estate
  merchants: MerchantTable;
  sites: SiteTable;
  terminal_models: TerminalModelTable;
  terminals: TerminalTable;
  terminal_tags: TerminalTagTable;
  // device
  terminal_health: TerminalHealthTable;
  heartbeats: HeartbeatTable;
  terminal_credentials: TerminalCredentialTable;
  enrolment_codes: EnrolmentCodeTable;
  terminal_commands: TerminalCommandTable;
  // access
  users: UserTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  // audit
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  // jobs
  jobs: JobTable;
  job_runs: JobRunTable;
  // maintenance
  maintenance_jobs: MaintenanceJobTable;
  maintenance_transitions: MaintenanceTransitionTable;
  terminal_locks: TerminalLockTable;
  maintenance_windows: MaintenanceWindowTable;
  maintenance_job_windows: MaintenanceJobWindowTable;
  site_trading_history: SiteTradingHistoryTable;
  // compliance
  inspections: InspectionTable;
  training_records: TrainingRecordTable;
  // notifications
  notification_channels: NotificationChannelTable;
  notification_deliveries: NotificationDeliveryTable;
  notification_attempts: NotificationAttemptTable;
  // diagnostics
  incidents: IncidentTable;
  incident_self_tests: IncidentSelfTestTable;
  suspicious_reports: SuspiciousReportTable;
  suspicious_case_events: SuspiciousCaseEventTable;
  diagnostic_state: DiagnosticStateTable;
  link_drops: LinkDropTable;
  diagnostic_thresholds: DiagnosticThresholdsTable;
  merchant_trading_thresholds: MerchantTradingThresholdsTable;
  guide_runs: GuideRunTable;
  guide_answers: GuideAnswerTable;
  guide_learning: GuideLearningTable;
  // preventive
  pm_templates: PmTemplateTable;
  pm_plans: PmPlanTable;
  pm_tasks: PmTaskTable;
  pm_task_runs: PmTaskRunTable;
  // work-orders
  technicians: TechnicianTable;
  work_orders: WorkOrderTable;
  work_order_terminals: WorkOrderTerminalTable;
  work_order_items: WorkOrderItemTable;
  work_order_history: WorkOrderHistoryTable;
  work_order_photos: WorkOrderPhotoTable;
  // spares
  spare_parts: SparePartTable;
  spare_part_moves: SparePartMoveTable;
  depots: DepotTable;
  backup_pools: BackupPoolTable;
  backup_terminals: BackupTerminalTable;
  terminal_swaps: TerminalSwapTable;
  custody: CustodyTable;
  custody_steps: CustodyStepTable;
  // rollouts
  publisher_keys: PublisherKeyTable;
  packages: PackageTable;
  campaigns: CampaignTable;
  campaign_waves: CampaignWaveTable;
  rollout_actions: RolloutActionTable;
  action_feedback: ActionFeedbackTable;
  version_changes: VersionChangeTable;
  // ddi
  ddi_config_data: DdiConfigDataTable;
  // terminal-data
  terminal_backups: TerminalBackupTable;
  terminal_restores: TerminalRestoreTable;
  baselines: BaselineTable;
  // configuration
  config_schemas: ConfigSchemaTable;
  config_groups: ConfigGroupTable;
  config_values: ConfigValueTable;
  config_versions: ConfigVersionTable;
  config_changes: ConfigChangeTable;
  config_change_holders: ConfigChangeHolderTable;
  placement_changes: PlacementChangeTable;
  // approvals
  approval_requests: ApprovalRequestTable;
  // merchant
  care_confirmations: CareConfirmationTable;
  maintenance_moves: MaintenanceMoveTable;
  shop_forecasts: ShopForecastTable;
  // assistance
  terminal_artifacts: TerminalArtifactTable;
  screen_messages: ScreenMessageTable;
  // security
  terminal_locations: TerminalLocationTable;
  terminal_networks: TerminalNetworkTable;
  site_geofences: SiteGeofenceTable;
  terminal_key_slots: TerminalKeySlotTable;
  acquirer_key_policies: AcquirerKeyPolicyTable;
  key_injections: KeyInjectionTable;
  security_settings: SecuritySettingsTable;
  // saved views
  saved_views: SavedViewTable;
}

// ==== New tables ==========================================================================================
// Add a new capability's tables below, in a block headed by a comment with the capability's name:
//   // ---- <capability> (00NN)
//   export interface FooTable { ... }
//   export interface Database { foos: FooTable; }   (interfaces merge: no need to edit the one above)
// Better still, put FooTable in src/<capability>/<capability>.tables.ts and only import, re-export and map it here.
// A new column on an existing table goes into that table's interface in its *.tables.ts: a name re-exported
// above cannot be declared again here (TypeScript: "Import declaration conflicts with local declaration").

// ---- kpis (0040, 0043)
import type { KpiRollupDayTable, KpiTerminalDayTable, KpiIncidentResolutionTable, KpiDoneOrderTable } from '../kpis/kpis.tables.ts';
export type { KpiRollupDayTable, KpiTerminalDayTable, KpiIncidentResolutionTable, KpiDoneOrderTable };
export interface Database {
  kpi_rollup_days: KpiRollupDayTable;
  kpi_terminal_days: KpiTerminalDayTable;
  kpi_incident_resolutions: KpiIncidentResolutionTable;
  kpi_work_order_days: KpiRollupDayTable;
  kpi_done_orders: KpiDoneOrderTable;
}
