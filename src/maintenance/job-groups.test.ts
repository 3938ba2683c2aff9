import { describe, expect, it } from 'vitest';
import { groupStep } from './job-groups.ts';

describe('what a group action does to a job', () => {
  it('finishes running jobs and withdraws those still waiting for their start', () => {
    for (const state of ['draining', 'in_maintenance', 'restarting', 'verifying'] as const) expect(groupStep(state, 'finish')).toBe('complete');
    for (const state of ['scheduled', 'announced'] as const) expect(groupStep(state, 'finish')).toBe('withdraw');
  });

  it('leaves ended jobs alone, so a second click does nothing', () => {
    for (const state of ['completed', 'aborted', 'rolled_back', 'handed_to_technician'] as const) {
      for (const action of ['finish', 'extend', 'abort'] as const) expect(groupStep(state, action)).toBe('already_ended');
    }
  });

  it('leaves a failed job to its technician or its roll-back', () => {
    for (const action of ['finish', 'extend', 'abort'] as const) expect(groupStep('failed', action)).toBe('not_possible');
  });

  it('extends and cancels waiting and running jobs', () => {
    expect(groupStep('scheduled', 'extend')).toBe('extend');
    expect(groupStep('in_maintenance', 'extend')).toBe('extend');
    expect(groupStep('announced', 'abort')).toBe('abort');
    expect(groupStep('draining', 'abort')).toBe('abort');
  });
});
