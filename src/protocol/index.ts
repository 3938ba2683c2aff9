// The terminal protocol as the SDK and the server share it: the wire types of /device/v1 (enrolment,
// heartbeat and its answer, commands, maintenance steps, packages, configuration, backups, files,
// screen messages, care) and the pure helpers both sides must compute alike (the backup envelope,
// the card-number scan, canonical configuration JSON, a package's signed statement). The SDK
// (src/sdk/) imports from here only — never a service, repository, the database or HTTP layer —
// and the lint rule posfleet/sdk-imports-protocol checks it. Each type is still defined once, in its
// capability's schema file (the server validates with those schemas); this module re-exports it.

// ---- device: enrolment, heartbeat, commands (src/device)
export type { Command, CommandResultInput, EnrolResponse, HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../device/device.schemas.ts';
export type { HardwareFingerprint, KeySlot, TerminalLocation } from '../shared/terminal-security.ts';

// ---- maintenance jobs (src/maintenance, src/shared/job-states.ts)
export type { StepReport } from '../maintenance/maintenance.schemas.ts';
export type { JobState, SelfTestResult, WorkKind } from '../shared/job-states.ts';

// ---- software packages and deployments (src/rollouts)
export type { DeploymentView, FeedbackInput } from '../rollouts/rollouts.schemas.ts';
export type { DeploymentHint } from '../shared/deployment-hint.ts';
export { statementText } from '../rollouts/package-statement.ts';

// ---- configuration (src/configuration)
export type { ConfigurationHint, ConfigurationReport, DeviceConfiguration } from '../configuration/configuration.schemas.ts';
export { canonicalJson, differingParameters, SchemaChecker } from '../configuration/parameters.ts';
export type { ParameterSchema, Values } from '../configuration/parameters.ts';
export { combinedText, hashParts } from '../configuration/hash-parts.ts';

// ---- backups and restores (src/terminal-data)
export type { BackupStart, BackupView, EscrowKeyView, RestoreOffer, RestoreView } from '../terminal-data/terminal-data.schemas.ts';
export { fromBase64, importPublicKey, open, restoreKeyPair, seal, sha256Hex, toBase64 } from '../terminal-data/backup-envelope.ts';
export type { CryptoKey } from '../terminal-data/backup-envelope.ts';
export { findPans, luhnValid } from '../terminal-data/pan-scan.ts';
export type { PanFinding } from '../terminal-data/pan-scan.ts';

// ---- remote assistance: uploaded files, screen messages (src/assistance)
export type { ArtifactStart, ArtifactView, CollectPayload, ScreenMessageView, ShowMessagePayload } from '../assistance/assistance.schemas.ts';

// ---- the merchant's side: care, next maintenance (src/merchant)
export type { CareAnswer, CareHint, DeviceCare, DeviceCareTask, NextMaintenance, ShopNotice } from '../merchant/merchant.schemas.ts';
