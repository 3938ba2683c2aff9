import { describe, expect, it } from 'vitest';
import { suggestTechnicians } from './assignment.ts';
import { canMove, technicianMayMoveTo, WORK_ORDER_STATUSES } from './work-order-states.ts';

describe('the work-order lifecycle', () => {
  it('goes open → assigned → in_progress → on_hold → in_progress → done', () => {
    const path = ['open', 'assigned', 'in_progress', 'on_hold', 'in_progress', 'done'] as const;
    for (let i = 1; i < path.length; i++) expect(canMove(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`).toBe(true);
  });

  it('never leaves done or cancelled, and cannot skip straight from open to done', () => {
    for (const to of WORK_ORDER_STATUSES) {
      expect(canMove('done', to)).toBe(false);
      expect(canMove('cancelled', to)).toBe(false);
    }
    expect(canMove('open', 'done')).toBe(false);
  });

  it('lets technicians work and finish but not cancel or reopen', () => {
    expect(technicianMayMoveTo('done')).toBe(true);
    expect(technicianMayMoveTo('cancelled')).toBe(false);
    expect(technicianMayMoveTo('open')).toBe(false);
  });
});

describe('assignment suggestions', () => {
  it('prefers the region, then the skill, then the lighter load', () => {
    const ranked = suggestTechnicians([
      { id: 'a', name: 'Far away', skills: ['hardware'], regions: ['BJ'], load: 0 },
      { id: 'b', name: 'Local busy', skills: ['hardware'], regions: ['SH'], load: 3 },
      { id: 'c', name: 'Local free', skills: ['hardware'], regions: ['SH'], load: 0 },
      { id: 'd', name: 'Local unskilled', skills: [], regions: ['SH'], load: 0 },
    ], { siteCode: 'SH-001', skill: 'hardware' });
    expect(ranked.map((s) => s.technicianId)).toEqual(['c', 'b', 'd', 'a']);
    expect(ranked[0]!.reasons).toContain('works in region SH');
  });
});
