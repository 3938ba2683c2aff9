// HTTP shapes of diagnostics: incidents, self-tests, suspicious activity, thresholds, posture, guides.
import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { RULES, SEVERITIES } from './heartbeat.rules.ts';

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
  },
  { additionalProperties: false },
);
export type IncidentQuery = Static<typeof IncidentQuery>;

export const Incident = Type.Object({
  id: Type.String(),
  terminalId: Nullable(Type.String()),
  siteId: Nullable(Type.String()),
  merchantId: Nullable(Type.String()),
  rule: Type.String(),
  title: Localised,
  severity: Type.Enum(SEVERITIES),
  status: Type.Enum(['open', 'acknowledged', 'resolved'] as const),
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
  suspiciousReports: Type.Array(Type.Object({ id: Type.String(), what: Type.String(), occurredAt: Timestamp, reportedBy: Type.String(), reportedAt: Timestamp })),
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

// ---- thresholds: every group and field optional; unknown ones are refused by name
const group = <P extends TProperties>(props: P): TObject<P> => Type.Object(props, { additionalProperties: false });
const Rate = Type.Number({ minimum: 0, maximum: 1 });
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
    network: Type.Optional(group({ minSignalDbm: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })), maxLatencyMs: Type.Optional(Type.Number({ minimum: 1, maximum: 600_000 })) })),
    password: Type.Optional(group({ maxAgeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })) })),
  },
  { additionalProperties: false },
);
export type ThresholdOverridesInput = Static<typeof ThresholdOverrides>;

export const ModelThresholds = Type.Object({
  modelId: Type.String(),
  overrides: Type.Record(Type.String(), Type.Unknown()),
  effective: Type.Record(Type.String(), Type.Unknown()),
  defaults: Type.Record(Type.String(), Type.Unknown()),
});

export const PostureQuery = Type.Object({ merchantId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
export const Posture = Type.Object({
  generatedAt: Timestamp,
  passwordMaxAgeDays: Type.Integer(),
  summary: Type.Object({ terminals: Type.Integer(), notReporting: Type.Integer(), passwordTooOld: Type.Integer(), securityFeaturesOff: Type.Integer(), tamper: Type.Integer() }),
  terminals: Type.Array(Type.Object({
    terminalId: Type.String(), serialNumber: Type.String(), siteId: Nullable(Type.String()), merchantId: Nullable(Type.String()), lastSeenAt: Nullable(Timestamp),
    reported: Type.Boolean(), passwordChangedAt: Nullable(Type.String()), passwordAgeDays: Nullable(Type.Integer()), passwordTooOld: Type.Boolean(),
    pinEntryEnabled: Nullable(Type.Boolean()), encryptionEnabled: Nullable(Type.Boolean()), tamper: Nullable(Type.Boolean()),
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

export const GuideRun = Type.Object({
  id: Type.String(),
  guideId: Type.String(),
  title: Type.String(),
  incidentId: Nullable(Type.String()),
  terminalId: Type.String(),
  locale: Locale,
  status: Type.Enum(['running', 'resolved', 'escalated'] as const),
  step: Nullable(RenderedStep),
  escalation: Nullable(Type.Object({ parts: Type.Array(Type.String()), atStep: Type.String() })),
  answers: Type.Array(Type.Object({ stepId: Type.String(), outcome: Type.String(), answeredBy: Type.String(), answeredAt: Timestamp })),
  startedBy: Type.String(),
  startedAt: Timestamp,
  endedAt: Nullable(Timestamp),
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
