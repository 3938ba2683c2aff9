// The terminal protocol's shapes (/device/v1) and the operator's view of terminal health.
import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { DeploymentHint } from '../shared/deployment-hint.ts';
import { SERIAL } from '../shared/patterns.ts';
import { ConfigurationHint, ConfigurationReport } from '../configuration/configuration.schemas.ts';
import { CareHint, CareReport, NextMaintenance, ShopNotices } from '../merchant/merchant.schemas.ts';
import { HardwareFingerprint, KeySlots, TerminalLocation } from '../shared/terminal-security.ts';

export const MODES = ['normal', 'maintenance', 'locked'] as const;
export const COMMAND_TYPES = ['reboot', 'self_test', 'sync_time', 'collect_logs', 'rotate_password', 'screenshot'] as const;
/** Commands only a capability queues (with the record they belong to), never sent bare: a screen message. */
export const INTERNAL_COMMAND_TYPES = ['show_message'] as const;

const Count = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const ReaderCounts = Type.Object({ attempts: Count, failures: Count });

export const EnrolRequest = Type.Object(
  {
    serialNumber: Type.String({ pattern: SERIAL }),
    code: Type.String({ minLength: 4, maxLength: 32 }),
    requestId: Type.Optional(Type.String({
      minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$',
      description: 'random, the same on every retry of one enrolment: a retry (its answer was lost) takes no second use of the code',
    })),
    hardware: Type.Optional(HardwareFingerprint),
  },
  { additionalProperties: false },
);
export type EnrolRequest = Static<typeof EnrolRequest>;

export const EnrolResponse = Type.Object({
  terminalId: Type.String(),
  credential: Type.String({ description: 'bearer credential for every other device call; shown once' }),
  heartbeatIntervalSeconds: Type.Integer(),
  lastSeq: Type.Integer({ description: 'highest heartbeat sequence number stored for this terminal' }),
});
export type EnrolResponse = Static<typeof EnrolResponse>;

/** What a terminal reports about itself. Unknown extra fields are kept, for newer SDKs. */
export const HeartbeatReport = Type.Object({
  seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'increases with every new heartbeat; a retry repeats it' }),
  sentAt: Timestamp,
  appVersion: Type.String({ minLength: 1, maxLength: 40 }),
  firmwareVersion: Type.String({ minLength: 1, maxLength: 40 }),
  battery: Type.Optional(Type.Object({
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    health: Type.Number({ minimum: 0, maximum: 100, description: 'capacity left, % of design' }),
    charging: Type.Boolean(),
    cycleCount: Count,
  })),
  printer: Type.Optional(Type.Object({
    paper: Type.Union([Type.Literal('ok'), Type.Literal('low'), Type.Literal('out')]),
    jam: Type.Boolean(),
    coverOpen: Type.Boolean(),
    receipts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'receipts printed since the previous heartbeat (a wear meter of preventive maintenance)' })),
    rollReceipts: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'receipts printed since the paper roll was changed (the receipts meter the paper forecast reads)' })),
  })),
  cardReader: Type.Object({
    chip: Type.Optional(ReaderCounts),
    swipe: Type.Optional(ReaderCounts),
    contactless: Type.Optional(ReaderCounts),
  }, { description: 'attempts and failures since the previous heartbeat' }),
  network: Type.Object({
    type: Type.Union([Type.Literal('ethernet'), Type.Literal('wifi'), Type.Literal('cellular')]),
    signalDbm: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })),
    latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: 600_000 })),
  }),
  storageFreeMb: Type.Number({ minimum: 0 }),
  temperatureC: Type.Number({ minimum: -60, maximum: 150 }),
  uptimeSeconds: Type.Integer({ minimum: 0 }),
  tamper: Type.Boolean(),
  crashes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'application crashes since the previous heartbeat' })),
  security: Type.Object({
    passwordChangedAt: Type.Union([Timestamp, Type.Null()]),
    pinEntryEnabled: Type.Boolean(),
    encryptionEnabled: Type.Boolean(),
  }),
  transactions: Type.Object({
    count: Count,
    amountMinor: Type.Integer({ minimum: 0, description: 'sum in minor units (fen, cents) since the previous heartbeat' }),
    refused: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'attempts refused because the terminal was not in service' })),
    failed: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'transactions that failed for a technical reason (not declined by the issuer)' })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    refunds: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'refunds since the previous heartbeat (suspicious-trading rules)' })),
    manualEntries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'sales whose card number was keyed in by hand since the previous heartbeat' })),
  }),
  configuration: Type.Optional(ConfigurationReport),
  care: Type.Optional(CareReport),
  hardware: Type.Optional(HardwareFingerprint),
  location: Type.Optional(TerminalLocation),
  keys: Type.Optional(KeySlots),
});
export type HeartbeatReport = Static<typeof HeartbeatReport>;

