// Maintenance figures from plain job rows.
import { describe, expect, it } from 'vitest';
import { addJob, averageTicket, emptyFigures, type JobFacts } from './figures.ts';

const NONE = { minor: 0, currency: 'CNY' };

const job = (over: Partial<JobFacts>): JobFacts => ({
  siteId: 's', merchantId: 'm', terminalId: 't', state: 'completed', startedAt: '2026-11-25T02:00:00.000Z', endedAt: '2026-11-25T02:15:00.000Z',
  updatedAt: '2026-11-25T02:15:00.000Z', expectedMinutes: 20, refusedTransactions: 0, ...over,
});

describe('maintenance figures', () => {
  it('counts jobs on time, late, failed and running, with their downtime', () => {
    const f = emptyFigures();
    const now = new Date('2026-11-25T03:00:00.000Z');
    addJob(f, job({}), NONE, now); // 15 min, on time
    addJob(f, job({ endedAt: '2026-11-25T02:45:00.000Z' }), NONE, now); // 45 min, late
    addJob(f, job({ state: 'rolled_back', endedAt: '2026-11-25T02:30:00.000Z' }), NONE, now); // 30 min, failed
    addJob(f, job({ state: 'in_maintenance', endedAt: null, startedAt: '2026-11-25T02:50:00.000Z' }), NONE, now); // 10 min so far
    addJob(f, job({ state: 'scheduled', startedAt: null, endedAt: null }), NONE, now);
    expect(f.jobs).toEqual({ total: 5, onTime: 1, late: 1, failed: 1, running: 1, waiting: 1 });
    expect(f.downtimeMinutes).toBe(15 + 45 + 30 + 10);
  });

  it('prices refused transactions at the terminal\'s average ticket, per currency', () => {
    const f = emptyFigures();
    addJob(f, job({ refusedTransactions: 4 }), averageTicket({ count: 10, amountMinor: 3550, currency: 'CNY' }), new Date());
    addJob(f, job({ refusedTransactions: 2 }), averageTicket({ count: 4, amountMinor: 5000, currency: 'GBP' }), new Date());
    addJob(f, job({ refusedTransactions: 1 }), averageTicket({ count: 1, amountMinor: 1000, currency: null }), new Date()); // no currency reported: CNY
    expect(f).toMatchObject({ refusedTransactions: 7, estimatedRevenueLost: { CNY: 1420 + 1000, GBP: 2500 } });
    expect(averageTicket({ count: 0, amountMinor: 0, currency: 'GBP' })).toEqual({ minor: 0, currency: 'GBP' });
  });
});
