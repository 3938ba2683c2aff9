// The maintenance job state machine, without a database.
import { describe, expect, it } from 'vitest';
import { canTransition, isStaleReport, modeOf, verdict } from './job-states.ts';

describe('maintenance job states', () => {
  it('lets the terminal walk the happy path and only the terminal report its own steps', () => {
    expect(canTransition('draining', 'in_maintenance', 'terminal')).toBe(true);
    expect(canTransition('draining', 'in_maintenance', 'operator')).toBe(false);
    expect(canTransition('in_maintenance', 'restarting', 'terminal')).toBe(true);
    expect(canTransition('restarting', 'verifying', 'terminal')).toBe(true);
    expect(canTransition('verifying', 'completed', 'server')).toBe(true);
  });

  it('never leaves a final state', () => {
    for (const to of ['draining', 'failed', 'completed'] as const) {
      expect(canTransition('completed', to, 'operator')).toBe(false);
      expect(canTransition('aborted', to, 'server')).toBe(false);
    }
  });

  it('treats a repeated or late report of an earlier step as stale', () => {
    expect(isStaleReport('restarting', 'in_maintenance')).toBe(true);
    expect(isStaleReport('restarting', 'restarting')).toBe(true);
    expect(isStaleReport('completed', 'verifying')).toBe(true);
    expect(isStaleReport('in_maintenance', 'restarting')).toBe(false);
  });

  it('completes only when every self-test passed', () => {
    expect(verdict([{ name: 'printer', passed: true }, { name: 'card reader', passed: true }])).toBe('completed');
    expect(verdict([{ name: 'printer', passed: true }, { name: 'card reader', passed: false }])).toBe('failed');
    expect(verdict([])).toBe('failed');
  });

  it('shows maintenance only while out of service, and a lock above everything', () => {
    expect(modeOf(false, 'announced')).toBe('normal');
    expect(modeOf(false, 'draining')).toBe('maintenance');
    expect(modeOf(false, 'failed')).toBe('normal');
    expect(modeOf(true, 'verifying')).toBe('locked');
  });
});
