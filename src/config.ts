// Server configuration: read once from the environment (the CLI maps its flags onto the same names).

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
  /** How often the offline sweep runs (it records online → offline transitions). */
  offlineSweepSeconds: number;
  /** SQLite durability: FULL fsyncs every group commit, NORMAL survives a process crash but not power loss. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: string;
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
    offlineSweepSeconds: integer(env, 'OFFLINE_SWEEP_SECONDS', 15, 1, 3600),
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
    logLevel: env.LOG_LEVEL ?? 'info',
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

/** Seconds of silence after which a terminal counts as offline. */
export function offlineAfterSeconds(config: Pick<Config, 'heartbeatIntervalSeconds' | 'offlineAfterMissedHeartbeats'>): number {
  return config.heartbeatIntervalSeconds * config.offlineAfterMissedHeartbeats;
}
