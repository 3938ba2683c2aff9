// HTTP shapes of diagnostics: incidents, self-tests, suspicious activity, thresholds, posture, guides.
import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { RULES, SEVERITIES } from './heartbeat.rules.ts';
import { CASE_STATUSES } from './suspicious-cases.ts';

const Localised = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const Locale = Type.Enum(['zh-CN', 'en'] as const);
export const Note = Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) }, { additionalProperties: false });

export const IncidentQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Enum(['open', 'acknowledged', 'resolved', 'unresolved'] as const, { description: 'unresolved: open or acknowledged' })),
    rule: Type.Optional(Type.Enum(RULES)),
    terminalId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    severity: Type.Optional(Type.Enum(SEVERITIES)),
    olderThanHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 365, description: 'first seen at least this many hours ago' })),
    sort: Type.Optional(Type.Enum(['newest', 'severity'] as const, { default: 'newest', description: 'severity: the worst first, then the oldest first (what waited longest)' })),
  },
  { additionalProperties: false },
);
export type IncidentQuery = Static<typeof IncidentQuery>;

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const Incident = Type.Object({
  id: Type.String(),
  terminalId: Nullable(Type.String()),
  siteId: Nullable(Type.String()),
  merchantId: Nullable(Type.String()),
  rule: Type.String(),
  title: Localised,
  severity: Type.Enum(SEVERITIES),
  status: Type.Enum(INCIDENT_STATUSES),
  detail: Type.Record(Type.String(), Type.Unknown()),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  acknowledgedAt: Nullable(Timestamp),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Timestamp),
  resolvedBy: Nullable(Type.String()),
  resolution: Nullable(Type.String()),
  notifiedCount: Type.Integer(),
  guideId: Nullable(Type.String({ description: 'the troubleshooting guide for this kind of incident' })),
});

export const IncidentWithEvidence = Type.Object({
  ...Incident.properties,
  selfTests: Type.Array(Type.Object({
    commandId: Type.String(), parts: Type.Array(Type.String()), requestedAt: Timestamp, requestedBy: Type.String(),
    status: Type.String(), completedAt: Nullable(Timestamp), report: Type.Unknown({ description: 'the structured result the terminal reported' }),
  })),
  suspiciousReports: Type.Array(Type.Object({
    id: Type.String({ description: 'the case: see /suspicious-cases/{id}' }), what: Type.String(), occurredAt: Timestamp, reportedBy: Type.String(), reportedAt: Timestamp,
    status: Type.Enum(CASE_STATUSES), ownerId: Nullable(Type.String()),
  })),
});

export const SELF_TEST_PARTS = ['printer', 'card_reader', 'network', 'battery'] as const;
export const SelfTestInput = Type.Object(
  { parts: Type.Optional(Type.Array(Type.Enum(SELF_TEST_PARTS), { minItems: 1, uniqueItems: true, description: 'printer test page, card-reader test, network test, battery report; all when omitted' })) },
  { additionalProperties: false },
);
export type SelfTestInput = Static<typeof SelfTestInput>;

export const SuspiciousActivityInput = Type.Object(
  {
    what: Type.String({ minLength: 3, maxLength: 2000, description: 'what was seen, in the reporter\'s words' }),
    occurredAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type SuspiciousActivityInput = Static<typeof SuspiciousActivityInput>;

export const SuspiciousReport = Type.Object({
  id: Type.String(), incidentId: Type.String(), terminalId: Type.String(), what: Type.String(), occurredAt: Timestamp, reportedBy: Type.String(), reportedAt: Timestamp,
});

// ---- suspicious-activity cases
export const CaseListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Enum([...CASE_STATUSES, 'unclosed'] as const, { description: 'unclosed: open or investigating' })),
    terminalId: Type.Optional(Type.String({ maxLength: 64 })),
    ownerId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type CaseListQuery = Static<typeof CaseListQuery>;

export const CaseAssignInput = Type.Object(
  { ownerId: Type.String({ minLength: 1, maxLength: 64, description: 'a user who handles incidents (admin, operator or support)' }), note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false },
);
export type CaseAssignInput = Static<typeof CaseAssignInput>;

export const CaseStatusInput = Type.Object(
  {
    status: Type.Enum(CASE_STATUSES, { description: 'open → investigating → resolved | dismissed; closed cases stay closed' }),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'required to resolve or dismiss' })),
  },
  { additionalProperties: false },
);
export type CaseStatusInput = Static<typeof CaseStatusInput>;

