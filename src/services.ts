// The composition root: opens the database and wires each capability's service with what it needs.
import { AccessRepository } from './access/access.repository.ts';
import { AccessService } from './access/access.service.ts';
import { AuthenticationService } from './access/authentication.service.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { AuditService } from './audit/audit.service.ts';
import { ComplianceService } from './compliance/compliance.service.ts';
import { ComplianceRepository } from './compliance/compliance.repository.ts';
import { offlineAfterSeconds, type Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { migrateToLatest, pendingMigrations } from './db/migrate.ts';
import { DeviceService } from './device/device.service.ts';
import { EstateService } from './estate/estate.service.ts';
import { EstateRepository } from './estate/estate.repository.ts';
import { TerminalWrites } from './estate/terminal-writes.repository.ts';
import { HeartbeatHistory } from './history/history.service.ts';
import { HistoryRepository } from './history/history.repository.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { ChannelsService } from './notifications/channels.service.ts';
import { NotificationRepository } from './notifications/notifications.repository.ts';
import { DeliveryService } from './notifications/delivery.service.ts';
import { DigestService } from './notifications/digests.service.ts';
import { DELIVER_NOTIFICATION, RELEASE_DIGEST, SWEEP_DIGESTS } from './notifications/notification-jobs.ts';
import { NotificationService } from './notifications/notifications.service.ts';
import { robotPoster, SmtpMailer, webhookPoster } from './notifications/senders.ts';
import { MaintenanceService } from './maintenance/maintenance.service.ts';
import { maintenanceNotices } from './maintenance/maintenance-notices.ts';
import { MaintenanceRepository } from './maintenance/maintenance.repository.ts';
import type { MaintenanceEvents } from './maintenance/job-lifecycle.service.ts';
import { JobLifecycle } from './maintenance/job-lifecycle.service.ts';
import { TerminalModes } from './maintenance/terminal-modes.service.ts';
import { FiguresService } from './maintenance/figures.service.ts';
import { WindowStartGate } from './maintenance/start-gate.service.ts';
import { SuggestedWindowService } from './maintenance/suggested-window.service.ts';
import { WindowPlanner } from './maintenance/window-planner.service.ts';
import { WindowsRepository } from './maintenance/windows.repository.ts';
import { WindowsService } from './maintenance/windows.service.ts';
import { heartbeatKey, type DesiredMode } from './device/heartbeat-batch.ts';
import { DeviceRepository } from './device/device.repository.ts';
import { EnrolmentRepository } from './device/enrolment.repository.ts';
import type { HeartbeatGuard, ModeSource } from './device/device.service.ts';
import { HeartbeatThread } from './device/heartbeat-thread.ts';
import { PlanTasks } from './preventive/plan-tasks.ts';
import { PreventiveRepository } from './preventive/preventive.repository.ts';
import { PreventiveService } from './preventive/preventive.service.ts';
import { TechniciansService } from './work-orders/technicians.service.ts';
import { WorkOrderPhotos } from './work-orders/work-order-photos.service.ts';
import { WorkOrdersRepository } from './work-orders/work-orders.repository.ts';
import { WorkOrdersService } from './work-orders/work-orders.service.ts';
import { PlanListsService } from './preventive/plan-lists.service.ts';
import { PlanListsRepository } from './preventive/plan-lists.repository.ts';
import { RemoteTasksService } from './preventive/remote-tasks.service.ts';
import { RemoteTasksRepository } from './preventive/remote-tasks.repository.ts';
import { BackupTerminalsService } from './spares/backup-terminals.service.ts';
import { SparesRepository } from './spares/spares.repository.ts';
import { SparesService } from './spares/spares.service.ts';
import { StockMoves } from './spares/stock-moves.ts';
import { DiagnosticsRepository } from './diagnostics/diagnostics.repository.ts';
import { GuideRunsRepository } from './diagnostics/guide-runs.repository.ts';
import { RuleStateRepository } from './diagnostics/rule-state.repository.ts';
import { HealthScoreService } from './diagnostics/health-score.service.ts';
import { HeartbeatObserver, type DiagnosticsEvents } from './diagnostics/heartbeat-observer.service.ts';
import { IncidentService } from './diagnostics/incidents.service.ts';
import { OfflineSweep } from './diagnostics/offline-sweep.service.ts';
import { PostureService } from './diagnostics/posture.service.ts';
import { RuleContext } from './diagnostics/rule-context.ts';
import { SecurityEvidenceRepository } from './compliance/security-evidence.repository.ts';
import { SecurityEvidenceService } from './compliance/security-evidence.service.ts';
import type { KeyInventorySource } from './shared/key-inventory.ts';
import { CaseExportRepository } from './case-export/case-export.repository.ts';
import { CaseExportService } from './case-export/case-export.service.ts';
import { loadSigningKey, signingKeyPath, type SigningKey } from './case-export/signing-key.ts';
import { SuspiciousCasesRepository } from './diagnostics/suspicious-cases.repository.ts';
import { SuspiciousCaseService } from './diagnostics/suspicious-cases.service.ts';
import { GuideRunService, type GuideRunEvents } from './diagnostics/guide-runs.service.ts';
import { GuideLearningService, type GuideLearningEvents } from './diagnostics/guide-learning.service.ts';
import { FLEET } from './access/roles.ts';
import { RolloutsRepository } from './rollouts/rollouts.repository.ts';
import { PackagesService } from './rollouts/packages.service.ts';
import { CampaignEngine } from './rollouts/campaign-engine.service.ts';
import { CampaignCreation } from './rollouts/campaign-creation.ts';
import { CampaignViews } from './rollouts/campaign-views.service.ts';
import { CampaignsService } from './rollouts/campaigns.service.ts';
import { RequestedCampaigns } from './rollouts/requested-campaigns.service.ts';
import { DEFAULT_ROLLOUT_SETTINGS } from './rollouts/campaigns.ts';
import { DeploymentsService } from './rollouts/deployments.service.ts';
import { FleetVersionsService } from './rollouts/fleet-versions.service.ts';
import { PackageDelivery } from './rollouts/package-delivery.ts';
import { DdiRepository } from './ddi/ddi.repository.ts';
import { DdiService } from './ddi/ddi.service.ts';
import { KpisService } from './kpis/kpis.service.ts';
import { KpisRepository } from './kpis/kpis.repository.ts';
import { KpiRollupsRepository } from './kpis/kpi-rollups.repository.ts';
import { KPI_ROLLUPS_JOB, KpiRollupsService } from './kpis/kpi-rollups.service.ts';
import { OverviewService } from './overview/overview.service.ts';
import { OverviewRepository } from './overview/overview.repository.ts';
import { EventBus } from './shared/events.ts';
import { NetworkPolicy } from './shared/network-policy.ts';
import { systemClock, type Clock } from './shared/time.ts';
import { InvalidationListener } from './cluster/invalidations.ts';
import { createTerminalData, type TerminalData } from './terminal-data/terminal-data.ts';
import { ConfigurationChangesRepository, ConfigurationRepository } from './configuration/configuration.repository.ts';
import { ConfigurationCampaigns } from './configuration/configuration-campaigns.service.ts';
import { SecretBox, secretKeyPath } from './configuration/secret-box.ts';
import type { CampaignDelivery } from './rollouts/campaign-engine.service.ts';
import type { HealthVerdict } from './rollouts/payment-health.ts';
import { configurationPackageOf } from './shared/configuration-package.ts';
import { ConfigurationStore } from './configuration/configuration-store.ts';
import { ParameterSchemas } from './configuration/parameter-schemas.service.ts';
import { SavedGroups } from './configuration/saved-groups.service.ts';
import { ConfigurationLevels } from './configuration/configuration-levels.service.ts';
import { ConfigurationHistory } from './configuration/configuration-history.service.ts';
import { EffectiveConfiguration } from './configuration/effective-configuration.service.ts';
import { TerminalValuesCsv } from './configuration/terminal-values-csv.service.ts';
import type { SchemaInput } from './configuration/configuration.schemas.ts';
import type { ParameterSchema } from './configuration/parameters.ts';
import { ConfigurationDelivery } from './configuration/delivery.service.ts';
import { ApprovalsRepository } from './approvals/approvals.repository.ts';
import { ApprovalsService, type ApprovalEvents } from './approvals/approvals.service.ts';
import { approversOf } from './approvals/approvals.rules.ts';
import { SavedViewsRepository } from './saved-views/saved-views.repository.ts';
import { SavedViewsService } from './saved-views/saved-views.service.ts';
import type { CampaignInput } from './rollouts/rollouts.schemas.ts';
import type { Role, Scope } from './access/roles.ts';
import type { MaintenanceRequest } from './maintenance/maintenance.service.ts';
import { CareService } from './merchant/care.service.ts';
import { MerchantRepository } from './merchant/merchant.repository.ts';
import { MaintenanceMoves, type MerchantEvents } from './merchant/moves.service.ts';
import { NextMaintenanceCache } from './merchant/next-maintenance.ts';
import { ShopNotices } from './merchant/shop-notices.ts';
import { SHOP_FORECASTS_JOB, ShopForecasts } from './merchant/shop-forecasts.service.ts';
import { SecurityRepository } from './security/security.repository.ts';
import { KeySlotWatch } from './security/key-slots.service.ts';
import { RelocationWatch } from './security/relocations.service.ts';
import { SecurityPolicy } from './security/security-policy.ts';
import { SecurityWatch } from './security/security-watch.service.ts';
import { SecurityService, type SecurityPorts } from './security/security.service.ts';
import { SYSTEM as WORK_ORDER_SYSTEM } from './work-orders/work-orders.service.ts';

/** Every event one capability tells others (src/shared/events.ts). */
import { createAssistance } from './assistance/assistance.ts';
import type { Assistance } from './assistance/assistance.routes.ts';


/** Every event one capability tells others (src/shared/events.ts). */
export type PosFleetEvents = MaintenanceEvents & GuideRunEvents & ApprovalEvents & MerchantEvents & GuideLearningEvents & DiagnosticsEvents;

export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  events: EventBus<PosFleetEvents>;
  access: AccessService;
  authentication: AuthenticationService;
  audit: AuditService;
  estate: EstateService;
  compliance: ComplianceService;
  device: DeviceService;
  jobs: JobRunner;
  notifications: NotificationService;
  notificationChannels: ChannelsService;
  notificationDelivery: DeliveryService;
  notificationDigests: DigestService;
  maintenance: MaintenanceService;
  /** Maintenance jobs' life after they are asked for: the tick's starts, leases and announcements, terminals' reports. */
  jobLifecycle: JobLifecycle;
  /** Terminals' modes (heartbeat answers) and locks. */
  terminalModes: TerminalModes;
  maintenanceFigures: FiguresService;
  windows: WindowsService;
  windowPlanner: WindowPlanner;
  suggestedWindows: SuggestedWindowService;
  preventive: PreventiveService;
  workOrders: WorkOrdersService;
  technicians: TechniciansService;
  planLists: PlanListsService;
  remoteTasks: RemoteTasksService;
  workOrderPhotos: WorkOrderPhotos;
  spares: SparesService;
  backupTerminals: BackupTerminalsService;
  incidents: IncidentService;
  heartbeatObserver: HeartbeatObserver;
  offlineSweep: OfflineSweep;
  suspiciousCases: SuspiciousCaseService;
  healthScores: HealthScoreService;
  posture: PostureService;
  guideRuns: GuideRunService;
  guideLearning: GuideLearningService;
  packages: PackagesService;
  campaigns: CampaignsService;
  campaignViews: CampaignViews;
  campaignEngine: CampaignEngine;
  deployments: DeploymentsService;
  fleetVersions: FleetVersionsService;
  ddi: DdiService;
  kpis: KpisService;
  /** Rolls up the KPI history once a day is over (the `kpi-rollups` job). */
  kpiRollups: KpiRollupsService;
  overview: OverviewService;
  /** On PostgreSQL: what other nodes announce that ends a cached answer here (started by the server). */
  invalidations: InvalidationListener | undefined;
  history: HeartbeatHistory;
  terminalData: TerminalData;
  /** Terminal configuration's in-memory state (schema, values, every terminal's effective hash). */
  configuration: ConfigurationStore;
  configurationSchemas: ParameterSchemas;
  configurationGroups: SavedGroups;
  configurationLevels: ConfigurationLevels;
  configurationHistory: ConfigurationHistory;
  effectiveConfiguration: EffectiveConfiguration;
  terminalValuesCsv: TerminalValuesCsv;
  configurationDelivery: ConfigurationDelivery;
  approvals: ApprovalsService;
  savedViews: SavedViewsService;
  configurationCampaigns: ConfigurationCampaigns<HealthVerdict>;
  caseExports: CaseExportService;
  securityEvidence: SecurityEvidenceService;
  care: CareService;
  nextMaintenance: NextMaintenanceCache;
  shopNotices: ShopNotices;
  shopForecasts: ShopForecasts;
  maintenanceMoves: MaintenanceMoves;
  assistance: Assistance;
  security: SecurityService;
  securityWatch: SecurityWatch;
}

