// HTTP shapes of preventive maintenance: templates, plans with their due dates, the due list and remote
// runs. Work orders' shapes: src/work-orders/work-orders.schemas.ts.
import { Type, type Static } from 'typebox';
import { Instant, PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { PERFORMERS } from './default-templates.ts';
import { SCHEDULES } from './due-dates.ts';
import { Id, Line, LocalText, Skill, WorkOrderView } from '../work-orders/work-orders.schemas.ts';
import { SKIP_REASONS } from './order-due.ts';

const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

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


export const OrderDueAnswer = Type.Object({
  items: Type.Array(WorkOrderView, { description: 'the work orders created: one per site visit' }),
  tasksOrdered: Type.Integer({ description: 'due technician tasks now on those work orders' }),
  skipped: Type.Array(Type.Object({
    reason: Type.Enum(SKIP_REASONS, { description: 'already_ordered: on an open work order; merchant_task: the merchant\'s staff does it; remote_task: done remotely; no_site: the terminal is at no site; not_due_yet: due after `until`' }),
    tasks: Type.Integer(),
    firstDueAt: Type.Union([Timestamp, Type.Null()]),
  }), { description: 'why the plan\'s other tasks got no work order, with counts' }),
  noTechnicianInRegion: Type.Array(Type.Object({ siteId: Type.String(), siteName: Type.String(), workOrderId: Type.String() }), {
    description: 'work orders created for sites no technician\'s region covers: they wait for someone to assign them',
  }),
  until: Timestamp,
});
export type OrderDueAnswer = Static<typeof OrderDueAnswer>;
