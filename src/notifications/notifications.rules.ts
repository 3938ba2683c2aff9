// Pure rules of notification delivery: which channels hear an event, in which language, and what
// happens after an attempt (delivered, try again later, or park for an operator).
import { isNotificationLocale, type NotificationEvent, type NotificationLocale } from './notification-events.ts';

/** First retry 30 s after a failure, doubling each time, never more than 2 hours apart. */
export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 2 * 3_600_000;

/**
 * How long to wait after the n-th failed attempt of a round (n ≥ 1): 30 s, 1 min, 2 min, 4 min, ...
 * No jitter: deliveries fan out to different receivers, and a fixed schedule is easy to explain.
 */
export function retryDelayMs(failedAttemptsInRound: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failedAttemptsInRound - 1));
}

export type DeliveryStatus = 'pending' | 'delivered' | 'parked';

export type AttemptVerdict =
  | { status: 'delivered' }
  | { status: 'parked' }
  | { status: 'pending'; nextAttemptAt: Date };

export interface AttemptFacts {
  succeeded: boolean;
  /** Number of this attempt over the delivery's whole life (1, 2, ...). */
  attempt: number;
  /** Attempts made before the current round began: 0, or the count at the last replay. */
  roundStart: number;
  /** The attempt after which a still-failing delivery is parked. */
  parkAfter: number;
  now: Date;
}

export function afterAttempt(facts: AttemptFacts): AttemptVerdict {
  if (facts.succeeded) return { status: 'delivered' };
  if (facts.attempt >= facts.parkAfter) return { status: 'parked' };
  return { status: 'pending', nextAttemptAt: new Date(facts.now.getTime() + retryDelayMs(facts.attempt - facts.roundStart)) };
}

/** A channel with no event filter hears every event. */
export function subscribes(channelEvents: readonly string[], event: NotificationEvent): boolean {
  return channelEvents.length === 0 || channelEvents.includes(event);
}

/** The channel's own language if it has one, else its merchant's, else PosFleet's default (zh-CN). */
export function recipientLocale(channelLocale: string | null, merchantLocale: string | null | undefined): NotificationLocale {
  if (channelLocale && isNotificationLocale(channelLocale)) return channelLocale;
  if (merchantLocale && isNotificationLocale(merchantLocale)) return merchantLocale;
  return 'zh-CN';
}

/**
 * A pending delivery this far past its due time has lost its job (a crash between two writes, or a
 * database outage that outlasted the job layer's own retries); an operator may replay it like a parked one.
 */
export const STUCK_AFTER_MS = 15 * 60_000;

export function isStuck(status: string, nextAttemptAt: string | null, now: Date): boolean {
  return status === 'pending' && nextAttemptAt !== null && Date.parse(nextAttemptAt) < now.getTime() - STUCK_AFTER_MS;
}
