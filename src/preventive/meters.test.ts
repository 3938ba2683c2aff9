import { describe, expect, it } from 'vitest';
import { averageUsage } from './meters.ts';

const beat = (over: Record<string, unknown>) => ({ transactions: { count: 10, amountMinor: 0 }, cardReader: {}, ...over });

describe('usage meters from heartbeats', () => {
  it('averages transactions, card insertions and taps, and printed receipts per day', () => {
    const reports = [
      beat({ cardReader: { chip: { attempts: 8, failures: 1 }, contactless: { attempts: 6, failures: 0 } }, printer: { paper: 'ok', jam: false, coverOpen: false, receipts: 14 } }),
      beat({ cardReader: { swipe: { attempts: 2, failures: 0 } }, printer: { paper: 'ok', jam: false, coverOpen: false, receipts: 6 } }),
    ];
    expect(averageUsage(reports, 2)).toEqual({ transactionsPerDay: 10, meters: { cardInsertions: 8, receipts: 10, batteryCycles: null } });
  });

  it('counts battery cycles as the rise of the lifetime counter, not its sum', () => {
    const reports = [100, 103, 101, 107].map((cycleCount) => beat({ battery: { percent: 50, health: 90, charging: false, cycleCount } }));
    expect(averageUsage(reports, 7).meters.batteryCycles).toBe(1);
  });

  it('knows nothing of a meter no report carried, and ignores malformed values', () => {
    const usage = averageUsage([{ transactions: { count: -3 } }, 'garbage', null, { printer: { receipts: 'many' } }], 7);
    expect(usage).toEqual({ transactionsPerDay: null, meters: { cardInsertions: null, receipts: null, batteryCycles: null } });
  });
});
