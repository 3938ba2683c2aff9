// The SDK's agents — backups, software updates, configuration, the staff's care tasks, remote assistance —
// built from the application's options over one authorised port to the server, and the work of a
// maintenance job composed from them: a backup first, then the update and the configuration it
// brings, then the application's own work.
import { AssistanceAgent } from './assistance.ts';
import { BackupAgent } from './backups.ts';
import { CareAgent } from './care.ts';
import type { TerminalClientOptions } from './client-options.ts';
import { ConfigurationAgent } from './configuration.ts';
import { DEFAULT_HANDLERS, type MaintenanceHandlers } from './maintenance-job.ts';
import type { Timers } from './timers.ts';
import { UpdateAgent } from './updates.ts';

/** The server as the agents reach it: with this terminal's credential, retried, a 401 revoking it. */
export interface DevicePort {
  getJson<T>(path: string, signal?: AbortSignal): Promise<T>;
  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  putJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** A GET read as it comes (downloads): no retry. */
  fetchRaw(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<Response>;
}

export interface Agents {
  backups: BackupAgent | undefined;
  updates: UpdateAgent | undefined;
  care: CareAgent;
  assistance: AssistanceAgent | undefined;
  configuration: ConfigurationAgent | undefined;
  /** The application's maintenance handlers, its `perform` preceded by the agents' part of the job. */
  handlers: MaintenanceHandlers;
}

export function createAgents(
  port: DevicePort,
  options: TerminalClientOptions,
  env: {
    serialNumber: string;
    now: () => Date;
    timers: Timers;
    /** Reports a command's result (assistance commands are answered by the SDK). */
    reportResult: (commandId: string, status: 'succeeded' | 'failed', output: Record<string, unknown>) => Promise<unknown>;
  },
): Agents {
  const backups = options.backups && new BackupAgent({
    getJson: (path) => port.getJson(path), postJson: (path, body) => port.postJson(path, body), putJson: (path, body) => port.putJson(path, body),
    fetchRaw: (path) => port.fetchRaw(path),
    serialNumber: env.serialNumber,
    now: env.now,
  }, options.backups, options.onBackup);
  const updates = options.updates && new UpdateAgent({
    getJson: (path, signal) => port.getJson(path, signal), postJson: (path, body, signal) => port.postJson(path, body, signal),
    fetchRaw: (path, headers, signal) => port.fetchRaw(path, headers, signal),
    timers: env.timers,
  }, options.updates, options.onUpdate, (error) => options.onError?.(error));
  const care = new CareAgent((path) => port.getJson(path), env.now, options.onCare, options.careAnswers);
  const assistance = (options.assistance || options.onMessage) ? new AssistanceAgent({
    postJson: (path, body) => port.postJson(path, body), putJson: (path, body) => port.putJson(path, body),
    reportResult: env.reportResult,
    now: env.now,
  }, options.assistance ?? {}, options.onMessage, options.onAssistance) : undefined;
  const configuration = options.configuration && new ConfigurationAgent((path) => port.getJson(path), options.configuration, options.onConfiguration);

  const handlers = { ...DEFAULT_HANDLERS, ...options.maintenance };
  const perform = handlers.perform;
  // Every job's work begins with a backup of the terminal's data (a failed backup fails the job, which
  // rolls back: nothing is changed without one); an update job then installs the offered package
  // and takes the configuration a configuration campaign gives inside the job, and the application's
  // own work follows.
  if (updates || backups || configuration) {
    handlers.perform = async (work, context) => {
      if (backups) await backups.backup('pre_maintenance', context.jobId);
      if (updates && (work.includes('update') || work.includes('upgrade'))) await updates.installInJob(context.signal, context.jobId);
      if (configuration && work.includes('update')) await configuration.applyInJob((path, body) => port.postJson(path, body, context.signal));
      await perform(work, context);
    };
  }
  return { backups, updates, care, assistance, configuration, handlers };
}
