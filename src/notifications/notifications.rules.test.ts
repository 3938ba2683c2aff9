import { describe, expect, it } from 'vitest';
import { afterAttempt, isStuck, recipientLocale, retryDelayMs, subscribes } from './notifications.rules.ts';

describe('delivery rules', () => {
  it('backs off exponentially from 30 seconds and caps at 2 hours', () => {
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(9)).toBe(7_200_000);
    expect(retryDelayMs(40)).toBe(7_200_000);
  });

  it('retries a failed attempt, parks at the limit, and finishes on success', () => {
    const now = new Date('2026-11-25T00:00:00.000Z');
    const facts = { succeeded: false, attempt: 2, roundStart: 0, parkAfter: 3, now };
    expect(afterAttempt(facts)).toEqual({ status: 'pending', nextAttemptAt: new Date('2026-11-25T00:01:00.000Z') });
    expect(afterAttempt({ ...facts, attempt: 3 })).toEqual({ status: 'parked' });
    expect(afterAttempt({ ...facts, attempt: 3, succeeded: true })).toEqual({ status: 'delivered' });
  });

  it('starts the back-off afresh in the round after a replay', () => {
    const now = new Date('2026-11-25T00:00:00.000Z');
    // Parked after 3 attempts, replayed: attempt 4 is the first of the new round.
    expect(afterAttempt({ succeeded: false, attempt: 4, roundStart: 3, parkAfter: 6, now })).toEqual({ status: 'pending', nextAttemptAt: new Date('2026-11-25T00:00:30.000Z') });
  });

  it('lets a channel without a filter hear every event', () => {
    expect(subscribes([], 'maintenance.failed')).toBe(true);
    expect(subscribes(['maintenance.failed'], 'maintenance.failed')).toBe(true);
    expect(subscribes(['maintenance.failed'], 'maintenance.announced')).toBe(false);
  });

  it("speaks the channel's language, else the merchant's, else Chinese", () => {
    expect(recipientLocale('en', 'zh-CN')).toBe('en');
    expect(recipientLocale(null, 'en')).toBe('en');
    expect(recipientLocale(null, null)).toBe('zh-CN');
    expect(recipientLocale('fr', 'de')).toBe('zh-CN');
  });

  it('calls a pending delivery stuck only well past its due time', () => {
    const now = new Date('2026-11-25T01:00:00.000Z');
    expect(isStuck('pending', '2026-11-25T00:50:00.000Z', now)).toBe(false);
    expect(isStuck('pending', '2026-11-25T00:40:00.000Z', now)).toBe(true);
    expect(isStuck('parked', '2026-11-25T00:40:00.000Z', now)).toBe(false);
  });
});
