// The terminal SDK's public surface: what a POS application imports (`import { PosFleetTerminal } from
// 'posfleet/sdk'`, the package's `exports` entry). Only the SDK's own API and the protocol's wire types:
// no server module, and no test double (an in-memory package store for simulators stays in updates.ts).
export { PosFleetError } from './errors.ts';
export { clockTime, leaseDeadline, msUntil, selfTestsPassed, transactionMessage } from './maintenance-rules.ts';
export type { ExpectedEnd, Locale, TerminalMode } from './maintenance-rules.ts';
export { DEFAULT_HANDLERS } from './maintenance-job.ts';
export type {
  JobContext, JobEnding, JobPhase, MaintenanceEvent, MaintenanceHandlers, PendingReport, SavedJob, SelfTestResult, StepState, WorkKind,
} from './maintenance-job.ts';
export type { Timers } from './timers.ts';
export { PosFleetTerminal } from './terminal-client.ts';
export type { CallOptions, HeartbeatContent, SavedState, StartOptions, TerminalClientOptions, TerminalStatus } from './client-options.ts';
export { backoffDelayMs } from './transport.ts';
export type { FetchLike, RetryPolicy } from './transport.ts';
export type { HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../protocol/index.ts';
export type { HardwareFingerprint, KeySlot, TerminalLocation } from '../protocol/index.ts';
export { UpdateAgent, verifySignature } from './updates.ts';
export { ConfigurationAgent, configurationHashOf } from './configuration.ts';
export type { ConfigurationEvent, ConfigurationHandlers } from './configuration.ts';
export type { Deployment, DeploymentPackage, PackageStorage, UpdateEvent, UpdateHandlers } from './updates.ts';
export { BackupAgent, CardDataInBackupError } from './backups.ts';
export type { BackupEvent, BackupHandlers, BackupKind, RestoredData, TerminalData } from './backups.ts';
export { findPans, luhnValid } from '../protocol/index.ts';
export type { PanFinding } from '../protocol/index.ts';
export { CareAgent, maintenanceNotice, startsTomorrow } from './care.ts';
export type { CareEvent, CareTask } from './care.ts';
export type { CareAnswer, NextMaintenance } from '../protocol/index.ts';
export { AssistanceAgent, cappedLogs, gzip } from './assistance.ts';
export type { AssistanceEvent, AssistanceHandlers, ScreenMessage } from './assistance.ts';
