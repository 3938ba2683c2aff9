import { describe, expect, it } from 'vitest';
import { nextStreak } from './heartbeat.rules.ts';
import { DEFAULT_TRADING_THRESHOLDS as TH, EMPTY_BASELINE, learnTrading, readTrading, type TradingBaseline, type TradingCounts } from './trading.rules.ts';

const SHOP = { openingHours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '09:00', close: '21:00' }]])), timeZone: 'Asia/Shanghai' };
// 2026-12-07 is a Monday; 03:00 in Shanghai is 19:00 UTC the day before.
const AT_3AM = '2026-12-06T19:00:00.000Z';
const AT_NOON = '2026-12-07T04:00:00.000Z';

const learnt = (over: Partial<TradingBaseline> = {}): TradingBaseline => ({ beats: 50, refundShare: 0.02, manualShare: 0.01, averageMinor: 5000, ...over });
const bad = (t: TradingCounts, at = AT_NOON, baseline = learnt()) => readTrading(t, at, SHOP, baseline, TH).filter((r) => r.bad).map((r) => r.rule);

describe('suspicious trading rules', () => {
  it('sales at 03:00 in a shop open 09–21 are trading off hours; at noon they are not', () => {
    expect(bad({ count: 2, amountMinor: 10_000 }, AT_3AM)).toEqual(['trading_off_hours']);
    expect(bad({ count: 2, amountMinor: 10_000 }, AT_NOON)).toEqual([]);
    // A quiet terminal at night is not trading.
    expect(bad({ count: 0, amountMinor: 0 }, AT_3AM)).toEqual([]);
  });

  it('a site without opening hours is never judged off hours', () => {
    expect(readTrading({ count: 5, amountMinor: 500 }, AT_3AM, { openingHours: {}, timeZone: 'Asia/Shanghai' }, learnt(), TH).map((r) => r.rule)).not.toContain('trading_off_hours');
    expect(readTrading({ count: 5, amountMinor: 500 }, AT_3AM, null, learnt(), TH).map((r) => r.rule)).not.toContain('trading_off_hours');
  });

  it('a spike of refunds or keyed entries is judged against the terminal\'s own usual share', () => {
    expect(bad({ count: 20, amountMinor: 100_000, refunds: 6 })).toEqual(['refund_spike']);
    expect(bad({ count: 20, amountMinor: 100_000, manualEntries: 5 })).toEqual(['manual_entry_spike']);
    // Few in number is no spike, whatever the share; a terminal that usually refunds a lot is not alarmed by it.
    expect(bad({ count: 4, amountMinor: 20_000, refunds: 2 })).toEqual([]);
    expect(bad({ count: 20, amountMinor: 100_000, refunds: 6 }, AT_NOON, learnt({ refundShare: 0.25 }))).toEqual([]);
  });

  it('a sudden change of the average amount, up or down', () => {
    expect(bad({ count: 5, amountMinor: 5 * 20_000 })).toEqual(['average_amount_shift']);
    expect(bad({ count: 5, amountMinor: 5 * 1_000 })).toEqual(['average_amount_shift']);
    expect(bad({ count: 5, amountMinor: 5 * 6_000 })).toEqual([]);
  });

  it('judges nothing against a history it has not learnt yet', () => {
    expect(bad({ count: 20, amountMinor: 2_000_000, refunds: 10, manualEntries: 10 }, AT_NOON, learnt({ beats: TH.learnHeartbeats - 1 }))).toEqual([]);
  });

  it('learns from ordinary heartbeats only, so a fraud that goes on never becomes the usual', () => {
    let b = EMPTY_BASELINE;
    for (let i = 0; i < 30; i++) b = learnTrading(b, { count: 10, amountMinor: 50_000, refunds: 0 }, []);
    expect(b).toMatchObject({ beats: 30, averageMinor: 5000, refundShare: 0 });
    const t = { count: 10, amountMinor: 50_000, refunds: 8 };
    const readings = readTrading(t, AT_NOON, SHOP, b, TH);
    expect(learnTrading(b, t, readings)).toBe(b);
    expect(learnTrading(b, { count: 0, amountMinor: 0 }, [])).toBe(b);
  });

  it('hysteresis: with per-model thresholds a rule opens after openAfter bad heartbeats and clears after resolveAfter good ones', () => {
    const policy = { ...TH, openAfter: 2 };
    let s = nextStreak({ bad: 0, good: 0 }, true, false, policy);
    expect(s.action).toBeNull();
    s = nextStreak(s.streak, true, false, policy);
    expect(s.action).toBe('open');
    for (let i = 0; i < TH.resolveAfter - 1; i++) {
      s = nextStreak(s.streak, false, true, policy);
      expect(s.action).toBeNull();
    }
    expect(nextStreak(s.streak, false, true, policy).action).toBe('resolve');
  });
});
