// HTTP shapes of maintenance windows, of planning work inside them, and of a site's suggested window.
import { Type, type Static } from 'typebox';
import { Instant, PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { MaintenanceInput } from './maintenance.schemas.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const WindowFilter = Type.Object({
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  modelId: Type.Optional(Id),
  merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "narrows the filter to one merchant's terminals" })),
}, { additionalProperties: false, description: 'terminals with this tag and/or of this model' });

export const WindowTarget = Type.Object({
  merchantId: Type.Optional(Id),
  siteId: Type.Optional(Id),
  terminalId: Type.Optional(Id),
  filter: Type.Optional(WindowFilter),
}, { additionalProperties: false, description: 'exactly one of merchantId, siteId, terminalId or filter' });
export type WindowTarget = Static<typeof WindowTarget>;

// One object for the three kinds rather than a union: the service names the wrong field precisely
// (validateWindow), where a union would only say "must match a schema in anyOf".
export const WindowSchedule = Type.Object({
  kind: Type.Enum(['once', 'rrule', 'cron']),
  start: Type.Optional(Instant({ description: "kind 'once': ISO-8601 time with Z or an offset" })),
  rrule: Type.Optional(Type.String({ maxLength: 500, description: "kind 'rrule': the RRULE part only, e.g. FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=2;BYMINUTE=0" })),
  cron: Type.Optional(Type.String({ maxLength: 200, description: "kind 'cron': five fields, e.g. '0 2 * * 1-5'" })),
  durationMinutes: Type.Number({ description: 'more than 0, at most 1440' }),
}, { additionalProperties: false, description: 'recurring schedules are read in the window’s time zone' });
export type WindowSchedule = Static<typeof WindowSchedule>;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: "IANA time zone; default: the site's, else the merchant's" });

export const WindowInput = Type.Object({ name: Name, target: WindowTarget, schedule: WindowSchedule, timeZone: Type.Optional(TimeZone) }, { additionalProperties: false });
export type WindowInput = Static<typeof WindowInput>;

export const WindowPatch = Type.Object(
  { name: Type.Optional(Name), schedule: Type.Optional(WindowSchedule), timeZone: Type.Optional(TimeZone) },
  { additionalProperties: false, description: 'the target cannot change: create another window instead' },
);
export type WindowPatch = Static<typeof WindowPatch>;

export const OccurrenceView = Type.Object({ start: Timestamp, end: Timestamp, localStart: Type.String(), localEnd: Type.String() });

export const WindowView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  target: WindowTarget,
  schedule: WindowSchedule,
  timeZone: Type.String(),
  next: Type.Union([OccurrenceView, Type.Null()], { description: 'the occurrence open now, else the next one (within a year)' }),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WindowView = Static<typeof WindowView>;

export const WindowListQuery = Type.Object({
  ...PageQuery,
  merchantId: Type.Optional(Type.String({ maxLength: 64 })),
  siteId: Type.Optional(Type.String({ maxLength: 64 })),
  terminalId: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });

export const OccurrencesQuery = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Instant({ description: 'default: 14 days after from; at most 400 days after it' })),
}, { additionalProperties: false });

export const OccurrenceList = Type.Object({ windowId: Type.String(), timeZone: Type.String(), items: Type.Array(OccurrenceView) });

// ---- planning work inside windows
const jobInput = MaintenanceInput.properties;
export const PlanInput = Type.Object({
  terminalIds: jobInput.terminalIds,
  siteId: jobInput.siteId,
  filter: jobInput.filter,
  work: jobInput.work,
  reason: jobInput.reason,
  expectedMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60, description: 'budget per job; default: the p90 of past durations for the model and work' })),
  maxMinutes: jobInput.maxMinutes,
  seed: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })], { description: 'same seed, same start times' })),
  fleetLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'jobs running at once across the fleet (default 100)' })),
  perSiteLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'jobs running at once per site (default 1); the continuity rule still decides at start' })),
  notBefore: Type.Optional(Timestamp),
  dryRun: Type.Optional(Type.Boolean({ description: 'plan and report, but create no job' })),
  packed: Type.Optional(Type.Boolean({ description: 'start each job as early as the limits allow instead of spreading starts over the window' })),
  reachableOnly: Type.Optional(Type.Boolean({
    description: 'leave out terminals that are locked, or offline (silent since they were last heard from), now (reasons locked, offline): their job could not start, and a rollout wave waiting for it would be judged only when the window ends',
  })),
}, { additionalProperties: false });
export type PlanInput = Static<typeof PlanInput>;