export const SuspiciousCase = Type.Object({
  id: Type.String({ description: 'the report\'s id: each report is a case' }),
  incidentId: Type.String(), terminalId: Type.String(), serialNumber: Type.String(), siteId: Nullable(Type.String()), merchantId: Nullable(Type.String()),
  what: Type.String(), occurredAt: Timestamp, reportedBy: Type.String(), reportedAt: Timestamp,
  status: Type.Enum(CASE_STATUSES), ownerId: Nullable(Type.String()), ownerName: Nullable(Type.String()), updatedAt: Timestamp,
});
export const SuspiciousCaseWithHistory = Type.Object({
  ...SuspiciousCase.properties,
  history: Type.Array(Type.Object({
    at: Timestamp, actor: Type.String(),
    changes: Type.Record(Type.String(), Type.Unknown(), { description: 'field → [before, after], e.g. status: ["open", "investigating"]' }),
    note: Nullable(Type.String()),
  })),
});

// ---- health scores
export const HealthScoreQuery = Type.Object(
  {
    terminalId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false, description: 'at most one; none: everything in the caller\'s scope' },
);
export type HealthScoreQuery = Static<typeof HealthScoreQuery>;

export const HealthScore = Type.Object({
  subject: Type.Object({ kind: Type.Enum(['terminal', 'site', 'merchant', 'fleet'] as const), id: Nullable(Type.String()) }),
  score: Type.Integer({ minimum: 0, maximum: 100, description: '100 minus the points its open incidents take off (critical 40, high 20, medium 10, low 5 per terminal), averaged over its terminals' }),
  terminals: Type.Integer({ description: 'terminals in service it averages over' }),
  contributions: Type.Array(Type.Object({
    incidentId: Type.String(), rule: Type.String(), title: Localised, severity: Type.String(), terminalId: Nullable(Type.String()), siteId: Nullable(Type.String()),
    points: Type.Integer({ description: 'points taken off each terminal it concerns' }),
    impact: Type.Number({ description: 'points taken off this score' }),
  })),
});

export const TerminalScoresQuery = Type.Object(
  {
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  { additionalProperties: false },
);
export type TerminalScoresQuery = Static<typeof TerminalScoresQuery>;
export const TerminalScores = Type.Object({
  items: Type.Array(Type.Object({ terminalId: Type.String(), serialNumber: Type.String(), siteId: Nullable(Type.String()), score: Type.Integer(), incidents: Type.Integer() }), { description: 'terminals scoring below 100, lowest first' }),
});

// ---- thresholds: every group and field optional; unknown ones are refused by name
const group = <P extends TProperties>(props: P): TObject<P> => Type.Object(props, { additionalProperties: false });
const Rate = Type.Number({ minimum: 0, maximum: 1 });
/** The suspicious-trading group: a model's (inside its thresholds) or a merchant's own overrides. */
export const TradingOverrides = group({
  offHoursMinTransactions: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'sales in one heartbeat while the site is closed that count as trading off hours' })),
  learnHeartbeats: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'heartbeats with sales learnt before spikes and shifts are judged' })),
  spikeFactor: Type.Optional(Type.Number({ minimum: 1, maximum: 1000, description: 'a refund or keyed share this many times the usual one is a spike' })),
  spikeMinCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  amountFactor: Type.Optional(Type.Number({ minimum: 1, maximum: 1000, description: 'an average amount this many times above (or 1/x below) the usual one is a shift' })),
  amountMinTransactions: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  openAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  resolveAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export type TradingOverridesInput = Static<typeof TradingOverrides>;

