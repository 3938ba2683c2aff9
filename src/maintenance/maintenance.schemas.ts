// HTTP shapes of maintenance mode: requests, jobs with their transitions, locks, terminal reports.
import { Type, type Static } from 'typebox';
import { Timestamp } from '../shared/http-schemas.ts';
import { JOB_STATES, WAITING_CODES, WORK_KINDS } from '../shared/job-states.ts';

const Reason = Type.String({ minLength: 1, maxLength: 500 });

export const MaintenanceInput = Type.Object(
  {
    terminalIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 10_000, uniqueItems: true })),
    siteId: Type.Optional(Type.String({ maxLength: 64, description: 'every active terminal of the site' })),
    filter: Type.Optional(Type.Object({
      merchantId: Type.Optional(Type.String({ maxLength: 64 })),
      siteId: Type.Optional(Type.String({ maxLength: 64 })),
      modelId: Type.Optional(Type.String({ maxLength: 64 })),
      tag: Type.Optional(Type.String({ maxLength: 40 })),
      appVersion: Type.Optional(Type.String({ maxLength: 40 })),
      firmwareVersion: Type.Optional(Type.String({ maxLength: 40 })),
    }, { additionalProperties: false })),
    work: Type.Array(Type.Enum(WORK_KINDS), { minItems: 1, uniqueItems: true }),
    reason: Reason,
    plannedStart: Type.Optional(Timestamp),
    expectedMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60 })),
    maxMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60, description: 'the lease: the terminal resumes trading by itself after this' })),
    overrideReason: Type.Optional(Type.String({ minLength: 3, maxLength: 500, description: 'start even if the continuity rule says no; held until a second person approves it (four eyes)' })),
    approvalReason: Type.Optional(Type.String({ maxLength: 500, description: 'with overrideReason: why, for the second person (default: the override reason)' })),
  },
  { additionalProperties: false },
);
export type MaintenanceInput = Static<typeof MaintenanceInput>;

export const SelfTest = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), passed: Type.Boolean(), detail: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

export const Job = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  work: Type.Array(Type.String()),
  reason: Type.String(),
  state: Type.Enum(JOB_STATES),
  plannedStart: Timestamp,
  expectedMinutes: Type.Integer(),
  maxMinutes: Type.Integer(),
  startedAt: Type.Union([Timestamp, Type.Null()]),
  leaseUntil: Type.Union([Timestamp, Type.Null()]),
  endedAt: Type.Union([Timestamp, Type.Null()]),
  waitingReason: Type.Union([Type.String(), Type.Null()]),
  waitingCode: Type.Union([Type.Enum(WAITING_CODES), Type.Null()], { description: 'why a due job has not started yet, as a stable code (waitingReason says it in English)' }),
  overrideReason: Type.Union([Type.String(), Type.Null()]),
  selfTests: Type.Union([Type.Array(SelfTest), Type.Null()]),
  refusedTransactions: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

export const JobWithTransitions = Type.Object({
  ...Job.properties,
  transitions: Type.Array(Type.Object({
    from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), at: Timestamp, actor: Type.String(),
    actorName: Type.Union([Type.String(), Type.Null()]), note: Type.Union([Type.String(), Type.Null()]),
  })),
});

export const JobAction = Type.Object({ note: Type.Optional(Reason) }, { additionalProperties: false });
export const Extend = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }) }, { additionalProperties: false });
/** Why a terminal is locked: by a person, by the tamper rule, or by a relocation case. Lifting any but a manual lock needs four eyes. */
export const LOCK_KINDS = ['manual', 'tamper', 'relocation'] as const;
export type LockKind = (typeof LOCK_KINDS)[number];
export const LockInput = Type.Object({
  reason: Reason,
  kind: Type.Optional(Type.Enum(['manual', 'tamper'] as const, { default: 'manual', description: 'tamper: the terminal may have been tampered with; lifting it needs a second person (four eyes)' })),
}, { additionalProperties: false });
export const UnlockInput = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500, description: 'why it may trade again, e.g. what the inspection found' }) }, { additionalProperties: false });

export const LockView = Type.Object({
  id: Type.String(), kind: Type.Enum(LOCK_KINDS, { description: 'manual: an operator\'s; tamper and relocation: lifting needs four eyes' }), reason: Type.String(), lockedAt: Timestamp, lockedBy: Type.String(),
  liftedAt: Type.Union([Timestamp, Type.Null()]), liftedBy: Type.Union([Type.String(), Type.Null()]), liftReason: Type.Union([Type.String(), Type.Null()]),
});

export const ModeView = Type.Object({
  mode: Type.Enum(['normal', 'maintenance', 'locked']),
  reason: Type.Union([Type.String(), Type.Null()]),
  lockKind: Type.Union([Type.Enum(LOCK_KINDS), Type.Null()], { description: 'the active lock\'s kind (null: not locked)' }),
  maintenance: Type.Union([Type.Object({
    jobId: Type.String(), state: Type.String(), work: Type.Array(Type.String()), expectedEndAt: Timestamp, leaseUntil: Timestamp,
  }), Type.Null()]),
});

/** A terminal's report of one step of its job. */
export const StepReport = Type.Object(
  {
    state: Type.Enum(['in_maintenance', 'restarting', 'verifying', 'failed', 'rolled_back']),
    selfTests: Type.Optional(Type.Array(SelfTest, { maxItems: 50 })),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type StepReport = Static<typeof StepReport>;

const FigureSet = {
  jobs: Type.Object({ total: Type.Integer(), onTime: Type.Integer(), late: Type.Integer(), failed: Type.Integer(), running: Type.Integer(), waiting: Type.Integer() }),
  downtimeMinutes: Type.Integer(),
  refusedTransactions: Type.Integer(),
  estimatedRevenueLost: Type.Record(Type.String(), Type.Integer(), {
    description: 'refused transactions × each terminal\'s average ticket, in minor units per currency (ISO 4217 code → amount); never added up across currencies',
  }),
};

export const FiguresQuery = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const Figures = Type.Object({
  from: Timestamp,
  to: Timestamp,
  merchantId: Type.Optional(Type.String()),
  siteId: Type.Optional(Type.String()),
  total: Type.Object(FigureSet),
  bySite: Type.Array(Type.Object({ siteId: Type.Union([Type.String(), Type.Null()]), ...FigureSet })),
});
