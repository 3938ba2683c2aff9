// A site is closed by its opening hours for a stretch of time, in its own time zone.
import { describe, expect, it } from 'vitest';
import { closedThrough } from './site-closed.ts';

const HOURS = { mon: [{ open: '09:00', close: '21:00' }], tue: [{ open: '09:00', close: '21:00' }] };

describe('closed by opening hours', () => {
  it('is closed at night in the site\'s time zone, for the whole of the work', () => {
    // Tuesday 01:00 in Shanghai (Monday 17:00 UTC), 4 hours of work.
    expect(closedThrough(HOURS, 'Asia/Shanghai', new Date('2026-06-15T17:00:00Z'), 240)).toEqual({ closed: true });
  });

  it('is not closed when the site opens before the work would end, saying when', () => {
    // Tuesday 08:30 in Shanghai: it opens at 09:00.
    expect(closedThrough(HOURS, 'Asia/Shanghai', new Date('2026-06-16T00:30:00Z'), 60)).toEqual({
      closed: false, reason: 'open', message: 'the site is open at 2026-06-16T09:00:00+08:00 by its opening hours',
    });
  });

  it('cannot tell without opening hours', () => {
    expect(closedThrough({}, 'Asia/Shanghai', new Date('2026-06-15T17:00:00Z'), 60)).toMatchObject({ closed: false, reason: 'no_opening_hours' });
  });
});
