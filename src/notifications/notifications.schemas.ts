// Shapes of notification channels, deliveries and attempts, as the service returns them (and as
// routes will validate and document them).
import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { NOTIFICATION_EVENTS, NOTIFICATION_LOCALES } from './notification-events.ts';
import { CLOCK_TIME } from './quiet-hours.ts';

/** wecom and dingtalk: group robots of WeCom (企业微信) and DingTalk (钉钉), see robots.ts. */
export const CHANNEL_KINDS = ['email', 'webhook', 'wecom', 'dingtalk'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
/** held: waiting for quiet hours or a rate window to end; folded: sent inside a digest (see digestId). */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'parked', 'held', 'folded'] as const;
export const HELD_REASONS = ['quiet_hours', 'rate_limit'] as const;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Event = Type.Enum(NOTIFICATION_EVENTS);
const Locale = Type.Enum(NOTIFICATION_LOCALES);

/** Non-urgent notices that arrive between start and end (local time) are held and sent as one digest at the end. */
export const QuietHours = Type.Object(
  {
    start: Type.String({ pattern: CLOCK_TIME, description: '"22:00": local time the quiet begins' }),
    end: Type.String({ pattern: CLOCK_TIME, description: '"07:00": local time it ends; before start means it crosses midnight' }),
    /** Omitted or null: the merchant's time zone (required for fleet-wide channels). */
    timeZone: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type QuietHours = Static<typeof QuietHours>;

/** At most `max` notices per `periodMinutes`; the excess is held and sent as one digest when the period ends. */
export const RateLimit = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 100_000 }),
    periodMinutes: Type.Integer({ minimum: 1, maximum: 10_080 }),
  },
  { additionalProperties: false },
);
export type RateLimit = Static<typeof RateLimit>;

export const ChannelInput = Type.Object(
  {
    /** Omitted or null: a fleet-wide channel for operators, hearing every merchant's events. */
    merchantId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    kind: Type.Enum(CHANNEL_KINDS),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** An e-mail address (kind email), an http(s) URL (kind webhook), or the robot's webhook address with its key / access_token (kinds wecom, dingtalk). */
    address: Type.String({ minLength: 3, maxLength: 2000 }),
    /** Webhooks: generated when omitted, and shown only in the answer that creates it. DingTalk: the robot's signing secret (加签, "SEC…"), required and never shown again. */
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
    /** Subscribed events; omitted or [] means every event. */
    events: Type.Optional(Type.Array(Event, { uniqueItems: true })),
    /** Language of the messages; omitted or null follows the merchant (zh-CN for fleet channels). */
    locale: Type.Optional(Type.Union([Locale, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    /** Omitted or null: no quiet hours. */
    quietHours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
    /** Omitted or null: no rate limit. */
    rateLimit: Type.Optional(Type.Union([RateLimit, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ChannelInput = Static<typeof ChannelInput>;

/** `secret`: a DingTalk robot's new signing secret, after its owner reset it in DingTalk (webhooks rotate theirs with POST …/rotate-secret). */
export const ChannelPatch = Type.Partial(Type.Omit(ChannelInput, ['merchantId', 'kind']), { additionalProperties: false });
export type ChannelPatch = Static<typeof ChannelPatch>;

export const Channel = Type.Object({
  id: Type.String(),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Enum(CHANNEL_KINDS),
  name: Type.String(),
  /** A robot's token (key / access_token) is cut to its first 4 characters: the address lets anyone post to the group. */
  address: Type.String(),
  events: Type.Array(Type.String()),
  locale: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  quietHours: Type.Union([Type.Object({ start: Type.String(), end: Type.String(), timeZone: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  rateLimit: Type.Union([RateLimit, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Channel = Static<typeof Channel>;

/** The answer that creates a channel: for a webhook, the only time its secret is shown (null for the other kinds). */
export const CreatedChannel = Type.Intersect([Channel, Type.Object({ secret: Type.Union([Type.String(), Type.Null()]) })]);
export type CreatedChannel = Static<typeof CreatedChannel>;

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
  outcome: Type.Enum(['delivered', 'failed'] as const),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;

export const Delivery = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  event: Type.String(),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  siteId: Type.Union([Type.String(), Type.Null()]),
  locale: Type.String(),
  subject: Type.String(),
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  parkedAt: Type.Union([Timestamp, Type.Null()]),
  /** A held delivery: when its digest goes out, and why it waits. */
  heldUntil: Type.Union([Timestamp, Type.Null()]),
  heldReason: Type.Union([Type.Enum(HELD_REASONS), Type.Null()]),
  /** A folded delivery: the digest it was sent in. */
  digestId: Type.Union([Type.String(), Type.Null()]),
});
export type Delivery = Static<typeof Delivery>;

export const DeliveryWithAttempts = Type.Intersect([Delivery, Type.Object({ body: Type.String(), attemptLog: Type.Array(DeliveryAttempt) })]);
export type DeliveryWithAttempts = Static<typeof DeliveryWithAttempts>;

export const DeliveryQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    channelId: Type.Optional(Type.String({ maxLength: 64 })),
    event: Type.Optional(Event),
  },
  { additionalProperties: false },
);
export type DeliveryQuery = Static<typeof DeliveryQuery>;

export const ChannelTestResult = Type.Object({
  ok: Type.Boolean({ description: 'whether the receiver took the message (HTTP 2xx; a robot also {"errcode":0}; or the mail server accepted it)' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'the webhook receiver\'s HTTP status, when it answered' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it failed (time-out, refused, HTTP status, a robot\'s errcode)' }),
  durationMs: Type.Integer(),
  sentAt: Timestamp,
});
export type ChannelTestResult = Static<typeof ChannelTestResult>;
