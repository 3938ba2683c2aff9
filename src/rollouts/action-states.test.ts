// One terminal's action in a campaign and how feedback moves it, without a database.
import { describe, expect, it } from 'vitest';
import { applyFeedback, emptyTally, FEEDBACK_STATUSES, installFailure, waveInstalled, type ActionState } from './action-states.ts';

const tally = (counts: Partial<Record<ActionState, number>>) => ({ ...emptyTally(), ...counts });

describe('feedback on an action', () => {
  it('moves an offered action forward, skipping steps the terminal did not report', () => {
    expect(applyFeedback('scheduled', 'downloading')).toEqual({ change: true, to: 'downloading' });
    expect(applyFeedback('downloading', 'downloaded')).toEqual({ change: true, to: 'downloaded' });
    expect(applyFeedback('scheduled', 'installed')).toEqual({ change: true, to: 'installed' });
    expect(applyFeedback('installing', 'installed')).toEqual({ change: true, to: 'installed' });
  });

  it('changes nothing on a repeated or late report', () => {
    expect(applyFeedback('downloading', 'downloading')).toEqual({ change: false, why: 'the action is already downloading' });
    expect(applyFeedback('installed', 'downloaded')).toEqual({ change: false, why: 'a late report: the action is already installed' });
    expect(applyFeedback('installing', 'downloading')).toMatchObject({ change: false });
  });

  it('takes a failure at any point before the action closed', () => {
    for (const from of ['scheduled', 'downloading', 'downloaded', 'installing', 'installed'] as const) expect(applyFeedback(from, 'failed')).toEqual({ change: true, to: 'failed' });
  });

  it('changes nothing once the action closed, nor before its wave started', () => {
    for (const closed of ['succeeded', 'failed', 'skipped', 'cancelled'] as const) {
      for (const status of ['downloading', 'installed', 'failed'] as const) expect(applyFeedback(closed, status)).toEqual({ change: false, why: `the action is already ${closed}` });
    }
    expect(applyFeedback('queued', 'downloading')).toMatchObject({ change: false, why: expect.stringContaining('not been offered') });
    expect(applyFeedback('queued', 'failed')).toMatchObject({ change: false });
  });

  it('closes an action as succeeded only from the server side (hawkBit feedback), never from the terminal protocol', () => {
    expect(applyFeedback('installed', 'succeeded')).toEqual({ change: true, to: 'succeeded' });
    expect(applyFeedback('succeeded', 'installed')).toMatchObject({ change: false });
    expect(FEEDBACK_STATUSES).not.toContain('succeeded');
  });
});

describe('a wave and its installs', () => {
  it('fails a wave when its failures pass the allowed share of the whole wave', () => {
    // One early failure in a wave of 20: 5 %, within 10 %.
    expect(installFailure(tally({ failed: 1, scheduled: 19 }), 0.1)).toEqual({ failed: false, rate: 0.05, attempted: 20 });
    // Three: 15 % of the wave is certain to have failed, whatever the others do.
    expect(installFailure(tally({ failed: 3, scheduled: 10, succeeded: 7 }), 0.1)).toEqual({ failed: true, rate: 0.15, attempted: 20 });
    // Exactly at the threshold is allowed.
    expect(installFailure(tally({ failed: 1, succeeded: 9 }), 0.1).failed).toBe(false);
  });

  it('leaves out terminals that were skipped or cancelled, and those not offered yet', () => {
    expect(installFailure(tally({ failed: 1, succeeded: 1, skipped: 8, cancelled: 5, queued: 4 }), 0.4)).toEqual({ failed: true, rate: 0.5, attempted: 2 });
  });

  it('never fails a wave without failures, even with a threshold of zero', () => {
    expect(installFailure(tally({ succeeded: 3 }), 0).failed).toBe(false);
    expect(installFailure(tally({ skipped: 3 }), 0)).toEqual({ failed: false, rate: 0, attempted: 0 });
    expect(installFailure(tally({ failed: 1, succeeded: 99 }), 0).failed).toBe(true);
  });

  it('counts a wave installed once every action closed', () => {
    expect(waveInstalled(tally({ succeeded: 3, failed: 1, skipped: 2, cancelled: 1 }))).toBe(true);
    expect(waveInstalled(emptyTally())).toBe(true);
    for (const open of ['queued', 'scheduled', 'downloading', 'downloaded', 'installing', 'installed'] as const) {
      expect(waveInstalled(tally({ succeeded: 3, [open]: 1 })), open).toBe(false);
    }
  });
});