export interface ServicesOptions {
  /**
   * 'migrate' (a server start): bring the schema up to date and seed what every installation has.
   * 'existing' (the CLI's other commands): change nothing; refuse a database that is not up to date.
   */
  schema?: 'migrate' | 'existing';
}

/** A database the CLI may not work on as it is: empty, or made by an older PosFleet. */
export class SchemaNotReady extends Error {}

export async function createServices(
  config: Config, clock: Clock = systemClock, log?: (msg: string, fields?: Record<string, unknown>) => void, options: ServicesOptions = {},
): Promise<Services> {
  const db = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous, preparedStatements: config.postgresPreparedStatements, ...(log && { log }) });
  const migrate = (options.schema ?? 'migrate') === 'migrate';
  if (migrate) {
    await migrateToLatest(db);
  } else {
    const { pending, known } = await pendingMigrations(db).catch(async (error: unknown) => { await db.close(); throw error; });
    if (pending.length > 0) {
      await db.close();
      throw new SchemaNotReady(pending.length === known
        ? 'this database has no PosFleet schema yet'
        : `this database was made by an older PosFleet (${pending.length} migration${pending.length === 1 ? '' : 's'} to run, from ${pending[0]})`);
    }
  }
  const offlineAfterMs = offlineAfterSeconds(config) * 1000;
  const events = new EventBus<PosFleetEvents>();
  // On a SQLite file, heartbeat batches are written and synced by a thread of their own (stopped before the database closes).
  const heartbeatThread = db.sqlite && config.heartbeatWriterThread ? new HeartbeatThread(db.sqlite) : undefined;
  if (heartbeatThread) {
    const closeDatabase = db.close;
    db.close = async () => { await heartbeatThread.close(); await closeDatabase(); };
  }
  // On PostgreSQL each node listens for what other nodes revoke (handlers below, started by the server).
  const invalidations = db.dialect === 'postgres' ? new InvalidationListener(config.databaseUrl, { ...(log && { log }) }) : undefined;
  // Cached credentials and tokens are trusted long while every revocation reaches this process: always on
  // SQLite (one process: the code that revokes forgets the entry), on PostgreSQL while the listener listens.
  const revocationsHeard = invalidations ? () => invalidations.listening : () => true;
  // Each heartbeat batch is answered by heartbeatAnswers (below), once the capabilities it asks exist.
  const device = new DeviceService(new DeviceRepository(db.kysely), new EnrolmentRepository(db.kysely), clock, { heartbeatIntervalSeconds: config.heartbeatIntervalSeconds, offlineAfterMs }, (batch, stored) => heartbeatAnswers(batch, stored),
    (terminalId, report) => configurationDelivery.heartbeat(terminalId, report),
    // The merchant's side: the care version and the next planned maintenance, both from memory.
    (terminalId) => ({ care: care.hint(terminalId), nextMaintenance: nextMaintenance.of(terminalId), notices: shopNotices.of(terminalId) }), heartbeatThread,
    // Another hardware fingerprint or key material is refused before the heartbeat is stored (from memory).
    (terminalId, report, seen): ReturnType<HeartbeatGuard> => securityWatch.guard(terminalId, report, seen), revocationsHeard);
  // Daily care by the shop's staff and each terminal's next maintenance, kept in memory for heartbeats.
  const merchantRepo = new MerchantRepository(db.kysely);
  const care = new CareService(merchantRepo, clock);
  const nextMaintenance = new NextMaintenanceCache(merchantRepo, clock);
  // Notices to the shop (conditions its staff fix, forecasts), in memory for heartbeats and the merchant view.
  const shopNotices = new ShopNotices(merchantRepo, clock);
  await Promise.all([care.refresh(), nextMaintenance.refresh(), shopNotices.refresh()]);
  const estateRepo = new EstateRepository(db.kysely, offlineAfterMs, clock);
  const estate = new EstateService(estateRepo, new TerminalWrites(db.kysely), clock, (id) => device.forgetTerminal(id));
  const jobs = new JobRunner(db.kysely, db.dialect, clock, { pollMs: config.jobPollMs, leaseMs: config.jobLeaseSeconds * 1000, ...(log && { log }) });
  jobs.handle('merchant-care-tick', async () => { await Promise.all([care.refresh(), nextMaintenance.refresh()]); });
  // Forecasts the shop acts on: a daily pass over the fleet's latest state (it also re-reads where each terminal belongs).
  const shopForecasts = new ShopForecasts(merchantRepo, clock, shopNotices);
  await shopForecasts.load();
  jobs.handle(SHOP_FORECASTS_JOB, async () => {
    await shopNotices.refresh();
    const standing = await shopForecasts.run();
    log?.('shop forecasts', { terminals: standing });
  });
  const webhookNetworks = new NetworkPolicy(config.webhookAllowedNetworks);
  const notificationsRepo = new NotificationRepository(db.kysely);
  const notificationSenders = {
    maxAttempts: config.notificationMaxAttempts, networkPolicy: webhookNetworks,
    postWebhook: webhookPoster({ timeoutMs: config.webhookTimeoutMs, policy: webhookNetworks }),
    postRobot: robotPoster({ timeoutMs: config.webhookTimeoutMs, policy: webhookNetworks }),
    mailer: config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : undefined, log,
  };
  const notifications = new NotificationService(notificationsRepo, clock, jobs, estateRepo, notificationSenders);
  const notificationChannels = new ChannelsService(notificationsRepo, clock, estateRepo, notificationSenders);
  const notificationDelivery = new DeliveryService(notificationsRepo, clock, jobs, notificationSenders);
  const notificationDigests = new DigestService(notificationsRepo, clock, jobs, estateRepo, notificationSenders);
  jobs.handle(DELIVER_NOTIFICATION, (payload) => notificationDelivery.runDeliveryJob(payload));
  jobs.handle(RELEASE_DIGEST, async (payload) => { await notificationDigests.releaseDigest(payload); });
  jobs.handle(SWEEP_DIGESTS, async () => { await notificationDigests.releaseDueDigests(); });

  const history = new HeartbeatHistory(new HistoryRepository(db.kysely, db.dialect), clock, { retentionDays: config.heartbeatRetentionDays, log });
  jobs.handle('heartbeat-retention', async () => { await history.upkeep(); });

  jobs.handle('job-runs-retention', async () => {
    const before = new Date(clock().getTime() - config.jobRunRetentionDays * 86_400_000).toISOString();
    const pruned = await jobs.pruneRuns(before);
    if (pruned) log?.('pruned background job history', { pruned, before });
  });

  const maintenanceRepo = new MaintenanceRepository(db.kysely);
  const windowsRepo = new WindowsRepository(db.kysely);
  const windowSettings = { heartbeatIntervalSeconds: config.heartbeatIntervalSeconds };
  const jobLifecycle = new JobLifecycle(maintenanceRepo, clock, estate, { offlineAfterMs, backupFreshnessMs: offlineAfterMs, announceLeadMinutes: config.announceLeadMinutes }, {
    events,
    // Planned work starts only inside its maintenance window (checked whenever due jobs are started, the tick included).
    startGate: new WindowStartGate(windowsRepo, maintenanceRepo, windowSettings),
    // A campaign's policy for single-terminal sites decides whether its due job may take a site's only terminal.
    lastTerminal: { of: (due) => campaignEngine.lastTerminalPolicies().of(due) },
  });
  const maintenance = new MaintenanceService(maintenanceRepo, clock, estate, jobLifecycle);
  const terminalModes = new TerminalModes(maintenanceRepo, clock, estate);
  const maintenanceFigures = new FiguresService(maintenanceRepo, clock, estate);
  // Merchants hear about their maintenance through the notification channels.
  maintenanceNotices(db.kysely, notifications, events);
  const windows = new WindowsService(windowsRepo, clock, estate);
  // Planned work and suggested windows keep clear of each site's batch close, a configuration parameter.
  const windowPlanner = new WindowPlanner(windowsRepo, clock, estate, maintenanceRepo, jobLifecycle, windowSettings, (site) => effectiveConfiguration.batchCloseOf(site));
  const suggestedWindows = new SuggestedWindowService(windowsRepo, clock, estate, windowSettings, (site) => effectiveConfiguration.batchCloseOf(site));
  const rollouts = new RolloutsRepository(db.kysely);
  // An application package may carry its parameter schema (signed with it): the configuration
  // capability (built further down) checks it at declaration and registers it once the package is published.
  const packages = new PackagesService(rollouts, estateRepo, clock, config.dataDir, config.maxPackageMb * 1024 * 1024, {
    problem: async (application, version, parameters) => {
      const problem = await configurationSchemas.schemaProblemOf(application, version, parameters as ParameterSchema);
      return problem && [problem[0] === 'application' ? 'name' : problem[0], problem[1]];
    },
    register: async (input, actorName) => {
      if (!(await configurationSchemas.schemaProblemOf(input.application, input.version, input.parameters as ParameterSchema))) await configurationSchemas.registerSchema(input as SchemaInput, actorName);
    },
  });
  // Campaigns: the engine moves them (what a campaign delivers is the package delivery's); operators manage
  // them; terminals follow their deployments over either protocol.
  const rolloutSettings = { ...DEFAULT_ROLLOUT_SETTINGS, publicUrl: config.publicUrl };
  const packageDelivery = new PackageDelivery(rollouts, estateRepo, clock, rolloutSettings);
  // A configuration change is delivered by a campaign too: its stand-in package says which delivery it is.
  const delivery: CampaignDelivery = {
    job: (campaign, packageId, wave) => (configurationPackageOf(packageId) ? configurationCampaigns.job(campaign, packageId, wave) : packageDelivery.job(campaign, packageId, wave)),
    judge: (campaign, wave) => (configurationPackageOf(campaign.package_id) ? configurationCampaigns.judge(campaign, wave) : packageDelivery.judge(campaign, wave)),
  };
  const campaignEngine: CampaignEngine = new CampaignEngine(rollouts, delivery, maintenance, windowPlanner, clock, notifications);
  const campaignViews = new CampaignViews(rollouts, estateRepo, maintenance, clock);
  const campaignCreation = new CampaignCreation(rollouts, campaignEngine, campaignViews, estateRepo, clock);
  const campaigns = new CampaignsService(rollouts, campaignEngine, campaignCreation, campaignViews, packages, estateRepo, clock);
  const requestedCampaigns = new RequestedCampaigns(rollouts, campaignCreation, packages, estateRepo, clock);
  const deployments = new DeploymentsService(rollouts, campaignEngine, maintenance, clock, rolloutSettings);
  const fleetVersions = new FleetVersionsService(rollouts, estateRepo, clock, rolloutSettings);
  jobs.handle('rollouts-tick', async () => {
    const moved = await campaignEngine.tick();
    if (moved) log?.('rollouts tick', { moved });
  });
  const ddi = new DdiService(new DdiRepository(db.kysely), clock, device, deployments, maintenance, jobLifecycle, { tenant: config.ddiTenant, pollSeconds: config.ddiPollSeconds });
  const diagnosticsRepo = new DiagnosticsRepository(db.kysely);
  const ruleStateRepo = new RuleStateRepository(db.kysely);
  const ruleContext = new RuleContext(ruleStateRepo, clock, config.terminalPasswordMaxAgeDays);
  // A case closed last resolves its incident; a report opens (or joins) the incident and its case.
  const suspiciousCases = new SuspiciousCaseService(new SuspiciousCasesRepository(db.kysely), clock, (id, actor, resolution): Promise<void> => incidents.resolvedByGuide(id, actor, resolution));
  const incidents = new IncidentService(diagnosticsRepo, clock, estate, notifications, (terminalId, input, by) => device.queueCommand(terminalId, input, by), ruleContext, suspiciousCases, {
    log, lock: async (terminalId, reason) => { await terminalModes.lock(terminalId, reason, FLEET, 'PosFleet diagnostics', 'tamper'); },
  });
  const heartbeatObserver = new HeartbeatObserver(diagnosticsRepo, ruleStateRepo, clock, ruleContext, incidents, { log, events, securityBaselines: (modelIds) => packages.securityBaselines(modelIds) });
  const offlineSweep = new OfflineSweep(diagnosticsRepo, ruleStateRepo, clock, ruleContext, incidents, {
    offlineReminderMs: config.offlineReminderMinutes * 60_000, offlineMaxReminders: config.offlineMaxReminders,
  });
  const healthScores = new HealthScoreService(diagnosticsRepo, estate);
  const posture = new PostureService(diagnosticsRepo, ruleStateRepo, clock, estate, ruleContext);
  // Guides learn from their runs (an hourly job); a new run on a model gets the steps that fixed it most first.
  const guideRunsRepo = new GuideRunsRepository(db.kysely);
  const guideLearning = new GuideLearningService(guideRunsRepo, clock, async (modelId) => (await estateRepo.findModel(modelId))?.model ?? modelId, events, config.guideLearningMinRuns);
  const guideRuns = new GuideRunService(guideRunsRepo, clock, estate, incidents, events, (guideId, modelId) => guideLearning.orderFor(guideId, modelId));
  jobs.handle('guides-learn', async () => {
    const done = await guideLearning.learn();
    if (done.flagged) log?.('guide steps flagged as never helping', done);
  });
  jobs.handle('offline-sweep', async () => {
    const wentOffline = await device.sweepOffline();
    if (wentOffline.length) log?.('terminals went offline', { count: wentOffline.length });
    const swept = await offlineSweep.sweepOffline(wentOffline);
    if (swept.opened || swept.resolved || swept.reminded) log?.('offline incidents', swept);
  });
  // Diagnostics sees every written batch first (a tamper lock then shows in the same heartbeat's answer),
  // then maintenance answers each terminal's mode, with its offered deployment.
  const heartbeatAnswers: ModeSource = async (batch, stored) => {
    try {
      if (config.diagnosticRules) await heartbeatObserver.observe(batch, stored);
    } catch (error) {
      // Diagnostics must never cost a terminal its heartbeat answer: the batch is committed already.
      log?.('diagnostics failed on a heartbeat batch', { error: String(error) });
    }
    securityWatch.observe(batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))));
    // The shop hears of paper and the printer cover at once (an operator incident only if it lasts).
    try {
      await shopNotices.observe(batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))).map((h) => ({ terminalId: h.terminalId, printer: h.report.printer, chip: h.report.cardReader.chip, receivedAt: h.receivedAt })));
    } catch (error) {
      log?.('shop notices of a heartbeat batch not kept', { error: String(error) });
    }
    await jobLifecycle.countRefused(batch.filter((h) => stored.has(heartbeatKey(h.terminalId, h.report.seq))).map((h) => ({ terminalId: h.terminalId, count: h.report.transactions.refused ?? 0 })));
    // The staff's care answers, once per batch and only when one carries some (a retry's are stored once).
    const answered = batch.filter((h) => h.report.care?.length).map((h) => ({ terminalId: h.terminalId, answers: h.report.care! }));
    if (answered.length) {
      try {
        await care.recordFromHeartbeats(answered);
      } catch (error) {
        log?.('care answers of a heartbeat batch were not stored', { error: String(error) });
      }
    }
    const terminalIds = [...new Set(batch.map((h) => h.terminalId))];
    const [modes, hints] = await Promise.all([terminalModes.modes(terminalIds), deployments.hints(terminalIds)]);
    const answers = new Map<string, DesiredMode>(modes);
    for (const [terminalId, deployment] of hints) {
      const mode = modes.get(terminalId);
      if (mode) answers.set(terminalId, { ...mode, deployment });
    }
    return answers;
  };
  jobs.handle('maintenance-tick', async () => {
    const expired = await jobLifecycle.expireLeases();
    const announced = await jobLifecycle.announceUpcoming();
    const started = await jobLifecycle.startDueJobs();
    if (expired || announced || started) log?.('maintenance tick', { expired, announced, started });
  });
  const audit = new AuditService(new AuditRepository(db.kysely, db.dialect), clock);
  jobs.handle('audit-retention', async () => {
    const pruned = await audit.prune(new Date(clock().getTime() - config.auditRetentionDays * 86_400_000).toISOString());
    if (pruned) log?.('pruned audit log', { pruned });
  });
  const accessRepo = new AccessRepository(db.kysely);
  const authentication = new AuthenticationService(accessRepo, clock, { passwordMaxAgeDays: config.passwordMaxAgeDays }, revocationsHeard);
  const access = new AccessService(accessRepo, clock, {
    passwordMaxAgeDays: config.passwordMaxAgeDays, maxFailedLogins: config.maxFailedLogins,
    lockoutMinutes: config.lockoutMinutes, sessionHours: config.sessionHours, passwordHashCost: config.passwordHashCost,
  }, authentication);
  const preventiveRepo = new PreventiveRepository(db.kysely);
  const planTasks = new PlanTasks(preventiveRepo, clock);
  // A worn part (a battery past its cycle limit) is planned work: its replacement task comes due now.
  events.on('part.due', async (due) => { await planTasks.partDue(due); });
  const workOrdersRepo = new WorkOrdersRepository(db.kysely);
  // Work orders tell preventive plans when the tasks they cover are done or cancelled.
  const workOrders = new WorkOrdersService(workOrdersRepo, clock, estateRepo, notifications, planTasks, {
    slaHours: config.workOrderSlaHours, dueSoonHours: config.workOrderDueSoonHours,
  });
  const technicians = new TechniciansService(workOrdersRepo, clock, estateRepo);
  const preventive = new PreventiveService(preventiveRepo, clock, estateRepo, workOrders, planTasks, technicians);
  if (migrate) await preventive.ensureDefaultTemplates();
  const workOrderPhotos = new WorkOrderPhotos(workOrdersRepo, clock, config.dataDir);
  const planLists = new PlanListsService(new PlanListsRepository(db.kysely), clock);
  // Remote preventive tasks become maintenance jobs in the terminals' windows; their outcome, the tasks' checklist results.
  const remoteTasks = new RemoteTasksService(new RemoteTasksRepository(db.kysely), clock, planTasks, preventiveRepo, maintenance, windowPlanner);
  jobs.handle('preventive-remote-tick', async () => {
    const done = await remoteTasks.tick();
    if (done.planned || done.settled) log?.('remote preventive tasks', done);
  });
  // A terminal's own data: backups, restores (a swap queues one for the spare), baselines.
  // Baselines deliver missing versions through campaigns, and judge configuration by the configuration
  // capability (built further down: asked only once the server runs).
  const terminalData = createTerminalData(db.kysely, clock, estate, { dataDir: config.dataDir, escrowKeyFile: config.backupEscrowKeyFile, generateKey: migrate }, log, {
    delivery: { deliverVersion: (input, actorName) => requestedCampaigns.deliverVersion(input, actorName) },
    configuration: {
      groupVersion: (filter) => configurationGroups.groupVersion(filter),
      terminals: async (terminalIds) => {
        const applied = await configurationDelivery.appliedOfMany(terminalIds);
        return new Map(terminalIds.map((id) => {
          const expected = configuration.cache.hashOf(id);
          return [id, { applied: expected !== undefined && applied.get(id)?.hash === expected, held: configuration.cache.heldBy(id) !== undefined }];
        }));
      },
    },
  });
  jobs.handle('baselines-tick', async () => {
    const done = await terminalData.baselines.enforce();
    if (done.campaigns) log?.('baselines delivered', done);
  });
  jobs.handle('terminal-backups-retention', async () => {
    const done = await terminalData.backups.prune();
    if (done.pruned || done.abandoned) log?.('terminal backups pruned', done);
  });
  const sparesRepo = new SparesRepository(db.kysely);
  const spares = new SparesService(sparesRepo, new StockMoves(sparesRepo, notifications, log), clock, workOrders);
  const backupTerminals = new BackupTerminalsService(sparesRepo, clock, workOrders, terminalData.restores, (id) => device.forgetTerminal(id));
  jobs.handle('workorders-tick', async () => {
    const told = await workOrders.escalate();
    if (told.due || told.overdue || told.escalated) log?.('work orders tick', told);
  });
  // The PCI report's security evidence. The key inventory is the keys capability's (src/security/): wire
  // its keyInventory(scope) here; until then the report's key section is empty.
  // The PCI report's key inventory is the security capability's, in the report's words (built below).
  const keyInventory: KeyInventorySource = {
    keyInventory: async (scope) => (await security.keyInventory(scope)).items.filter((t) => t.reported).map((t) => ({
      terminalId: t.terminalId,
      slots: t.slots.map((k) => ({
        slot: String(k.slot), keyType: k.bdkId ? `${k.type} ${k.bdkId}` : k.type, checkValue: k.kcv ?? k.ksnPrefix ?? null, loadedAt: k.loadedAt ?? null, expiresAt: k.expiresAt ?? null,
      })),
      problems: t.problems.map((p) => ({
        code: p.rule === 'key_missing' ? 'missing' : p.rule === 'key_mismatch' ? 'mismatched' : p.deadline < clock().toISOString() ? 'expired' : 'expiring',
        slot: p.slot === null ? null : String(p.slot), keyType: p.keyType, deadline: p.deadline,
      })),
    })),
  };
  const securityEvidence = new SecurityEvidenceService(new SecurityEvidenceRepository(db.kysely), clock, estate, audit, keyInventory, { auditRetentionDays: config.auditRetentionDays });
  // A failed inspection opens a follow-up work order for its terminal, in the inspection's transaction.
  const compliance = new ComplianceService(new ComplianceRepository(db.kysely), clock, estate, {
    inspectionIntervalDays: config.inspectionIntervalDays, terminalPasswordMaxAgeDays: config.terminalPasswordMaxAgeDays,
    operatorPasswordMaxAgeDays: config.passwordMaxAgeDays, dataDir: config.dataDir,
  }, (inspection, trx) => workOrders.onInspectionFailed(inspection, trx), securityEvidence);
  // Case bundles: signed with the server's Ed25519 key, read (or made) at the first export.
  let caseExportKey: SigningKey | undefined;
  const caseExports = new CaseExportService(new CaseExportRepository(db.kysely), suspiciousCases, compliance,
    () => (caseExportKey ??= loadSigningKey(signingKeyPath(config.dataDir, config.caseExportKeyFile))), clock);
  // An escalated guide run opens a work order.
  events.on('guide.escalated', (escalation) => workOrders.onGuideEscalated(escalation));
  // PM compliance counts the staff's care too.
  // Whole days of the KPIs come from the rollups the `kpi-rollups` job writes once a day is over.
  const kpisRepo = new KpisRepository(db.kysely);
  const kpiRollupsRepo = new KpiRollupsRepository(db.kysely);
  const kpis = new KpisService(kpisRepo, clock, care, kpiRollupsRepo);
  const kpiRollups = new KpiRollupsService(kpisRepo, kpiRollupsRepo, clock);
  jobs.handle(KPI_ROLLUPS_JOB, async () => { await kpiRollups.rollUp(); });
  const overview = new OverviewService(new OverviewRepository(db.kysely), diagnosticsRepo, clock);
  // Several nodes share one PostgreSQL: a revocation made on one is forgotten by the caches of all.
  invalidations?.on((change) => {
    if (change.kind === 'terminal') device.forgetTerminal(change.terminalId);
    if (change.kind === 'model') ruleContext.forgetThresholds(change.modelId);
    if (change.kind === 'all') {
      device.forgetAllCredentials();
      ruleContext.forgetAllThresholds();
    }
    if (change.kind === 'access' || change.kind === 'all') authentication.forgetTokens();
  });
  // Terminal configuration: every terminal's effective hash kept in memory, answered in heartbeats;
  // a terminal that stays on another one past the grace period opens a configuration_drift incident.
  const configurationChanges = new ConfigurationChangesRepository(db.kysely);
  const configurationRepo = new ConfigurationRepository(db.kysely);
  const configuration = new ConfigurationStore(configurationRepo, configurationChanges, estateRepo, clock,
    SecretBox.fromFile(secretKeyPath(config.dataDir, config.configurationSecretKeyFile), migrate));
  await configuration.load();
  const configurationSchemas = new ParameterSchemas(configurationRepo, configuration, clock);
  const configurationGroups = new SavedGroups(configurationRepo, configuration, clock);
  const configurationLevels = new ConfigurationLevels(configurationRepo, configurationChanges, configuration, clock);
  const configurationHistory = new ConfigurationHistory(configurationRepo, configuration);
  const effectiveConfiguration = new EffectiveConfiguration(configuration, estateRepo);
  const terminalValuesCsv = new TerminalValuesCsv(configurationRepo, configuration, estateRepo);
  const configurationDelivery: ConfigurationDelivery = new ConfigurationDelivery(configuration.cache, () => configuration.current !== undefined, clock, {
    open: async (terminalId, detail) => {
      const terminal = await estateRepo.findTerminal(terminalId);
      await incidents.openIncident({ terminal_id: terminalId, site_id: terminal?.siteId ?? null, merchant_id: terminal?.merchantId ?? null, rule: 'configuration_drift', detail, at: clock().toISOString() });
    },
    resolve: (fixed): Promise<number> => incidents.resolveCleared('configuration_drift', fixed, 'the terminal reports its effective configuration again'),
  }, config.configurationDriftGraceMinutes * 60_000, (terminalId) => configuration.placeSoon(terminalId), (terminalIds) => configurationRepo.lastReported(terminalIds));
  // Changes that need terminals out of service go out as campaigns, judged on payments like software.
  const configurationCampaigns: ConfigurationCampaigns<HealthVerdict> = new ConfigurationCampaigns(configurationChanges, configuration, configurationLevels, configurationDelivery, {
    createForConfiguration: (input, scope, actorName) => requestedCampaigns.createForConfiguration(input, scope, actorName),
    outcome: (id) => campaignViews.outcome(id),
    configurationAction: (terminalId) => deployments.configurationAction(terminalId),
    record: (actionId, report) => deployments.record(actionId, report),
    judge: async (campaign, wave) => {
      const row = await rollouts.campaign(campaign.id);
      return packageDelivery.judge(row!, wave);
    },
    settings: async (id) => {
      const view = await campaignViews.get(id).catch(() => undefined);
      return view && { name: view.name, ...view.settings };
    },
  }, clock);
  jobs.handle('configuration-tick', async () => {
    await configuration.refresh();
    const ended = await configurationCampaigns.tick();
    if (ended) log?.('configuration changes delivered or rolled back', { ended });
    const drift = await configurationDelivery.sweep();
    if (drift.opened || drift.resolved) log?.('configuration drift', drift);
  });
  // Four eyes: a held operation runs, once approved, through the capability that owns it, in the
  // requester's scope, attributed to both people.
  const savedViews = new SavedViewsService(new SavedViewsRepository(db.kysely), clock);
  const approvals = new ApprovalsService(new ApprovalsRepository(db.kysely), clock, {
    kinds: config.fourEyes, campaignTerminals: config.fourEyesCampaignTerminals, expiryHours: config.approvalExpiryHours,
  }, audit, {
    campaign: async (payload, by) => {
      const { input, scope } = payload as { input: CampaignInput; scope: Scope };
      const campaign = await campaigns.create(input, scope, by.actorName);
      return { id: campaign.id, name: campaign.name };
    },
    role_change: async (payload) => {
      const { userId, patch } = payload as { userId: string; patch: { name?: string; role?: Role; merchantId?: string | null; locale?: string; disabled?: boolean } };
      const user = await access.updateUser(userId, patch);
      return { id: user.id, role: user.role };
    },
    tamper_unlock: async (payload, by) => {
      const { terminalId, reason, scope } = payload as { terminalId: string; reason: string; scope: Scope };
      await terminalModes.unlock(terminalId, reason, scope, by.actorName);
      return { id: terminalId };
    },
    continuity_override: async (payload, by) => {
      const { input, scope } = payload as { input: MaintenanceRequest; scope: Scope };
      const jobs = await maintenance.request(input, scope, by.actorName);
      return { jobs: jobs.map((j) => j.id) };
    },
    acquirer_parameters: async (payload, by) => {
      const { level, scopeId, input, scope } = payload as { level: Parameters<ConfigurationLevels['set']>[0]; scopeId: string; input: Parameters<ConfigurationLevels['set']>[2]; scope: Scope };
      const result = await configurationLevels.set(level, scopeId, input, { name: by.actorName, scope });
      return { version: (result as { version?: number }).version ?? null };
    },
  }, events);
  // A request waiting for a second person is mailed to each person who may approve it, in their language.
  events.on('approval.requested', async (r) => {
    const users = approversOf(r.kind, r.requestedById, await access.listUsers());
    await notifications.notifyUsers({
      event: 'approval.requested', key: `approval.requested:${r.id}`, users,
      data: { approvalId: r.id, kind: r.kind, requestedBy: r.requestedBy, reason: r.reason, expiresAt: r.expiresAt },
    }).catch((error: unknown) => log?.('approvers not notified', { approval: r.id, error: String(error) }));
  });
  jobs.handle('approvals-expiry', async () => {
    const expired = await approvals.expire();
    if (expired) log?.('four-eyes requests expired', { expired });
  });
  // A merchant's say before maintenance: moving a planned job within the policy, re-planned by the planner.
  const maintenanceMoves = new MaintenanceMoves(merchantRepo, clock, {
    planner: windowPlanner, job: (id) => maintenance.job(id), lossModel: (siteId) => suggestedWindows.lossModel(siteId),
    events, moved: () => nextMaintenance.refresh(),
  }, { maxMoves: config.maintenanceMovesMax, maxHours: config.maintenanceMoveMaxHours, securityDeadlineHours: config.securityDeadlineHours });
  // Remote assistance: logs and screenshots from terminals (through the command queue), screen messages.
  const assistance = createAssistance(db.kysely, clock, {
    commands: device, incidents,
    serialOf: async (terminalId) => (await estateRepo.findTerminal(terminalId))?.serialNumber ?? terminalId,
  }, { dataDir: config.dataDir, retentionDays: config.assistanceFileRetentionDays }, log);
  jobs.handle('terminal-files-retention', async () => {
    const done = await assistance.artifacts.prune();
    if (done.pruned || done.abandoned) log?.('terminal files pruned', done);
  });
  // A guide step that never helps on a model is told to the guide's owner: on the record, for them to act on.
  events.on('guide.step_flagged', async (flag) => {
    await audit.record({ actorType: 'system', action: 'guide.step_flagged', objectType: 'guide', objectId: flag.guideId, outcome: 'success', details: { ...flag } });
    log?.('guide step never helps', { ...flag });
  });
  // Terminal security: relocation and substitution cases, key slots against each acquirer's key policy.
  const securityActor = 'PosFleet security';
  const securityPorts: SecurityPorts = {
    openCase: async (terminalId, what, rule, detail): Promise<{ id: string }> => incidents.reportSuspicious(terminalId, { what }, FLEET, securityActor, rule, detail),
    openIncident: async (i) => { await incidents.openIncident({ terminal_id: i.terminalId, site_id: i.siteId, merchant_id: i.merchantId, rule: i.rule, detail: i.detail, at: i.at }); },
    resolveIncident: (terminalId, rule, resolution) => incidents.resolveOpenOf(terminalId, rule, securityActor, resolution),
    lock: async (terminalId, reason) => { await terminalModes.lock(terminalId, reason, FLEET, securityActor, 'relocation'); },
    orderInspection: async (terminal, reason) => {
      await workOrders.createWorkOrder({
        title: `Inspect terminal ${terminal.serialNumber} (PCI DSS 9.5.1.2): it moved`, siteId: terminal.siteId, terminalIds: [terminal.id], requiredSkill: 'security',
        dueAt: new Date(clock().getTime() + 86_400_000).toISOString(), note: reason,
        checklist: [
          { text: { 'zh-CN': '找到终端，核对序列号与封签（PCI DSS 9.5.1.2）', en: 'Find the terminal; check its serial number and seals (PCI DSS 9.5.1.2)' } },
          { text: { 'zh-CN': '检查是否有拆机、改装或叠加装置', en: 'Look for signs of tampering, modification or overlays' } },
          { text: { 'zh-CN': '确认无误后解除锁定，否则更换终端', en: 'Lift the lock once it checks out; otherwise swap the terminal' } },
        ],
      }, { ...WORK_ORDER_SYSTEM, name: securityActor });
    },
    acquirerOf: (terminalId) => {
      const acquirer = configuration.cache.effectiveOf(terminalId).values.acquirer;
      return typeof acquirer === 'string' ? acquirer : undefined;
    },
    site: (id, scope) => estate.getSite(id, scope),
    terminal: (id, scope) => estate.getTerminal(id, scope),
    log,
  };
  const securityRepo = new SecurityRepository(db.kysely);
  const securityPolicy = new SecurityPolicy(securityRepo, securityPorts.acquirerOf);
  const keySlots = new KeySlotWatch(securityRepo, clock, securityPolicy, securityPorts);
  const securityWatch = new SecurityWatch(securityRepo, new RelocationWatch(securityRepo, clock, securityPolicy, securityPorts), keySlots, securityPorts);
  const security = new SecurityService(securityRepo, clock, securityPolicy, keySlots, securityPorts);
  await security.load();
  events.on('maintenance.ended', async ({ job, outcome }) => {
    // A result not recorded must not fail the job's ending.
    await securityWatch.keyInjectionEnded(job, outcome).catch((error: unknown) => log?.('key injection result not recorded', { job: job.id, error: String(error) }));
  });
  jobs.handle('security-tick', async () => {
    await security.load();
    await securityWatch.flush();
    // Terminals that went silent outside their fence are judged here, not on a heartbeat that may not come.
    await securityWatch.sweepRelocations();
  });
  return { approvals, savedViews, invalidations, config, db, clock, events, access, audit, estate, compliance, device, jobs, maintenance, notifications, windows, windowPlanner, suggestedWindows, preventive, workOrders, technicians, planLists, remoteTasks, workOrderPhotos, spares, incidents, heartbeatObserver, offlineSweep, suspiciousCases, healthScores, posture, guideRuns, packages, campaigns, campaignEngine, deployments, fleetVersions, ddi, kpis, kpiRollups, overview, history, terminalData, configuration, configurationDelivery, configurationCampaigns, caseExports, securityEvidence, care, nextMaintenance, shopNotices, shopForecasts, maintenanceMoves, guideLearning, assistance, security, authentication, notificationChannels, backupTerminals, jobLifecycle, terminalModes, maintenanceFigures, securityWatch, notificationDelivery, notificationDigests, configurationSchemas, configurationGroups, configurationLevels, configurationHistory, effectiveConfiguration, terminalValuesCsv, campaignViews };
}

