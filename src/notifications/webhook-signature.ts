// Webhook signatures: `X-PosFleet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
// The timestamp is signed with the body, so a receiver can refuse a captured request replayed later.
// Receivers may use verifyWebhookSignature as a reference implementation.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-posfleet-signature';
export const DELIVERY_HEADER = 'x-posfleet-delivery';
export const EVENT_HEADER = 'x-posfleet-event';
export const ATTEMPT_HEADER = 'x-posfleet-attempt';

/** Receivers should refuse signatures older (or newer) than this. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureDigest(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The header value for a body sent at `at`. */
export function signWebhook(secret: string, rawBody: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${signatureDigest(secret, t, rawBody)}`;
}

export type SignatureCheck = { valid: true; timestamp: number } | { valid: false; reason: 'malformed' | 'expired' | 'mismatch' };

/**
 * Checks a signature header against the raw body as received (before any JSON parsing).
 * Several v1 values are accepted, so a sender can sign with an old and a new secret while rotating.
 *
 * @example
 *   const check = verifyWebhookSignature(secret, rawBody, req.headers['x-posfleet-signature'], new Date());
 *   if (!check.valid) return res.writeHead(401).end();
 */
export function verifyWebhookSignature(
  secret: string, rawBody: string, header: string | undefined, now: Date, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { valid: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { valid: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { valid: false, reason: 'expired' };
  const expected = Buffer.from(signatureDigest(secret, timestamp, rawBody), 'hex');
  const matches = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}
