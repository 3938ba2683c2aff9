import { describe, expect, it } from 'vitest';
import { waveWaiting, type WaveFacts } from './wave-waiting.ts';

const now = new Date('2026-12-07T02:15:00.000Z');
const base: WaveFacts = { campaignState: 'running', halt: null, wave: 1, waveState: 'installing', installedAt: null, observeMinutes: 60, waitingJobs: [], queuedReasons: [] };
const shop = { siteId: 's1', siteName: 'Shop 1', timeZone: 'Asia/Shanghai' };

describe('why a wave waits', () => {
  it('names the window it waits for, the earliest first', () => {
    const waiting = waveWaiting({ ...base, waitingJobs: [
      { jobState: 'scheduled', plannedStart: '2026-12-07T03:00:00.000Z', waitingReason: null, waitingCode: null, ...shop },
      { jobState: 'announced', plannedStart: '2026-12-07T02:30:00.000Z', waitingReason: null, waitingCode: null, ...shop, siteName: 'Shop 2' },
      { jobState: 'draining', plannedStart: '2026-12-07T02:00:00.000Z', waitingReason: null, waitingCode: null, ...shop },
    ] }, now);
    expect(waiting).toMatchObject({ code: 'window', terminals: 2, at: '2026-12-07T02:30:00.000Z', site: { name: 'Shop 2', timeZone: 'Asia/Shanghai' } });
  });

  it('says when the continuity rule holds a due job, before any window', () => {
    const waiting = waveWaiting({ ...base, waitingJobs: [
      { jobState: 'scheduled', plannedStart: '2026-12-07T02:00:00.000Z', waitingReason: 'taking terminal T1 down would leave 0 terminal(s) in service; at least 1 must stay', waitingCode: 'last_in_service', ...shop },
      { jobState: 'scheduled', plannedStart: '2026-12-07T03:00:00.000Z', waitingReason: null, waitingCode: null, ...shop },
    ] }, now);
    expect(waiting).toMatchObject({ code: 'continuity', terminals: 1, site: { name: 'Shop 1' } });
  });

  it('tells a spare asked for and a window moved to its next occurrence apart by their codes', () => {
    const due = { jobState: 'scheduled', plannedStart: '2026-12-07T02:00:00.000Z', ...shop };
    expect(waveWaiting({ ...base, waitingJobs: [{ ...due, waitingReason: 'a spare was asked for', waitingCode: 'backup_not_fresh' }] }, now)).toMatchObject({ code: 'spare', terminals: 1 });
    expect(waveWaiting({ ...base, waitingJobs: [{ ...due, waitingReason: 'no occurrence fits', waitingCode: 'no_fitting_window' }] }, now)).toMatchObject({ code: 'window', terminals: 1 });
  });

  it('says a halt and a pause before anything else, and observation with its end', () => {
    expect(waveWaiting({ ...base, campaignState: 'halted', halt: { wave: 1, kind: 'payments', reason: 'worse' } }, now)?.code).toBe('halted_payments');
    expect(waveWaiting({ ...base, campaignState: 'paused' }, now)?.code).toBe('paused');
    expect(waveWaiting({ ...base, waveState: 'observing', installedAt: '2026-12-07T02:00:00.000Z' }, now)).toMatchObject({ code: 'observing', at: '2026-12-07T03:00:00.000Z' });
    expect(waveWaiting({ ...base, queuedReasons: ['no room for job under the fleet-wide limit', null] }, now)).toMatchObject({ code: 'no_room', terminals: 1 });
    expect(waveWaiting(base, now)).toBeNull();
  });
});
