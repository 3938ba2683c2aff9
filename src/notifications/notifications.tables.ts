// Notification channels, deliveries and their attempts.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { ChannelKind, DELIVERY_STATUSES } from './notifications.schemas.ts';

export interface NotificationChannelTable {
  id: string;
  /** Null for a fleet-wide channel (operators): it hears the events of every merchant. */
  merchant_id: string | null;
  /** "email", "webhook", "wecom" or "dingtalk" (group robots). */
  kind: ChannelKind;
  name: string;
  /** An e-mail address, a webhook URL or a robot's address (with its token). */
  address: string;
  /** Webhook or DingTalk signing secret (kept in clear: each request is signed with it). */
  secret: string | null;
  /** JSON array of event types the channel subscribes to; [] means every event. */
  events: string;
  /** Overrides the merchant's locale; null follows the merchant. */
  locale: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** Quiet hours, local "HH:MM" (start inclusive, end exclusive; may cross midnight); null: none. */
  quiet_start: string | null;
  quiet_end: string | null;
  /** IANA zone of the quiet hours; null follows the merchant's. */
  quiet_time_zone: string | null;
  /** Rate limit: at most rate_max notices per rate_period_minutes; null: no limit. */
  rate_max: number | null;
  rate_period_minutes: number | null;
  /** The current rate window: when it began and how many notices it has sent (shared by all nodes). */
  rate_window_start: string | null;
  rate_window_count: number;
  /** Set for a person's own e-mail channel (made when they are first told of a request to approve); such channels are not listed. */
  user_id: string | null;
}

export interface NotificationDeliveryTable {
  id: string;
  channel_id: string;
  event: string;
  merchant_id: string | null;
  site_id: string | null;
  /** Set by callers that may notify twice about one thing; unique per channel. */
  dedupe_key: string | null;
  locale: string;
  subject: string;
  /** What is sent, fixed when the event happens: the e-mail text, or the webhook's JSON body. */
  body: string;
  /** pending, delivered or parked (gave up; an operator may replay it); held for a digest, or folded into one. */
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
  /** Attempts made before the current round of retries (0, or the count when last replayed). */
  round_start: number;
  /** The attempt after which a failing delivery is parked. */
  park_after: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  parked_at: string | null;
  /** A held delivery (status "held") waits until then, to be folded into a digest. */
  held_until: string | null;
  /** quiet_hours or rate_limit. */
  held_reason: string | null;
  /** The digest delivery a held one was folded into (status "folded"). */
  digest_id: string | null;
}

export interface NotificationAttemptTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  /** delivered or failed. */
  outcome: string;
  /** HTTP status of a webhook's answer (null for e-mail, or when no answer came). */
  status_code: number | null;
  error: string | null;
}
