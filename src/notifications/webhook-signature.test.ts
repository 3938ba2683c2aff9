import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.ts';

const secret = 'whsec_test_0123456789abcdef';
const body = '{"event":"maintenance.announced","id":"d-1"}';
const at = new Date('2026-11-25T18:00:00.000Z');

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 and puts the time beside it', () => {
    const t = at.getTime() / 1000;
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, body, at)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts its own signature within the tolerance', () => {
    const header = signWebhook(secret, body, at);
    expect(verifyWebhookSignature(secret, body, header, new Date(at.getTime() + 60_000))).toEqual({ valid: true, timestamp: at.getTime() / 1000 });
  });

  it('refuses a changed body, a wrong secret, an old signature and garbage', () => {
    const header = signWebhook(secret, body, at);
    expect(verifyWebhookSignature(secret, body.replace('d-1', 'd-2'), header, at)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('whsec_other_secret_000', body, header, at)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(secret, body, header, new Date(at.getTime() + 301_000))).toEqual({ valid: false, reason: 'expired' });
    expect(verifyWebhookSignature(secret, body, 'v1=abc', at)).toEqual({ valid: false, reason: 'malformed' });
    expect(verifyWebhookSignature(secret, body, undefined, at)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('accepts any of several v1 values, so secrets can be rotated', () => {
    const good = signWebhook(secret, body, at).split(',')[1];
    const header = `t=${at.getTime() / 1000},v1=${'0'.repeat(64)},${good}`;
    expect(verifyWebhookSignature(secret, body, header, at).valid).toBe(true);
  });
});
