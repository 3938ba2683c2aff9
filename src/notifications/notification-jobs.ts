// The jobs of notifications: their kinds and payloads, and the checks a handler runs on a payload
// before it trusts it (a payload is stored JSON, possibly written by an older version).

/** The job kind of one delivery attempt; its payload is a DeliveryJob. */
export const DELIVER_NOTIFICATION = 'notification.deliver';

export interface DeliveryJob {
  deliveryId: string;
  attempt: number;
}

/** The job kind that folds a channel's due held notices into one digest; its payload is a DigestJob. */
export const RELEASE_DIGEST = 'notification.digest';

export interface DigestJob {
  channelId: string;
}

/** The recurring safety net: releases held notices whose own digest job was lost (a crash between two writes). */
export const SWEEP_DIGESTS = 'notification-digests';

export function deliveryJob(payload: unknown): DeliveryJob {
  const p = payload as Partial<DeliveryJob> | null;
  if (!p || typeof p.deliveryId !== 'string' || !Number.isInteger(p.attempt) || (p.attempt ?? 0) < 1) {
    throw new Error(`bad ${DELIVER_NOTIFICATION} payload: ${JSON.stringify(payload)}`);
  }
  return { deliveryId: p.deliveryId, attempt: p.attempt! };
}

export function digestJob(payload: unknown): DigestJob {
  const p = payload as Partial<DigestJob> | null;
  if (!p || typeof p.channelId !== 'string') throw new Error(`bad ${RELEASE_DIGEST} payload: ${JSON.stringify(payload)}`);
  return { channelId: p.channelId };
}
