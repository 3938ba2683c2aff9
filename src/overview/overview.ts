// The fleet overview's figures over time, as pure functions: the local days of a period in a time zone,
// and per day the incidents opened (by severity), maintenance jobs started, work orders done, and the
// fleet health score as it stood at the day's end, recomputed from the incidents open at that moment.
import { DateTime } from 'luxon';
import { healthScore, type ScoredIncident } from '../diagnostics/health-score.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type BySeverity = Record<(typeof SEVERITIES)[number], number>;

export interface Day {
  /** Local date, yyyy-MM-dd. */
  day: string;
  start: number;
  end: number;
}

/** The last `count` local days at `timeZone`, today included (its end is now). */
export function lastDays(count: number, timeZone: string, now: Date): Day[] {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  return Array.from({ length: count }, (_, i) => {
    const start = today.minus({ days: count - 1 - i });
    return { day: start.toISODate()!, start: start.toMillis(), end: Math.min(start.plus({ days: 1 }).toMillis(), now.getTime()) };
  });
}

export interface IncidentSpan extends ScoredIncident {
  firstSeenAt: number;
  /** null while still open. */
  resolvedAt: number | null;
}

export interface DayFigures {
  day: string;
  incidentsOpened: BySeverity;
  maintenanceJobs: number;
  workOrdersDone: number;
  /** The fleet health score at the day's end (now, for today). */
  healthScore: number;
}

export const noneBySeverity = (): BySeverity => ({ low: 0, medium: 0, high: 0, critical: 0 });

export function dailyFigures(
  days: Day[],
  facts: { incidents: IncidentSpan[]; jobStarts: number[]; workOrdersDone: number[]; terminals: number; siteTerminals: ReadonlyMap<string, readonly string[]> },
): DayFigures[] {
  const within = (at: number, d: Day) => at >= d.start && at < d.end;
  return days.map((d) => {
    const incidentsOpened = noneBySeverity();
    for (const i of facts.incidents) {
      if (within(i.firstSeenAt, d) && i.severity in incidentsOpened) incidentsOpened[i.severity as keyof BySeverity]++;
    }
    const openAtEnd = facts.incidents.filter((i) => i.firstSeenAt < d.end && (i.resolvedAt === null || i.resolvedAt >= d.end));
    return {
      day: d.day, incidentsOpened,
      maintenanceJobs: facts.jobStarts.filter((at) => within(at, d)).length,
      workOrdersDone: facts.workOrdersDone.filter((at) => within(at, d)).length,
      healthScore: healthScore(facts.terminals, openAtEnd, facts.siteTerminals).score,
    };
  });
}
