// Server configuration: read once from the environment (the CLI maps its flags onto the same names).
import { parseKinds, type ApprovalKind } from './approvals/approvals.rules.ts';
import { NetworkPolicy } from './shared/network-policy.ts';
import { PASSWORD_HASH_COST } from './access/passwords.ts';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  adminToken: string | undefined;
  /** Seconds between heartbeats that terminals are told to use. */
  heartbeatIntervalSeconds: number;
  /** A terminal is offline after this many intervals without a heartbeat. */
  offlineAfterMissedHeartbeats: number;
  /** Heartbeat history older than this is pruned by a background job. */
  heartbeatRetentionDays: number;
  /** How often the job runner looks for due jobs. */
  jobPollMs: number;
  /** A claimed background job is held this long (renewed while it runs): after a node dies, another takes its jobs over this much later. */
  jobLeaseSeconds: number;
  /** The history of background job runs (one row per run, ~33,000 a day) is kept this long. */
  jobRunRetentionDays: number;
  /** How often the offline sweep runs (it records online → offline transitions). */
  offlineSweepSeconds: number;
  /** SQLite durability: FULL fsyncs every group commit, NORMAL survives a process crash but not power loss. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** PostgreSQL: the heartbeat path's statements prepared once per connection (off behind PgBouncer's transaction mode before 1.21). */
  postgresPreparedStatements: boolean;
  logLevel: string;
  /** Operator passwords older than this must be changed at sign-in (PCI DSS 8.3.9); 0 turns it off. */
  passwordMaxAgeDays: number;
  /** Failed sign-ins in a row that lock an account (PCI DSS 8.3.4: at most 10) ... */
  maxFailedLogins: number;
  /** ... and for how long (at least 30 minutes). */
  lockoutMinutes: number;
  sessionHours: number;
  /**
   * scrypt's cost N for new password hashes (32768: ~100 ms of CPU each). Not an environment setting:
   * only the test harness lowers it (test/support), so no server runs with weak hashes by mistake.
   */
  passwordHashCost: number;
  /** Audit entries are kept at least this long (PCI DSS 10.5.1: 12 months). */
  auditRetentionDays: number;
  /** PEM files: with both, PosFleet serves HTTPS. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Mark session cookies Secure (always with TLS; set when TLS ends at a proxy). */
  cookieSecure: boolean;
  trustProxy: boolean;
  /** SMTP server for e-mail notifications, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@mail.example.com. */
  smtpUrl: string | undefined;
  /** Sender of e-mail notifications. */
  mailFrom: string;
  /** Attempts at a notification (e-mail or webhook) before it is parked for an operator to replay. */
  notificationMaxAttempts: number;
  /** How long a webhook receiver has to answer one attempt. */
  webhookTimeoutMs: number;
  /** Special-use networks (loopback, private, link-local, ...) webhook receivers may still be on, e.g. ["10.0.0.0/8"]. */
  webhookAllowedNetworks: string[];
  /** POI devices are inspected for tampering and substitution at least this often (PCI DSS 9.5.1.2). */
  inspectionIntervalDays: number;
  /** Terminal passwords reported older than this are a compliance gap; 0 turns the check off. */
  terminalPasswordMaxAgeDays: number;
  /** Where files are kept (inspection photos under inspections/); shared storage when several nodes run. */
  dataDir: string;
  /** Enrolment attempts per minute from one address: codes have ~40 bits, so guessing stays hopeless. */
  enrolRateLimitPerMinute: number;
  /** How often due maintenance jobs are started and expired leases settled. */
  maintenanceTickSeconds: number;
  /** PEM (PKCS#8 RSA) private key of the backup escrow key; unset: generated under DATA_DIR/secrets/ on first start. */
  backupEscrowKeyFile: string | undefined;
  /** 32 random bytes (base64) that encrypt secret configuration values at rest; unset: generated under DATA_DIR/secrets/. */
  configurationSecretKeyFile: string | undefined;
  /** PEM (PKCS#8 Ed25519) private key that signs case-export bundles; unset: generated under DATA_DIR/secrets/ on first use. */
  caseExportKeyFile: string | undefined;
  /** Days a terminal's uploaded logs and screenshots are kept (ASSISTANCE_FILE_RETENTION_DAYS). */
  assistanceFileRetentionDays: number;
  /** Runs on one model before a guide reorders its steps, or flags a step that never helped (GUIDE_LEARNING_MIN_RUNS). */
  guideLearningMinRuns: number;
  /** Minutes ahead of planned maintenance at which merchants are told, e.g. "1440,60". */
  announceLeadMinutes: number[];
  /** How often a merchant may move one planned maintenance job, and how far (hours after its first planned start). */
  maintenanceMovesMax: number;
  maintenanceMoveMaxHours: number;
  /** A security update must be done within this many hours of its first planned start: no move may pass it. */
  securityDeadlineHours: number;
  /** Hours after its due date by which an open work order is escalated (SLA). */
  workOrderSlaHours: number;
  /** Hours before its due date a work order is announced as due. */
  workOrderDueSoonHours: number;
  /** While a terminal or site stays offline, its incident is notified again this often ... */
  offlineReminderMinutes: number;
  /** ... at most this many times. */
  offlineMaxReminders: number;
  /** Largest package (application, firmware, ...) that can be uploaded. */
  maxPackageMb: number;
  /** The address terminals reach this server at, for download links in deployments (empty: links relative to the request). */
  publicUrl: string;
  /** The hawkBit tenant name hawkBit clients use in their URLs (DDI API). */
  ddiTenant: string;
  /** How long hawkBit clients are told to sleep between polls. */
  ddiPollSeconds: number;
  /** How often campaigns are moved on (waves started, judged, halted). */
  rolloutTickSeconds: number;
  /** A terminal on another configuration than its effective one this long opens a configuration_drift incident. */
  configurationDriftGraceMinutes: number;
  /** Evaluate the fault rules on every heartbeat batch (DIAGNOSTIC_RULES=off turns them off, e.g. to measure their cost). */
  diagnosticRules: boolean;
  /** Operations a second person must approve (four eyes): FOUR_EYES=all (default), off, or a list of kinds. */
  fourEyes: ApprovalKind[];
  /** A campaign to more than this many terminals needs a second person. */
  fourEyesCampaignTerminals: number;
  /** A four-eyes request nobody decided within this many hours expires. */
  approvalExpiryHours: number;
  /** SQLite: write heartbeat batches in a thread of their own (HEARTBEAT_WRITER_THREAD=off: on the event loop, to compare). */
  heartbeatWriterThread: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL ?? './data/posfleet.db',
    adminToken: env.POSFLEET_ADMIN_TOKEN || undefined,
    heartbeatIntervalSeconds: integer(env, 'HEARTBEAT_INTERVAL_SECONDS', 60, 1, 86_400),
    offlineAfterMissedHeartbeats: integer(env, 'OFFLINE_AFTER_MISSED_HEARTBEATS', 3, 1, 1000),
    heartbeatRetentionDays: integer(env, 'HEARTBEAT_RETENTION_DAYS', 90, 1, 3650),
    jobPollMs: integer(env, 'POSFLEET_JOB_POLL_MS', 1000, 10, 60_000),
    jobLeaseSeconds: integer(env, 'JOB_LEASE_SECONDS', 60, 1, 3600),
    jobRunRetentionDays: integer(env, 'JOB_RUN_RETENTION_DAYS', 7, 1, 3650),
    offlineSweepSeconds: integer(env, 'OFFLINE_SWEEP_SECONDS', 15, 1, 3600),
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
    postgresPreparedStatements: env.POSTGRES_PREPARED_STATEMENTS !== 'off',
    logLevel: env.LOG_LEVEL ?? 'info',
    passwordMaxAgeDays: integer(env, 'PASSWORD_MAX_AGE_DAYS', 90, 0, 3650),
    maxFailedLogins: integer(env, 'MAX_FAILED_LOGINS', 6, 1, 10),
    lockoutMinutes: integer(env, 'LOCKOUT_MINUTES', 30, 30, 24 * 60),
    sessionHours: integer(env, 'SESSION_HOURS', 12, 1, 24 * 30),
    passwordHashCost: PASSWORD_HASH_COST,
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 400, 366, 36_500),
    tlsCertFile: env.TLS_CERT_FILE || undefined,
    tlsKeyFile: env.TLS_KEY_FILE || undefined,
    cookieSecure: env.COOKIE_SECURE === 'true',
    trustProxy: env.TRUST_PROXY === 'true',
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'PosFleet <posfleet@localhost>',
    notificationMaxAttempts: integer(env, 'NOTIFICATION_MAX_ATTEMPTS', 10, 1, 50),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookAllowedNetworks: networkList(env, 'WEBHOOK_ALLOWED_NETWORKS'),
    inspectionIntervalDays: integer(env, 'INSPECTION_INTERVAL_DAYS', 90, 1, 3650),
    terminalPasswordMaxAgeDays: integer(env, 'TERMINAL_PASSWORD_MAX_AGE_DAYS', 90, 0, 3650),
    dataDir: env.DATA_DIR || './data',
    backupEscrowKeyFile: env.BACKUP_ESCROW_KEY_FILE || undefined,
    configurationSecretKeyFile: env.CONFIGURATION_SECRET_KEY_FILE || undefined,
    caseExportKeyFile: env.CASE_EXPORT_KEY_FILE || undefined,
    assistanceFileRetentionDays: integer(env, 'ASSISTANCE_FILE_RETENTION_DAYS', 30, 1, 3650),
    guideLearningMinRuns: integer(env, 'GUIDE_LEARNING_MIN_RUNS', 30, 1, 100_000),
    enrolRateLimitPerMinute: integer(env, 'ENROL_RATE_LIMIT_PER_MINUTE', 6000, 1, 1_000_000),
    maintenanceTickSeconds: integer(env, 'MAINTENANCE_TICK_SECONDS', 5, 1, 3600),
    announceLeadMinutes: minutesList(env, 'ANNOUNCE_LEAD_MINUTES', [1440, 60]),
    maintenanceMovesMax: integer(env, 'MAINTENANCE_MOVES_MAX', 2, 0, 100),
    maintenanceMoveMaxHours: integer(env, 'MAINTENANCE_MOVE_MAX_HOURS', 72, 1, 24 * 90),
    securityDeadlineHours: integer(env, 'SECURITY_DEADLINE_HOURS', 48, 1, 24 * 90),
    workOrderSlaHours: integer(env, 'WORK_ORDER_SLA_HOURS', 48, 1, 24 * 365),
    workOrderDueSoonHours: integer(env, 'WORK_ORDER_DUE_SOON_HOURS', 24, 0, 24 * 365),
    offlineReminderMinutes: integer(env, 'OFFLINE_REMINDER_MINUTES', 60, 1, 7 * 24 * 60),
    offlineMaxReminders: integer(env, 'OFFLINE_MAX_REMINDERS', 5, 0, 100),
    diagnosticRules: env.DIAGNOSTIC_RULES !== 'off',
    heartbeatWriterThread: env.HEARTBEAT_WRITER_THREAD !== 'off',
    maxPackageMb: integer(env, 'MAX_PACKAGE_MB', 1024, 1, 1024 * 1024),
    publicUrl: (env.PUBLIC_URL ?? '').replace(/\/+$/, ''),
    ddiTenant: env.DDI_TENANT || 'DEFAULT',
    ddiPollSeconds: integer(env, 'DDI_POLL_SECONDS', integer(env, 'HEARTBEAT_INTERVAL_SECONDS', 60, 1, 86_400), 1, 86_400),
    rolloutTickSeconds: integer(env, 'ROLLOUT_TICK_SECONDS', 10, 1, 3600),
    configurationDriftGraceMinutes: integer(env, 'CONFIGURATION_DRIFT_GRACE_MINUTES', 30, 1, 10_080),
    fourEyes: parseKinds(env.FOUR_EYES),
    fourEyesCampaignTerminals: integer(env, 'FOUR_EYES_CAMPAIGN_TERMINALS', 500, 0, 10_000_000),
    approvalExpiryHours: integer(env, 'APPROVAL_EXPIRY_HOURS', 24, 1, 24 * 30),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function minutesList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 43_200)) throw new Error(`${name} must be a comma-separated list of minutes (1–43200), got "${raw}"`);
  return values;
}

function networkList(env: NodeJS.ProcessEnv, name: string): string[] {
  const entries = (env[name] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  try {
    new NetworkPolicy(entries);
  } catch (error) {
    throw new Error(`${name} must be a comma-separated list of IP networks: ${(error as Error).message}`);
  }
  return entries;
}

/** Seconds of silence after which a terminal counts as offline. */
export function offlineAfterSeconds(config: Pick<Config, 'heartbeatIntervalSeconds' | 'offlineAfterMissedHeartbeats'>): number {
  return config.heartbeatIntervalSeconds * config.offlineAfterMissedHeartbeats;
}
