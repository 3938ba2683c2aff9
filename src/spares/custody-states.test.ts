import { describe, expect, it } from 'vitest';
import { canStep, CUSTODY_STATES, isClosedCustody, nextSteps } from './custody-states.ts';

describe('chain of custody', () => {
  it('goes from the site through transit into repair, then back to a pool or to scrap', () => {
    expect(canStep('at_site', 'in_transit')).toBe(true);
    expect(canStep('in_transit', 'in_repair')).toBe(true);
    expect(canStep('in_repair', 'back_in_pool')).toBe(true);
    expect(canStep('in_repair', 'scrapped')).toBe(true);
  });

  it('skips no step and never goes back', () => {
    expect(canStep('at_site', 'in_repair')).toBe(false);
    expect(canStep('at_site', 'back_in_pool')).toBe(false);
    expect(canStep('in_transit', 'scrapped')).toBe(false);
    expect(canStep('in_repair', 'in_transit')).toBe(false);
    expect(canStep('in_repair', 'in_repair')).toBe(false);
  });

  it('ends at back_in_pool or scrapped', () => {
    for (const closed of ['back_in_pool', 'scrapped'] as const) {
      expect(isClosedCustody(closed)).toBe(true);
      for (const to of CUSTODY_STATES) expect(canStep(closed, to)).toBe(false);
    }
    expect(nextSteps('at_site')).toEqual(['in_transit']);
    expect(isClosedCustody('in_repair')).toBe(false);
  });
});
