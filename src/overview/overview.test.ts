import { describe, expect, it } from 'vitest';
import { dailyFigures, lastDays, type IncidentSpan } from './overview.ts';

const at = (iso: string) => Date.parse(iso);
const incident = (id: string, severity: string, from: string, to: string | null, terminalId: string | null = 't1', siteId: string | null = 's'): IncidentSpan => ({
  id, rule: 'printer_jam', severity, terminalId, siteId, firstSeenAt: at(from), resolvedAt: to ? at(to) : null,
});

describe('the overview over days', () => {
  it('counts local days in the time zone asked for, today ending now', () => {
    const days = lastDays(3, 'Asia/Shanghai', new Date('2026-11-25T02:00:00.000Z')); // 10:00 in Shanghai
    expect(days.map((d) => d.day)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
    expect(new Date(days[0]!.start).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(new Date(days[2]!.end).toISOString()).toBe('2026-11-25T02:00:00.000Z');
    // Across a daylight-saving change a day is 23 hours long.
    const berlin = lastDays(2, 'Europe/Berlin', new Date('2026-03-30T12:00:00.000Z'));
    expect(berlin[0]).toMatchObject({ day: '2026-03-29', end: at('2026-03-29T22:00:00.000Z') });
    expect(berlin[0]!.end - berlin[0]!.start).toBe(23 * 3_600_000);
  });

  it('counts what happened each day, and the health score as it stood at each day\'s end', () => {
    const days = lastDays(3, 'UTC', new Date('2026-11-25T12:00:00.000Z'));
    const figures = dailyFigures(days, {
      incidents: [
        incident('a', 'high', '2026-11-23T08:00:00.000Z', '2026-11-24T09:00:00.000Z'), // one day, resolved the next
        incident('b', 'low', '2026-11-24T10:00:00.000Z', null, 't2'), // still open
        incident('c', 'critical', '2026-11-25T01:00:00.000Z', '2026-11-25T02:00:00.000Z', null, 's'), // a site incident, over before now
      ],
      jobStarts: [at('2026-11-24T03:00:00.000Z'), at('2026-11-24T23:59:59.000Z')],
      workOrdersDone: [at('2026-11-25T11:00:00.000Z')],
      terminals: 4,
      siteTerminals: new Map([['s', ['t1', 't2', 't3', 't4']]]),
    });
    expect(figures).toEqual([
      { day: '2026-11-23', incidentsOpened: { low: 0, medium: 0, high: 1, critical: 0 }, maintenanceJobs: 0, workOrdersDone: 0, healthScore: 95 }, // (80+100+100+100)/4
      { day: '2026-11-24', incidentsOpened: { low: 1, medium: 0, high: 0, critical: 0 }, maintenanceJobs: 2, workOrdersDone: 0, healthScore: 99 }, // (100+95+100+100)/4
      { day: '2026-11-25', incidentsOpened: { low: 0, medium: 0, high: 0, critical: 1 }, maintenanceJobs: 0, workOrdersDone: 1, healthScore: 99 },
    ]);
  });
});