/** Declares the recurring jobs every server process shares (idempotent). */
export async function declareRecurringJobs(services: Services): Promise<void> {
  await services.jobs.recurring('offline-sweep', 'offline-sweep', services.config.offlineSweepSeconds * 1000);
  await services.jobs.recurring('heartbeat-retention', 'heartbeat-retention', 3_600_000);
  await services.jobs.recurring('audit-retention', 'audit-retention', 86_400_000);
  await services.jobs.recurring('job-runs-retention', 'job-runs-retention', 3_600_000);
  await services.jobs.recurring(SWEEP_DIGESTS, SWEEP_DIGESTS, 60_000);
  await services.jobs.recurring('maintenance-tick', 'maintenance-tick', services.config.maintenanceTickSeconds * 1000);
  await services.jobs.recurring('workorders-tick', 'workorders-tick', 300_000);
  await services.jobs.recurring('preventive-remote-tick', 'preventive-remote-tick', 600_000);
  await services.jobs.recurring('rollouts-tick', 'rollouts-tick', services.config.rolloutTickSeconds * 1000);
  await services.jobs.recurring('terminal-backups-retention', 'terminal-backups-retention', 86_400_000);
  await services.jobs.recurring('baselines-tick', 'baselines-tick', 300_000);
  await services.jobs.recurring('configuration-tick', 'configuration-tick', 60_000);
  await services.jobs.recurring('approvals-expiry', 'approvals-expiry', 60_000);
  await services.jobs.recurring('merchant-care-tick', 'merchant-care-tick', services.config.maintenanceTickSeconds * 1000);
  await services.jobs.recurring(SHOP_FORECASTS_JOB, SHOP_FORECASTS_JOB, 86_400_000);
  await services.jobs.recurring('terminal-files-retention', 'terminal-files-retention', 86_400_000);
  await services.jobs.recurring('guides-learn', 'guides-learn', 3_600_000);
  await services.jobs.recurring('security-tick', 'security-tick', 60_000);
  await services.jobs.recurring(KPI_ROLLUPS_JOB, KPI_ROLLUPS_JOB, 3_600_000);
}
