// HTTP shapes of work orders: technicians, work orders (checklist, photos, history, parts, signature),
// merchants' requests and assignment suggestions.
import { Type, type Static } from 'typebox';
import { PhotoInput } from '../compliance/compliance.schemas.ts';
import { Timestamp } from '../shared/http-schemas.ts';
import { WORK_ORDER_STATUSES } from './work-order-states.ts';

export const Id = Type.String({ minLength: 1, maxLength: 64 });
export const Line = (max = 500) => Type.String({ minLength: 1, maxLength: max });
export const Note = Type.String({ maxLength: 2000 });
export const Skill = Type.String({ minLength: 1, maxLength: 40 });

/** A text in both languages (checklist items, template names). */
export const LocalText = Type.Object({ 'zh-CN': Line(), en: Line() }, { additionalProperties: false });
export type LocalText = Static<typeof LocalText>;

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