const EscalationMinutes = Type.Union([Type.Integer({ minimum: 0, maximum: 7 * 1440 }), Type.Null()], {
  description: 'minutes the condition lasts (the merchant is told at once) before it is an operator incident; null: never by itself',
});
export const ThresholdOverrides = Type.Object(
  {
    cardReader: Type.Optional(group({
      windowAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      minAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      maxFailureRate: Type.Optional(Rate),
    })),
    battery: Type.Optional(group({
      minHealth: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      lowPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      maxCycles: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    })),
    temperature: Type.Optional(group({ minC: Type.Optional(Type.Number({ minimum: -60, maximum: 150 })), maxC: Type.Optional(Type.Number({ minimum: -60, maximum: 150 })) })),
    storage: Type.Optional(group({ minFreeMb: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })) })),
    clock: Type.Optional(group({ maxSkewSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })) })),
    network: Type.Optional(group({
      minSignalDbm: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })),
      maxLatencyMs: Type.Optional(Type.Number({ minimum: 1, maximum: 600_000 })),
      flapCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'flapping: more link drops than this within flapWindowMinutes' })),
      flapWindowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
      harmMinFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'a weak or slow link is an incident only while at least this many payments of a heartbeat fail…' })),
      harmFailureShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: '…and they are at least this share of its payments' })),
    })),
    merchantFirst: Type.Optional(group({
      paperLowMinutes: Type.Optional(EscalationMinutes),
      paperOutMinutes: Type.Optional(EscalationMinutes),
      coverOpenMinutes: Type.Optional(EscalationMinutes),
    })),
    password: Type.Optional(group({ maxAgeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })) })),
    trading: Type.Optional(TradingOverrides),
  },
  { additionalProperties: false },
);
export type ThresholdOverridesInput = Static<typeof ThresholdOverrides>;

/** Thresholds by rule group (cardReader, battery, …), each a number by name. */
const ThresholdGroups = Type.Record(Type.String(), Type.Record(Type.String(), Type.Number()));
export const ModelThresholds = Type.Object({
  modelId: Type.String(),
  overrides: ThresholdGroups,
  effective: ThresholdGroups,
  defaults: ThresholdGroups,
});

export const MerchantTrading = Type.Object({
  merchantId: Type.String(),
  overrides: Type.Record(Type.String(), Type.Number(), { description: 'the merchant\'s own values; laid over each terminal model\'s trading thresholds' }),
  defaults: Type.Record(Type.String(), Type.Number(), { description: 'the fleet\'s defaults (a model may override them too)' }),
  updatedAt: Nullable(Timestamp),
  updatedBy: Nullable(Type.String()),
});
export type MerchantTradingView = Static<typeof MerchantTrading>;

export const PostureQuery = Type.Object({ merchantId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
export const Posture = Type.Object({
  generatedAt: Timestamp,
  passwordMaxAgeDays: Type.Integer(),
  summary: Type.Object({
    terminals: Type.Integer(), notReporting: Type.Integer(), passwordTooOld: Type.Integer(), securityFeaturesOff: Type.Integer(), tamper: Type.Integer(),
    rotationRequested: Type.Integer({ description: 'terminals sent a rotate_password command they have not answered yet' }),
  }),
  terminals: Type.Array(Type.Object({
    terminalId: Type.String(), serialNumber: Type.String(), siteId: Nullable(Type.String()), merchantId: Nullable(Type.String()), lastSeenAt: Nullable(Timestamp),
    reported: Type.Boolean(), passwordChangedAt: Nullable(Type.String()), passwordAgeDays: Nullable(Type.Integer()), passwordTooOld: Type.Boolean(),
    pinEntryEnabled: Nullable(Type.Boolean()), encryptionEnabled: Nullable(Type.Boolean()), tamper: Nullable(Type.Boolean()),
    passwordRotation: Nullable(Type.Object({
      commandId: Type.String(), status: Type.String({ description: 'pending, delivered, succeeded or failed' }), requestedAt: Timestamp,
      completedAt: Nullable(Timestamp), passwordChangedAt: Nullable(Type.String({ description: 'the date the terminal reported with its answer' })),
    }, { description: 'the last rotate_password command sent to the terminal' })),
  })),
});

// ---- guides
const RenderedStep = Type.Object({ id: Type.String(), instruction: Type.String(), outcomes: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })) });
export const GuideView = Type.Object({
  id: Type.String(), title: Type.String(), rules: Type.Array(Type.String()), firstStep: Type.String(), steps: Type.Array(RenderedStep),
});
export const GuideListQuery = Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false });

