// HTTP shapes of the PCI DSS evidence: the terminal inventory, inspections and the compliance report.
import { Type, type Static } from 'typebox';
import { Instant, PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { PHOTO_TYPES } from './compliance.rules.ts';
import { REPORT_LOCALES } from './report-text.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const MerchantFilter = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only this merchant (merchant users always see only their own)' }));

// ---- inventory (9.5.1.1)
export const PoiDevice = Type.Object({
  terminalId: Type.String(),
  serialNumber: Type.String(),
  vendor: Type.String({ description: 'make' }),
  model: Type.String(),
  status: Type.String(),
  merchantId: Nullable(Type.String()),
  merchantName: Nullable(Type.String()),
  siteId: Nullable(Type.String()),
  siteCode: Nullable(Type.String()),
  siteName: Nullable(Type.String()),
  address: Nullable(Type.String()),
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
  lastInspectedAt: Type.Union([Timestamp, Type.Null()]),
  lastInspectionOutcome: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Null()]),
});
export type PoiDevice = Static<typeof PoiDevice>;

export const InventoryQuery = Type.Object(
  { ...PageQuery, format: Type.Optional(Type.Enum(['json', 'csv'], { default: 'json', description: 'json: a page; csv: the whole list, streamed' })), merchantId: MerchantFilter },
  { additionalProperties: false },
);
export type InventoryQuery = Static<typeof InventoryQuery>;

export const OverdueDevice = Type.Object({
  ...PoiDevice.properties,
  dueAt: Instant({ description: 'last inspection + interval; for a terminal never inspected, when it was registered' }),
  neverInspected: Type.Boolean(),
  daysOverdue: Type.Integer({ minimum: 0 }),
});
export type OverdueDevice = Static<typeof OverdueDevice>;

export const OverdueQuery = Type.Object({ ...PageQuery, merchantId: MerchantFilter }, { additionalProperties: false });
export type OverdueQuery = Static<typeof OverdueQuery>;

// ---- inspections (9.5.1.2)
export const PhotoInput = Type.Object(
  {
    contentType: Type.Enum(PHOTO_TYPES),
    dataBase64: Type.String({ minLength: 1, description: 'the image bytes in base64, at most 2 MB decoded; they must be the claimed type' }),
  },
  { additionalProperties: false },
);

export const InspectionInput = Type.Object(
  {
    outcome: Type.Enum(['pass', 'fail']),
    serialMatches: Type.Boolean({ description: 'the serial number on the label matches the registry' }),
    sealIntact: Type.Boolean(),
    sealNumber: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    tamperSigns: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20, description: 'what was found: wires, overlays, scratches round the screws...; [] for none' }),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    photo: Type.Optional(PhotoInput),
  },
  { additionalProperties: false },
);
export type InspectionInput = Static<typeof InspectionInput>;

export const Inspection = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  inspectedAt: Timestamp,
  inspector: Type.Object({ id: Nullable(Type.String()), name: Nullable(Type.String()) }),
  outcome: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
  serialMatches: Type.Boolean(),
  sealIntact: Type.Boolean(),
  sealNumber: Nullable(Type.String()),
  tamperSigns: Type.Array(Type.String()),
  notes: Nullable(Type.String()),
  photo: Type.Union([
    Type.Object({ contentType: Type.String(), sizeBytes: Type.Integer(), sha256: Type.String(), url: Type.String() }),
    Type.Null(),
  ]),
});
export type Inspection = Static<typeof Inspection>;

// ---- report
export const ReportQuery = Type.Object(
  {
    merchantId: MerchantFilter,
    format: Type.Optional(Type.Enum(['html', 'csv', 'json'], { default: 'html' })),
    locale: Type.Optional(Type.Enum(REPORT_LOCALES, { description: "default: the merchant's locale, else zh-CN" })),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

// ---- training records (9.5.1.3)
export const TRAINING_TOPICS = ['tamper', 'substitution'] as const;
export const TrainingInput = Type.Object(
  {
    personName: Type.String({ minLength: 1, maxLength: 200, description: 'the person trained' }),
    trainedOn: Type.String({ format: 'date', description: 'YYYY-MM-DD' }),
    topics: Type.Array(Type.Enum(TRAINING_TOPICS), { minItems: 1, uniqueItems: true, description: 'to detect tampering, substitution, or both' }),
    trainer: Type.Optional(Type.String({ maxLength: 200 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type TrainingInput = Static<typeof TrainingInput>;
export const TrainingRecord = Type.Object({
  id: Type.String(), siteId: Type.String(), personName: Type.String(), trainedOn: Type.String({ description: 'YYYY-MM-DD' }),
  topics: Type.Array(Type.Enum(TRAINING_TOPICS)), trainer: Nullable(Type.String()), notes: Nullable(Type.String()), recordedBy: Type.String(), recordedAt: Timestamp,
});
