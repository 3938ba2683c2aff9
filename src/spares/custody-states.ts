// The chain of custody of a terminal taken out of a site, as a pure state machine:
// at_site → in_transit → in_repair → back_in_pool | scrapped. The service stores each step with who,
// when and a note; a step the machine does not allow is refused and nothing changes.

export const CUSTODY_STATES = ['at_site', 'in_transit', 'in_repair', 'back_in_pool', 'scrapped'] as const;
export type CustodyState = (typeof CUSTODY_STATES)[number];

const NEXT: Record<CustodyState, readonly CustodyState[]> = {
  at_site: ['in_transit'],
  in_transit: ['in_repair'],
  in_repair: ['back_in_pool', 'scrapped'],
  back_in_pool: [],
  scrapped: [],
};

export function canStep(from: CustodyState, to: CustodyState): boolean {
  return NEXT[from].includes(to);
}

/** The steps that may follow `state` (none once the custody is closed). */
export function nextSteps(state: CustodyState): readonly CustodyState[] {
  return NEXT[state];
}

export function isClosedCustody(state: CustodyState): boolean {
  return NEXT[state].length === 0;
}

export function isCustodyState(value: string): value is CustodyState {
  return (CUSTODY_STATES as readonly string[]).includes(value);
}
