// Wire types of terminal data: backups (the terminal protocol's upload in chunks, the operator's
// list), restores and baselines. Defined once; the server, the SDK and the dashboard import them.
import { Type, type Static } from 'typebox';
import { Instant, PageQuery } from '../shared/http-schemas.ts';

export const BACKUP_KINDS = ['weekly', 'pre_maintenance', 'manual'] as const;
export const BACKUP_STATES = ['uploading', 'stored', 'refused', 'pruned', 'corrupt'] as const;
export const RESTORE_STATES = ['pending', 'confirmed', 'failed', 'cancelled'] as const;
export const RESTORE_REASONS = ['swap', 'factory_reset', 'manual'] as const;
/** Largest chunk a terminal may send (base64 in JSON stays under the 1 MiB body limit). */
export const MAX_CHUNK_BYTES = 512 * 1024;
export const MAX_BACKUP_BYTES = 64 * 1024 * 1024;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the encrypted backup' });
const Base64 = (maxLength: number) => Type.String({ maxLength, pattern: '^[A-Za-z0-9+/]*={0,2}$' });

export const EscrowKeyView = Type.Object({
  keyId: Type.String(),
  algorithm: Type.Literal('RSA-OAEP-256'),
  publicKeySpki: Type.String({ description: 'base64 DER SubjectPublicKeyInfo' }),
});
export type EscrowKeyView = Static<typeof EscrowKeyView>;

export const BackupStart = Type.Object({
  uploadId: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: "the terminal's id for this upload: sending it again resumes the same upload" }),
  kind: Type.Enum(BACKUP_KINDS),
  sha256: Sha256,
  sizeBytes: Type.Integer({ minimum: 1, maximum: MAX_BACKUP_BYTES }),
  chunkSize: Type.Integer({ minimum: 1024, maximum: MAX_CHUNK_BYTES }),
  keyId: Type.String({ minLength: 1, maxLength: 64 }),
  wrappedKey: Base64(2048),
  iv: Base64(32),
  takenAt: Instant(),
  maintenanceJobId: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });
export type BackupStart = Static<typeof BackupStart>;

export const UploadStatus = Type.Object({
  backupId: Type.String(),
  uploadId: Type.String(),
  state: Type.Enum(BACKUP_STATES),
  chunkCount: Type.Integer(),
  /** Chunk indexes the server has: the terminal sends the others. */
  received: Type.Array(Type.Integer()),
});
export type UploadStatus = Static<typeof UploadStatus>;

export const ChunkParams = Type.Object({ uploadId: Type.String({ maxLength: 64 }), index: Type.Integer({ minimum: 0, maximum: 100_000 }) });
export const UploadParams = Type.Object({ uploadId: Type.String({ maxLength: 64 }) });
export const ChunkBody = Type.Object({ data: Base64(Math.ceil(MAX_CHUNK_BYTES / 3) * 4) }, { additionalProperties: false });

export const BackupView = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  kind: Type.Enum(BACKUP_KINDS),
  state: Type.Enum(BACKUP_STATES),
  sha256: Type.String(),
  sizeBytes: Type.Integer(),
  takenAt: Type.String(),
  storedAt: Type.Union([Type.String(), Type.Null()]),
  maintenanceJobId: Type.Union([Type.String(), Type.Null()]),
  refusedReason: Type.Union([Type.String(), Type.Null()]),
  /** Until when retention keeps it (null: kept while it is the newest, or not stored). */
  keptUntil: Type.Union([Type.String(), Type.Null()]),
});
export type BackupView = Static<typeof BackupView>;

export const BackupQuery = Type.Object({
  state: Type.Optional(Type.Enum(BACKUP_STATES)),
  limit: PageQuery.limit,
}, { additionalProperties: false });

export const RestoreView = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  backupId: Type.String(),
  sourceTerminalId: Type.String(),
  reason: Type.Enum(RESTORE_REASONS),
  state: Type.Enum(RESTORE_STATES),
  swapId: Type.Union([Type.String(), Type.Null()]),
  workOrderId: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.String(),
  requestedAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
});
export type RestoreView = Static<typeof RestoreView>;