export const PendingCommand = Type.Object({
  id: Type.String(),
  type: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});
export type PendingCommand = Static<typeof PendingCommand>;

export const HeartbeatAnswer = Type.Object({
  seq: Type.Integer(),
  duplicate: Type.Boolean({ description: 'true when this seq was already stored: nothing changed' }),
  mode: Type.Enum(MODES),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'why the terminal is in maintenance or locked' }),
  maintenance: Type.Union([Type.Object({
    jobId: Type.String(),
    state: Type.String(),
    work: Type.Array(Type.String()),
    expectedEndAt: Timestamp,
    leaseUntil: Timestamp,
  }, { description: 'the job to carry out; without confirmation by leaseUntil the terminal rolls back and trades again' }), Type.Null()]),
  deployment: Type.Union([DeploymentHint, Type.Null()], {
    description: 'a software update for this terminal: GET /device/v1/deployments/{actionId}, download ahead, install when allowed',
  }),
  commands: Type.Array(PendingCommand),
  configuration: ConfigurationHint,
  care: Type.Optional(CareHint),
  nextMaintenance: Type.Optional(NextMaintenance),
  notices: Type.Optional(ShopNotices),
  heartbeatIntervalSeconds: Type.Integer(),
  serverTime: Timestamp,
});
export type HeartbeatAnswer = Static<typeof HeartbeatAnswer>;

export const CommandResultInput = Type.Object(
  {
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    output: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CommandResultInput = Static<typeof CommandResultInput>;

// ---- operator side
export const EnrolmentCodeInput = Type.Object(
  {
    serialNumber: Type.Optional(Type.String({ pattern: SERIAL, description: 'bind the code to one pre-registered terminal' })),
    siteId: Type.Optional(Type.String({ maxLength: 64, description: 'site for terminals first seen through this code' })),
    modelId: Type.Optional(Type.String({ maxLength: 64, description: 'model for terminals first seen through this code' })),
    uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    expiresInMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 * 24 * 30, default: 60 * 24 })),
  },
  { additionalProperties: false },
);
export type EnrolmentCodeInput = Static<typeof EnrolmentCodeInput>;

export const EnrolmentCode = Type.Object({
  id: Type.String(),
  code: Type.String({ description: 'shown once' }),
  terminalId: Type.Union([Type.String(), Type.Null()]),
  siteId: Type.Union([Type.String(), Type.Null()]),
  modelId: Type.Union([Type.String(), Type.Null()]),
  usesLeft: Type.Integer(),
  expiresAt: Timestamp,
});

export const TerminalHealth = Type.Object({
  terminalId: Type.String(),
  seq: Type.Integer(),
  online: Type.Boolean(),
  lastSeenAt: Timestamp,
  offlineSince: Type.Union([Timestamp, Type.Null()]),
  report: Type.Unknown(),
});

export const HeartbeatHistoryQuery = Type.Object(
  {
    ...PageQuery,
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type HeartbeatHistoryQuery = Static<typeof HeartbeatHistoryQuery>;

export const HeartbeatRecord = Type.Object({ seq: Type.Integer(), receivedAt: Timestamp, report: Type.Unknown() });

export const CommandInput = Type.Object(
  {
    type: Type.Enum(COMMAND_TYPES),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CommandInput = Static<typeof CommandInput>;

export const Command = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  type: Type.String(),
  payload: Type.Unknown(),
  status: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  completedAt: Type.Union([Timestamp, Type.Null()]),
  result: Type.Unknown(),
});
export type Command = Static<typeof Command>;

// ---- one command to chosen terminals (the terminals list's selection)
export const BulkCommandInput = Type.Object(
  {
    terminalIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'the chosen terminals (at most 1,000)' }),
    type: Type.Enum(COMMAND_TYPES),
  },
  { additionalProperties: false },
);
export type BulkCommandInput = Static<typeof BulkCommandInput>;

export const BulkCommandResult = Type.Object({
  items: Type.Array(Type.Object({
    terminalId: Type.String(),
    outcome: Type.Enum(['queued', 'already_queued', 'not_found'] as const, { description: 'already_queued: the same command waits for the terminal already (nothing added)' }),
    commandId: Type.Union([Type.String(), Type.Null()]),
  }), { description: 'one per terminal, in the order given' }),
});
export type BulkCommandResult = Static<typeof BulkCommandResult>;
