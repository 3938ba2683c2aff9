// How the simulated sites trade through the day and the week.
import { describe, expect, it } from 'vitest';
import { expectedPayments, isOpen, openingHoursOf, paymentsPerHour, SITE_PROFILES } from './site-profiles.ts';

const SHANGHAI = 480;
/** An instant at a Shanghai wall-clock time on Wednesday 25 November 2026 (or another day of that week). */
const at = (clock: string, day = 25) => Date.parse(`2026-11-${day}T${clock}:00.000+08:00`);

describe('site trading profiles', () => {
  it('opens a café for breakfast and lunch only', () => {
    const cafe = SITE_PROFILES.cafe;
    expect([6 * 60 + 59, 7 * 60, 9 * 60 + 59, 10 * 60, 11 * 60 + 30, 12 * 60, 13 * 60 + 59, 14 * 60].map((m) => isOpen(cafe, m)))
      .toEqual([false, true, true, false, false, true, true, false]);
    expect(paymentsPerHour(cafe, at('08:15'), SHANGHAI)).toBe(40);
    expect(paymentsPerHour(cafe, at('11:00'), SHANGHAI)).toBe(0);
  });

  it('trades in the site time zone: 08:15 in Shanghai is 00:15 UTC', () => {
    expect(paymentsPerHour(SITE_PROFILES.cafe, Date.parse('2026-11-25T00:15:00.000Z'), SHANGHAI)).toBe(40);
    expect(paymentsPerHour(SITE_PROFILES.cafe, Date.parse('2026-11-25T00:15:00.000Z'), 0)).toBe(0);
  });

  it('keeps a shop open 09–21, busier at the weekend', () => {
    const shop = SITE_PROFILES.shop;
    expect(paymentsPerHour(shop, at('08:59'), SHANGHAI)).toBe(0);
    expect(paymentsPerHour(shop, at('18:30'), SHANGHAI)).toBe(15);
    expect(paymentsPerHour(shop, at('21:00'), SHANGHAI)).toBe(0);
    expect(paymentsPerHour(shop, at('18:30', 28), SHANGHAI)).toBeCloseTo(21); // Saturday
  });

  it('counts the payments of a span, including an opening within it', () => {
    const cafe = SITE_PROFILES.cafe;
    expect(expectedPayments(cafe, at('06:00'), at('07:00'), SHANGHAI)).toBe(0);
    expect(expectedPayments(cafe, at('08:00'), at('08:30'), SHANGHAI)).toBeCloseTo(20);
    // 06:30–07:30: only the half hour after opening trades (at 0.7 of the peak).
    expect(expectedPayments(cafe, at('06:30'), at('07:30'), SHANGHAI)).toBeCloseTo(14);
    expect(expectedPayments(SITE_PROFILES.convenience, at('00:00'), at('00:00', 26), SHANGHAI)).toBeGreaterThan(200);
  });

  it('tells the estate its opening hours, every day alike', () => {
    const hours = openingHoursOf(SITE_PROFILES.restaurant);
    expect(hours.mon).toEqual([{ open: '11:00', close: '14:30' }, { open: '17:00', close: '22:00' }]);
    expect(hours.sun).toEqual(hours.mon);
  });
});