export const PlannedJob = Type.Object({
  jobId: Type.Union([Type.String(), Type.Null()]),
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  plannedStart: Timestamp,
  expectedEnd: Timestamp,
  expectedMinutes: Type.Integer(),
  budgetMinutes: Type.Integer(),
  durationBasis: Type.Enum(['given', 'model', 'fleet', 'default']),
  window: Type.Object({ id: Type.String(), name: Type.String(), ...OccurrenceView.properties }),
});

export const NotFittingJob = Type.Object({
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Enum(['open_job', 'no_window', 'longer_than_window', 'too_late', 'site_limit', 'fleet_limit', 'offline', 'locked']),
  message: Type.String({ description: 'why, in English (for the log and older clients)' }),
  key: Type.Optional(Type.String({ description: "the same as the message catalogue's key (src/shared/messages), to say it in the reader's language with params" })),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
});

export const PlanView = Type.Object({
  dryRun: Type.Boolean(),
  seed: Type.Union([Type.String(), Type.Integer()]),
  planned: Type.Array(PlannedJob),
  notFitting: Type.Array(NotFittingJob),
  peakConcurrency: Type.Integer(),
});
export type PlanView = Static<typeof PlanView>;

// ---- suggested window
export const SuggestedWindowQuery = Type.Object({
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 62, default: 7, description: 'how many days ahead to look' })),
  preference: Type.Optional(Type.Enum(['outside-opening-hours', 'inside-opening-hours', 'any'], { default: 'outside-opening-hours' })),
  batchClose: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: "the daily settlement, local 'HH:MM': no window within 30 minutes of it" })),
  weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, default: 4, description: 'weeks of heartbeat history to learn from' })),
  top: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
}, { additionalProperties: false });
export type SuggestedWindowQuery = Static<typeof SuggestedWindowQuery>;

export const SuggestedWindowView = Type.Object({
  siteId: Type.String(),
  timeZone: Type.String(),
  currency: Type.String({ description: 'ISO 4217 code of expectedLossMinor: what the site\'s terminals report' }),
  basis: Type.Enum(['history', 'opening-hours', 'none']),
  history: Type.Union([Type.Object({
    from: Timestamp, to: Timestamp, weeks: Type.Number(), heartbeats: Type.Integer(), terminals: Type.Integer(),
    shortened: Type.Boolean({ description: 'true when fewer weeks were read than asked, to stay within the row budget' }),
    imported: Type.Optional(Type.Union([Type.Object({ from: Timestamp, to: Timestamp, buckets: Type.Integer() }), Type.Null()], {
      description: 'the imported trading history the suggestion learnt from (heartbeats count only after it)',
    })),
  }), Type.Null()]),
  candidates: Type.Array(Type.Object({
    start: Timestamp, end: Timestamp, localStart: Type.String(), localEnd: Type.String(),
    expectedLossMinor: Type.Union([Type.Number(), Type.Null()]),
    expectedTransactions: Type.Union([Type.Number(), Type.Null()]),
    openMinutes: Type.Integer(),
    preferenceMet: Type.Boolean(),
  })),
});
export type SuggestedWindowView = Static<typeof SuggestedWindowView>;

// ---- a site's past trade, imported
export const TradingImportQuery = Type.Object({
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code of amountMinor (for CSV; JSON may carry it in the body)' })),
}, { additionalProperties: false });

export const TradingImportView = Type.Object({
  siteId: Type.String(),
  buckets: Type.Integer({ description: 'buckets stored (a bucket imported before is replaced)' }),
  from: Timestamp,
  to: Timestamp,
  transactions: Type.Integer(),
  currency: Type.Union([Type.String(), Type.Null()]),
});
export type TradingImportView = Static<typeof TradingImportView>;
