// The merchant's side on the wire: daily care on the terminal (what a heartbeat reports and answers,
// the terminal's own due care list), the next planned maintenance in the heartbeat answer, and the
// dashboard's merchant view (today's care, care per site, upcoming maintenance and moving it), and the
// moves merchants made, as operators see them.
// Defined once: the server, the SDK and the dashboard import these.
import { Type, type Static } from 'typebox';
import { Instant, Timestamp } from '../shared/http-schemas.ts';

const Text = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const Reason = Type.String({ minLength: 1, maxLength: 200, description: 'why it could not be done, e.g. "paper out of stock"' });

export const CARE_OUTCOMES = ['done', 'could_not'] as const;

/** One answer of the staff to a care task, carried by the next heartbeat (a retry repeats it: stored once). */
export const CareAnswer = Type.Object({
  taskId: Type.String({ minLength: 3, maxLength: 120, description: 'the care task (from GET /device/v1/care)' }),
  dueAt: Timestamp,
  outcome: Type.Enum(CARE_OUTCOMES),
  reason: Type.Optional(Reason),
  at: Timestamp,
}, { additionalProperties: false });
export type CareAnswer = Static<typeof CareAnswer>;

export const CareReport = Type.Array(CareAnswer, { maxItems: 50, description: 'the staff\'s answers to care tasks since the last heartbeat answered' });

export const CareHint = Type.Union([Type.Object({
  version: Type.String({ description: 'changes when a care task falls due or is answered: then GET /device/v1/care' }),
  pending: Type.Integer({ description: 'care tasks due and not answered yet' }),
}), Type.Null()], { description: 'the terminal\'s daily care by the shop\'s staff; null: none planned' });
export type CareHint = Static<typeof CareHint>;

export const NextMaintenance = Type.Union([Type.Object({
  jobId: Type.String(),
  start: Timestamp,
  expectedMinutes: Type.Integer(),
  expectedEnd: Timestamp,
  work: Type.Array(Type.String()),
  reason: Type.String({ description: 'what will be done, in the merchant\'s language' }),
  reasons: Text,
  note: Type.String({ description: 'the operator\'s own words' }),
}), Type.Null()], { description: 'the terminal\'s next planned maintenance (to show on the idle screen and print on receipts the day before); null: none planned' });
export type NextMaintenance = Static<typeof NextMaintenance>;

export const CARE_STATES = ['pending', 'done', 'could_not'] as const;
export type CareState = (typeof CARE_STATES)[number];

export const DeviceCareTask = Type.Object({
  id: Type.String(),
  dueAt: Timestamp,
  name: Type.String(),
  items: Type.Array(Type.String()),
  status: Type.Enum(CARE_STATES),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export const DeviceCare = Type.Object({
  version: Type.String(),
  locale: Type.String(),
  tasks: Type.Array(DeviceCareTask),
});
export type DeviceCare = Static<typeof DeviceCare>;
export type DeviceCareTask = Static<typeof DeviceCareTask>;

// ---- merchant users and operators
export const CareTaskView = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  siteName: Type.Union([Type.String(), Type.Null()]),
  dueAt: Timestamp,
  name: Text,
  items: Type.Array(Text),
  status: Type.Enum(CARE_STATES),
  reason: Type.Union([Type.String(), Type.Null()]),
  confirmedBy: Type.Union([Type.String(), Type.Null()]),
  confirmedAt: Type.Union([Timestamp, Type.Null()]),
});
export type CareTaskView = Static<typeof CareTaskView>;

export const CareQuery = Type.Object({ siteId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });

export const CareConfirmInput = Type.Object({
  taskId: Type.String({ minLength: 3, maxLength: 120 }),
  dueAt: Timestamp,
  outcome: Type.Enum(CARE_OUTCOMES),
  reason: Type.Optional(Reason),
}, { additionalProperties: false });
export type CareConfirmInput = Static<typeof CareConfirmInput>;

export const CareReportQuery = Type.Object({
  from: Timestamp,
  to: Timestamp,
  siteId: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });
export type CareReportQuery = Static<typeof CareReportQuery>;

export const SiteCare = Type.Object({
  siteId: Type.String(),
  siteName: Type.String(),
  due: Type.Integer({ description: 'occurrences due in the period and judged (answered, or missed)' }),
  done: Type.Integer(),
  couldNot: Type.Integer(),
  missed: Type.Integer(),
  open: Type.Integer({ description: 'due in the period, still open for an answer' }),
  missedTasks: Type.Array(Type.Object({ terminalId: Type.String(), serialNumber: Type.String(), taskId: Type.String(), name: Text, dueAt: Timestamp })),
  couldNotTasks: Type.Array(Type.Object({ terminalId: Type.String(), serialNumber: Type.String(), taskId: Type.String(), name: Text, dueAt: Timestamp, reason: Type.Union([Type.String(), Type.Null()]) })),
});
export type SiteCare = Static<typeof SiteCare>;

