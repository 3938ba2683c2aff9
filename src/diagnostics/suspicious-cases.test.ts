import { describe, expect, it } from 'vitest';
import { refuseTransition } from './suspicious-cases.ts';

describe('suspicious-activity case states', () => {
  it('goes open → investigating → resolved or dismissed, with a reason to close', () => {
    expect(refuseTransition('open', 'investigating', undefined)).toBeNull();
    expect(refuseTransition('investigating', 'resolved', 'skimmer removed, bank told')).toBeNull();
    expect(refuseTransition('open', 'dismissed', 'the cashier\'s own card')).toBeNull();
    expect(refuseTransition('investigating', 'dismissed', '  ')).toMatchObject({ kind: 'invalid', field: 'note' });
  });

  it('never reopens a closed case nor goes back', () => {
    expect(refuseTransition('resolved', 'open', 'again')).toMatchObject({ kind: 'conflict', field: 'status' });
    expect(refuseTransition('dismissed', 'investigating', undefined)).toMatchObject({ kind: 'conflict' });
    expect(refuseTransition('investigating', 'open', undefined)).toMatchObject({ kind: 'conflict' });
    expect(refuseTransition('open', 'open', undefined)).toMatchObject({ kind: 'conflict', key: 'diagnostics.case_transition', params: { why: 'same', from: 'open' } });
  });
});