export const GuideRunInput = Type.Object(
  {
    incidentId: Type.Optional(Type.String({ maxLength: 64 })),
    terminalId: Type.Optional(Type.String({ maxLength: 64 })),
    guideId: Type.Optional(Type.String({ maxLength: 64, description: 'defaults to the incident\'s guide' })),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type GuideRunInput = Static<typeof GuideRunInput>;

export const GuideAnswerInput = Type.Object(
  { stepId: Type.String({ minLength: 1, maxLength: 64 }), outcome: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type GuideAnswerInput = Static<typeof GuideAnswerInput>;

export const GUIDE_RUN_STATUSES = ['running', 'resolved', 'escalated'] as const;
export type GuideRunStatus = (typeof GUIDE_RUN_STATUSES)[number];

export const GuideRun = Type.Object({
  id: Type.String(),
  guideId: Type.String(),
  title: Type.String(),
  incidentId: Nullable(Type.String()),
  terminalId: Type.String(),
  locale: Locale,
  status: Type.Enum(GUIDE_RUN_STATUSES),
  step: Nullable(RenderedStep),
  escalation: Nullable(Type.Object({ parts: Type.Array(Type.String()), atStep: Type.String() })),
  answers: Type.Array(Type.Object({ stepId: Type.String(), outcome: Type.String(), answeredBy: Type.String(), answeredAt: Timestamp })),
  startedBy: Type.String(),
  startedAt: Timestamp,
  endedAt: Nullable(Timestamp),
  learnedOrder: Nullable(Type.Object({
    order: Type.Array(Type.String(), { description: 'the steps in the order this run offers them' }),
    reason: Type.String({ description: 'why, e.g. "step 3 first: fixed 62 % of A920 card-slot faults in the last 90 days"' }),
  }, { description: "the guide's steps reordered by what fixed this model's terminals (null: the guide's own order)" })),
});

export const GuideLearningQuery = Type.Object({
  guideId: Type.Optional(Type.String({ maxLength: 64 })), modelId: Type.Optional(Type.String({ maxLength: 64 })), locale: Type.Optional(Locale),
}, { additionalProperties: false });
export const GuideLearning = Type.Object({
  windowDays: Type.Integer(),
  minRuns: Type.Integer({ description: 'runs on a model before its order changes or a step is flagged' }),
  items: Type.Array(Type.Object({
    guideId: Type.String(), title: Type.String(), owner: Type.String(), modelId: Type.String(), modelName: Type.String(), runs: Type.Integer(),
    order: Type.Array(Type.String()), reordered: Type.Boolean(), reason: Nullable(Type.String()),
    steps: Type.Array(Type.Object({
      stepId: Type.String(), position: Type.Integer({ description: "1-based, in the guide's own order" }), instruction: Type.String(),
      tried: Type.Integer(), fixed: Type.Integer(), fixedShare: Type.Number({ description: 'fixed / runs' }),
      flagged: Type.Boolean({ description: 'can fix the fault but never did on this model after enough runs: told to the owner' }),
    })),
    computedAt: Timestamp,
  })),
});

export const RateQuery = Type.Object({ guideId: Type.Optional(Type.String({ maxLength: 64 })), modelId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
export const ResolutionRates = Type.Object({
  items: Type.Array(Type.Object({
    guideId: Type.String(), modelId: Type.String(), stepId: Type.String(),
    answered: Type.Integer({ description: 'answers given at this step' }),
    resolvedHere: Type.Integer({ description: 'runs this step\'s answer resolved' }),
    escalatedHere: Type.Integer(),
    resolutionRate: Type.Number({ description: 'resolvedHere / answered' }),
  })),
});

export const DeviceGuideQuery = Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false });
export const DeviceGuide = Type.Object({
  incidentId: Nullable(Type.String()),
  rule: Nullable(Type.String()),
  guide: Nullable(GuideView),
});