export const RestoreInput = Type.Object({
  backupId: Type.Optional(Type.String({ maxLength: 64, description: "default: the newest good backup of the source terminal" })),
  sourceTerminalId: Type.Optional(Type.String({ maxLength: 64, description: 'whose backup (default: this terminal)' })),
}, { additionalProperties: false });
export type RestoreInput = Static<typeof RestoreInput>;

// ---- the terminal's side of a restore
export const RestoreOfferRequest = Type.Object({
  /** A one-time RSA-OAEP public key (SPKI, base64) the data key is wrapped for. */
  publicKeySpki: Base64(1024),
  /** The SDK has no saved state (a first start, or after a factory reset): its own newest backup is offered. */
  fresh: Type.Boolean(),
}, { additionalProperties: false });

export const RestoreOffer = Type.Object({
  restore: Type.Union([Type.Null(), Type.Object({
    restoreId: Type.String(),
    reason: Type.Enum(RESTORE_REASONS),
    backupId: Type.String(),
    sourceSerialNumber: Type.String(),
    sha256: Type.String(),
    sizeBytes: Type.Integer(),
    iv: Type.String(),
    /** The data key, wrapped for the key the terminal sent. */
    wrappedKey: Type.String(),
  })]),
});
export type RestoreOffer = Static<typeof RestoreOffer>;

export const RestoreResultInput = Type.Object({
  status: Type.Union([Type.Literal('restored'), Type.Literal('failed')]),
  detail: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type RestoreResultInput = Static<typeof RestoreResultInput>;

// ---- baselines
export const COMPLIANCE_STATES = ['in_baseline', 'waiting', 'drifting', 'failed'] as const;
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];

export const BaselineInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  filter: Type.Object({
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    modelId: Type.Optional(Type.String({ maxLength: 64 })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  }, { additionalProperties: false }),
  appVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  firmwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  configurationVersion: Type.Optional(Type.Integer({
    minimum: 1, description: "a version of the configuration of the saved configuration group with the same filter (POST /api/v1/configuration/groups): its terminals must run their effective configuration with at least that version",
  })),
}, { additionalProperties: false });
export type BaselineInput = Static<typeof BaselineInput>;

/** A baseline's changes: what is given replaces what it had (`null` removes a version). */
export const BaselinePatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  filter: Type.Optional(BaselineInput.properties.filter),
  appVersion: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  firmwareVersion: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  configurationVersion: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
}, { additionalProperties: false, minProperties: 1 });
export type BaselinePatch = Static<typeof BaselinePatch>;

export const BaselineView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  filter: Type.Object({
    merchantId: Type.Union([Type.String(), Type.Null()]), siteId: Type.Union([Type.String(), Type.Null()]),
    modelId: Type.Union([Type.String(), Type.Null()]), tag: Type.Union([Type.String(), Type.Null()]),
  }),
  appVersion: Type.Union([Type.String(), Type.Null()]),
  firmwareVersion: Type.Union([Type.String(), Type.Null()]),
  /** The version of the same-filter configuration group its terminals must run (applied). */
  configurationVersion: Type.Union([Type.Integer(), Type.Null()]),
  counts: Type.Object({ in_baseline: Type.Integer(), waiting: Type.Integer(), drifting: Type.Integer(), failed: Type.Integer(), total: Type.Integer() }),
  createdBy: Type.String(),
  createdAt: Type.String(),
});
export type BaselineView = Static<typeof BaselineView>;

export const BaselineTerminal = Type.Object({
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  appVersion: Type.Union([Type.String(), Type.Null()]),
  firmwareVersion: Type.Union([Type.String(), Type.Null()]),
  /** The configuration group's version the terminal runs (null: not its effective configuration, or unknown). */
  configurationVersion: Type.Union([Type.Integer(), Type.Null()]),
  state: Type.Enum(COMPLIANCE_STATES),
  why: Type.String(),
});
export type BaselineTerminal = Static<typeof BaselineTerminal>;

export const BaselineCompliance = Type.Object({
  baseline: BaselineView,
  terminals: Type.Array(BaselineTerminal),
});