export const UpcomingMaintenance = Type.Object({
  jobId: Type.String(),
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  siteName: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  start: Timestamp,
  expectedMinutes: Type.Integer(),
  work: Type.Array(Type.String()),
  reasons: Text,
  note: Type.String(),
  expectedLossMinor: Type.Union([Type.Integer(), Type.Null()]),
  currency: Type.String(),
  movesLeft: Type.Integer(),
  latestStart: Timestamp,
  deadline: Type.Union([Timestamp, Type.Null()], { description: 'a security update must be done by then' }),
  moves: Type.Array(Type.Object({ fromStart: Timestamp, toStart: Timestamp, movedBy: Type.String(), movedAt: Timestamp, expectedLossMinor: Type.Union([Type.Integer(), Type.Null()]) })),
});
export type UpcomingMaintenance = Static<typeof UpcomingMaintenance>;

export const MoveInput = Type.Object({
  startAt: Instant({ description: 'the earliest start the merchant wants; the planner finds the first slot from then in the terminal\'s windows' }),
  confirm: Type.Optional(Type.Boolean({ description: 'false (default): show the new slot and its expected loss; true: move' })),
}, { additionalProperties: false });
export type MoveInput = Static<typeof MoveInput>;

export const MoveView = Type.Object({
  jobId: Type.String(),
  moved: Type.Boolean(),
  fromStart: Timestamp,
  start: Timestamp,
  expectedEnd: Timestamp,
  window: Type.String(),
  expectedLossMinor: Type.Union([Type.Integer(), Type.Null()]),
  previousLossMinor: Type.Union([Type.Integer(), Type.Null()]),
  currency: Type.String(),
  movesLeft: Type.Integer(),
});
export type MoveView = Static<typeof MoveView>;

export const MovesQuery = Type.Object({
  from: Type.Optional(Instant({ description: 'moves whose old or new start is at or after this' })),
  to: Type.Optional(Instant({ description: 'moves whose old or new start is before this' })),
  merchantId: Type.Optional(Type.String({ maxLength: 64 })),
  siteId: Type.Optional(Type.String({ maxLength: 64 })),
  terminalId: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
}, { additionalProperties: false });
export type MovesQuery = Static<typeof MovesQuery>;

/** A planned job a merchant (or an operator for them) moved: from when to when, by whom, and the expected loss of the new slot. */
export const MoveRecord = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  jobState: Type.String(),
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  siteName: Type.Union([Type.String(), Type.Null()]),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.Union([Type.String(), Type.Null()], { description: "the site's time zone (its merchant's when the site has none)" }),
  work: Type.Array(Type.String()),
  reasons: Text,
  fromStart: Timestamp,
  toStart: Timestamp,
  movedBy: Type.String(),
  movedAt: Timestamp,
  expectedLossMinor: Type.Union([Type.Integer(), Type.Null()], { description: 'the revenue the new slot is expected to cost, in minor units' }),
  currency: Type.String(),
});
export type MoveRecord = Static<typeof MoveRecord>;

// ---- notices to the shop: conditions the staff fix, and forecasts they act on before trade stops
export const SHOP_NOTICE_KINDS = ['paper_out', 'cover_open', 'paper_low', 'paper_running_out', 'battery_wearing_out', 'card_slot_failing'] as const;
export type ShopNoticeKind = (typeof SHOP_NOTICE_KINDS)[number];

export const ShopNotice = Type.Object({
  kind: Type.Enum(SHOP_NOTICE_KINDS, { description: 'paper_out, cover_open, paper_low: seen now (an operator incident only if it lasts); the others are forecasts' }),
  text: Type.String({ description: 'what the staff should do, in the merchant\'s language' }),
  texts: Text,
  since: Timestamp,
  daysLeft: Type.Union([Type.Number(), Type.Null()], { description: 'a forecast: days until the roll, battery or slot stops trade' }),
});
export type ShopNotice = Static<typeof ShopNotice>;

export const ShopNotices = Type.Array(ShopNotice, { description: 'notices for the terminal\'s screen (conditions the staff fix, forecasts), most urgent first' });

export const ShopNoticeView = Type.Object({
  ...ShopNotice.properties,
  terminalId: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  siteName: Type.Union([Type.String(), Type.Null()]),
});
export type ShopNoticeView = Static<typeof ShopNoticeView>;
