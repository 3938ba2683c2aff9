// HTTP shapes of preventive maintenance: templates, plans with their due dates, technicians, work
// orders (checklist, history, parts, signature) and spare parts.
import { Type, type Static } from 'typebox';
import { Instant, PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { PhotoInput } from '../compliance/compliance.schemas.ts';
import { PERFORMERS } from './default-templates.ts';
import { SCHEDULES } from './due-dates.ts';
import { WORK_ORDER_STATUSES } from './work-order-states.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Line = (max = 500) => Type.String({ minLength: 1, maxLength: max });
const Note = Type.String({ maxLength: 2000 });
const Skill = Type.String({ minLength: 1, maxLength: 40 });

export const LocalText = Type.Object({ 'zh-CN': Line(), en: Line() }, { additionalProperties: false });

const ChecklistItemTemplate = Type.Object({ code: Code, text: LocalText, required: Type.Boolean() }, { additionalProperties: false });
const TaskTemplate = Type.Object({
  code: Code, name: LocalText, performer: Type.Enum(PERFORMERS), skill: Type.Union([Skill, Type.Null()]),
  checklist: Type.Array(ChecklistItemTemplate, { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });

const IntervalDays = Type.Number({ exclusiveMinimum: 0, maximum: 3650, description: 'base interval in days, before usage and environment' });

export const TemplateInput = Type.Object({
  code: Code, name: LocalText, intervalDays: IntervalDays, tasks: Type.Array(TaskTemplate, { minItems: 1, maxItems: 50 }),
}, { additionalProperties: false });
export type TemplateInput = Static<typeof TemplateInput>;

export const TemplatePatch = Type.Object({
  name: Type.Optional(LocalText), intervalDays: Type.Optional(IntervalDays), tasks: Type.Optional(Type.Array(TaskTemplate, { minItems: 1, maxItems: 50 })),
}, { additionalProperties: false });
export type TemplatePatch = Static<typeof TemplatePatch>;

export const TemplateView = Type.Object({
  id: Type.String(), code: Type.String(), name: LocalText, intervalDays: Type.Number(), builtin: Type.Boolean(),
  tasks: Type.Array(TaskTemplate), createdAt: Timestamp, updatedAt: Timestamp,
});
export type TemplateView = Static<typeof TemplateView>;

const Factor = Type.Number({ exclusiveMinimum: 0, maximum: 10 });
const MeterFactorInput = Type.Object({
  perDay: Type.Number({ minimum: 0, maximum: 1e6 }), factor: Factor, itemCodes: Type.Array(Code, { minItems: 1, maxItems: 100, uniqueItems: true }),
}, { additionalProperties: false });
export const FactorsInput = Type.Object({
  usage: Type.Object({
    high: Type.Object({ transactionsPerDay: Type.Number({ minimum: 0, maximum: 1e6 }), factor: Factor }, { additionalProperties: false }),
    low: Type.Object({ transactionsPerDay: Type.Number({ minimum: 0, maximum: 1e6 }), factor: Factor }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  environment: Type.Record(Type.String({ maxLength: 40 }), Factor),
  minimumShare: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  meters: Type.Optional(Type.Object({
    receipts: Type.Optional(MeterFactorInput), cardInsertions: Type.Optional(MeterFactorInput), batteryCycles: Type.Optional(MeterFactorInput),
  }, {
    additionalProperties: false, description: 'wear meters (daily averages from heartbeats) that shorten the tasks with one of their checklist items; unnamed meters keep their defaults',
  })),
}, { additionalProperties: false, description: 'overrides the default due-date factors for this plan' });

export const PlanFilter = Type.Object({
  merchantId: Type.Optional(Id), siteId: Type.Optional(Id), tag: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })), modelId: Type.Optional(Id),
}, { additionalProperties: false, description: 'the terminals the plan applies to (all of them when empty)' });
export type PlanFilter = Static<typeof PlanFilter>;

export const PlanInput = Type.Object({
  name: Line(200),
  templateIds: Type.Array(Id, { minItems: 1, maxItems: 20, uniqueItems: true }),
  filter: PlanFilter,
  schedule: Type.Optional(Type.Enum(SCHEDULES, { description: 'fixed: from the last due date; floating: from the last completion (default fixed)' })),
  startAt: Type.Optional(Timestamp),
  factors: Type.Optional(FactorsInput),
}, { additionalProperties: false });
export type PlanInput = Static<typeof PlanInput>;

const DueReason = Type.Object({ factor: Type.String(), value: Type.Number(), reason: Type.String() });
export const DueView = Type.Object({
  terminalId: Type.String(), siteId: Type.Union([Type.String(), Type.Null()]), templateId: Type.String(), templateCode: Type.String(),
  dueAt: Timestamp, baseDays: Type.Number(), effectiveDays: Type.Number(), anchor: Type.String(),
  lastDueAt: Type.Union([Timestamp, Type.Null()]), lastDoneAt: Type.Union([Timestamp, Type.Null()]),
  why: Type.Array(DueReason), workOrderId: Type.Union([Type.String(), Type.Null()]),
});
export const PlanView = Type.Object({
  id: Type.String(), name: Type.String(), templateIds: Type.Array(Type.String()), filter: PlanFilter, schedule: Type.String(),
  startAt: Timestamp, createdBy: Type.String(), createdAt: Timestamp, due: Type.Array(DueView),
});
export type PlanView = Static<typeof PlanView>;

// ---- the dashboard's lists: plans with their counts, and the due tasks across plans
export const PlanSummary = Type.Object({
  id: Type.String(), name: Type.String(), templateIds: Type.Array(Type.String()), filter: PlanFilter, schedule: Type.String(),
  startAt: Timestamp, createdBy: Type.String(), createdAt: Timestamp,
  tasks: Type.Integer({ description: '(terminal, template) pairs of the plan' }),
  overdue: Type.Integer({ description: 'due before now and not covered by a work order' }),
  dueWithin7Days: Type.Integer({ description: 'due from now to 7 days ahead and not covered by a work order' }),
  ordered: Type.Integer({ description: 'covered by an open work order' }),
});
export type PlanSummary = Static<typeof PlanSummary>;

export const DUE_PERFORMERS = ['merchant', 'technician', 'remote'] as const;
export const DueListItem = Type.Object({
  ...DueView.properties,
  serialNumber: Type.String(), siteName: Type.Union([Type.String(), Type.Null()]), templateName: LocalText,
  performer: Type.Enum(DUE_PERFORMERS, { description: "who does it: a technician if any of the template's tasks needs one, else PosFleet remotely if any is remote, else the merchant's staff" }),
});
export type DueListItem = Static<typeof DueListItem>;

export const DueListQuery = Type.Object({
  planId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  siteId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  before: Type.Optional(Instant({ description: 'only tasks due before this time' })),
  ...PageQuery,
}, { additionalProperties: false });
export type DueListQuery = Static<typeof DueListQuery>;

// ---- remote runs: a task's remote checklist done by the terminal in its maintenance window
export const RemoteRunsQuery = Type.Object({
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  planId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });
export const RemoteRunView = Type.Object({
  id: Type.String(), planId: Type.String(), terminalId: Type.String(), templateId: Type.String(), templateCode: Type.String(),
  maintenanceJobId: Type.String(), dueAt: Timestamp, state: Type.Enum(['planned', 'completed', 'failed', 'aborted']),
  plannedAt: Timestamp, endedAt: Type.Union([Timestamp, Type.Null()]),
  results: Type.Array(Type.Object({
    taskCode: Type.String(), itemCode: Type.String(), text: LocalText, result: Type.Enum(['pass', 'fail']), note: Type.Union([Type.String(), Type.Null()]),
  })),
  report: Type.Union([Type.Object({
    jobState: Type.String(),
    selfTests: Type.Array(Type.Object({ name: Type.String(), passed: Type.Boolean(), detail: Type.Optional(Type.String()) })),
    notes: Type.Array(Type.String()),
  }), Type.Null()]),
});
export type RemoteRunView = Static<typeof RemoteRunView>;

export const OrderDueInput = Type.Object({
  until: Type.Optional(Instant({ description: 'order tasks due up to this time (default: now)' })),
}, { additionalProperties: false });

export const TechnicianInput = Type.Object({
  userId: Id,
  skills: Type.Array(Skill, { maxItems: 50, uniqueItems: true }),
  regions: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 50, uniqueItems: true, description: 'site code prefixes, e.g. "SH"' }),
}, { additionalProperties: false });
export const TechnicianView = Type.Object({
  id: Type.String(), name: Type.String(), skills: Type.Array(Type.String()), regions: Type.Array(Type.String()), openWorkOrders: Type.Integer(),
});

export const WORK_ORDER_SOURCES = ['preventive', 'inspection', 'merchant_request', 'manual', 'follow_up'] as const;

export const WorkOrderInput = Type.Object({
  source: Type.Optional(Type.Enum(['merchant_request', 'manual'], { description: 'default manual' })),
  title: Line(200),
  siteId: Id,
  terminalIds: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
  requiredSkill: Type.Optional(Skill),
  dueAt: Type.Optional(Timestamp),
  checklist: Type.Optional(Type.Array(Type.Object({ text: LocalText, required: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), { maxItems: 100 })),
  note: Type.Optional(Note),
}, { additionalProperties: false });
export type WorkOrderInput = Static<typeof WorkOrderInput>;

// A merchant's request: for a site (and terminals) of their own merchant.
export const WorkOrderRequestInput = Type.Object({
  title: Line(200),
  siteId: Id,
  terminalIds: Type.Optional(Type.Array(Id, { maxItems: 20, uniqueItems: true })),
  note: Type.Optional(Note),
}, { additionalProperties: false });
export type WorkOrderRequestInput = Static<typeof WorkOrderRequestInput>;

export const WorkOrderRequestsQuery = Type.Object({
  status: Type.Optional(Type.Enum(WORK_ORDER_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });

export const WorkOrderListQuery = Type.Object({
  status: Type.Optional(Type.Enum(WORK_ORDER_STATUSES)),
  source: Type.Optional(Type.Enum(WORK_ORDER_SOURCES)),
  siteId: Type.Optional(Type.String({ maxLength: 64 })),
  technicianId: Type.Optional(Type.String({ maxLength: 64 })),
  terminalId: Type.Optional(Type.String({ maxLength: 64, description: 'work orders that name this terminal' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });

export const AssignInput = Type.Object({ technicianId: Id, note: Type.Optional(Note) }, { additionalProperties: false });

export const Signature = Type.Object({
  name: Line(200),
  signedAt: Type.Optional(Timestamp),
  image: Type.Optional(Type.String({ maxLength: 200_000, pattern: '^data:image/(png|jpeg);base64,[A-Za-z0-9+/=]+$', description: 'optional data-URL image of the signature' })),
}, { additionalProperties: false });

export const StatusInput = Type.Object({
  to: Type.Enum(WORK_ORDER_STATUSES),
  note: Type.Optional(Note),
  minutesSpent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  signature: Type.Optional(Signature),
}, { additionalProperties: false });
export type StatusInput = Static<typeof StatusInput>;

export const ChecklistInput = Type.Object({
  results: Type.Array(Type.Object({
    itemId: Id,
    result: Type.Enum(['pass', 'fail', 'n/a']),
    note: Type.Optional(Note),
    followUp: Type.Optional(Type.Boolean({ description: 'a failed item opens a follow-up work order' })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
}, { additionalProperties: false });
export type ChecklistInput = Static<typeof ChecklistInput>;

export const PhotoView = Type.Object({
  id: Type.String(), contentType: Type.String(), sizeBytes: Type.Integer(), sha256: Type.String(), takenBy: Type.String(), takenAt: Timestamp,
  url: Type.String({ description: 'GET it for the image bytes' }),
});
export type PhotoView = Static<typeof PhotoView>;

export const ChecklistPhotoInput = Type.Object({ photo: PhotoInput }, { additionalProperties: false });
export type ChecklistPhotoInput = Static<typeof ChecklistPhotoInput>;

const ItemView = Type.Object({
  id: Type.String(), terminalId: Type.Union([Type.String(), Type.Null()]), taskCode: Type.String(), itemCode: Type.String(), text: LocalText,
  required: Type.Boolean(), result: Type.Union([Type.String(), Type.Null()]), note: Type.Union([Type.String(), Type.Null()]),
  answeredBy: Type.Union([Type.String(), Type.Null()]), answeredAt: Type.Union([Timestamp, Type.Null()]),
  photos: Type.Array(PhotoView),
});
const HistoryView = Type.Object({ from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), by: Type.String(), at: Timestamp, note: Type.Union([Type.String(), Type.Null()]) });
const PartUseView = Type.Object({ partId: Type.String(), sku: Type.String(), depot: Type.String(), quantity: Type.Integer(), by: Type.String(), at: Timestamp });

export const WorkOrderView = Type.Object({
  id: Type.String(), source: Type.String(), title: Type.String(), status: Type.String(), siteId: Type.String(), terminalIds: Type.Array(Type.String()),
  technicianId: Type.Union([Type.String(), Type.Null()]), requiredSkill: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.Union([Timestamp, Type.Null()]), slaDueAt: Type.Union([Timestamp, Type.Null()]),
  planId: Type.Union([Type.String(), Type.Null()]), parentId: Type.Union([Type.String(), Type.Null()]), inspectionId: Type.Union([Type.String(), Type.Null()]),
  minutesSpent: Type.Integer(),
  signature: Type.Union([Type.Object({ name: Type.String(), signedAt: Timestamp, image: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  checklist: Type.Array(ItemView), history: Type.Array(HistoryView), parts: Type.Array(PartUseView),
  followUps: Type.Array(Type.String()),
  createdBy: Type.String(), createdAt: Timestamp, updatedAt: Timestamp,
});
export type WorkOrderView = Static<typeof WorkOrderView>;

export const WorkOrderSummary = Type.Object({
  id: Type.String(), source: Type.String(), title: Type.String(), status: Type.String(), siteId: Type.String(),
  technicianId: Type.Union([Type.String(), Type.Null()]), dueAt: Type.Union([Timestamp, Type.Null()]), createdAt: Timestamp,
});

export const SuggestionView = Type.Object({
  items: Type.Array(Type.Object({ technicianId: Type.String(), name: Type.String(), score: Type.Number(), reasons: Type.Array(Type.String()) })),
});
