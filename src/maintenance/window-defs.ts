// What the window services share: their settings, a window row read as the rules read it, and the
// occurrence arithmetic of planning and of the start gate.
import { formatLocal, nextOccurrence, windowAt, type Occurrence, type WindowDef } from './windows/index.ts';
import { MINUTE_MS } from './windows/time-zone.ts';
import type { WindowRow } from './windows.repository.ts';

export interface WindowSettings {
  /** A planned job's lease ends at most this long after its window closes: the terminal trades again by then. */
  leaseGraceMinutes: number;
  /** Planning keeps this much of a window's end free of starts, so that a start a tick late still fits. */
  startSlackMinutes: number;
  /** The span a terminal's first heartbeat in the history is taken to cover. */
  heartbeatIntervalSeconds: number;
  /** At most this many heartbeats are read for a suggested window; fewer weeks are read beyond it. */
  maxHeartbeatRows: number;
}

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = { leaseGraceMinutes: 5, startSlackMinutes: 2, heartbeatIntervalSeconds: 60, maxHeartbeatRows: 200_000 };

export const unique = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => v !== null))];

export function definitionOf(row: WindowRow): WindowDef {
  const common = { durationMinutes: row.duration_minutes, timeZone: row.time_zone };
  if (row.schedule_kind === 'once') return { kind: 'once', start: row.schedule_start ?? '', ...common };
  if (row.schedule_kind === 'rrule') return { kind: 'rrule', rrule: row.rrule ?? '', ...common };
  return { kind: 'cron', cron: row.cron ?? '', ...common };
}

export function occurrenceView(o: Occurrence, timeZone: string) {
  return { start: o.start.toISOString(), end: o.end.toISOString(), localStart: formatLocal(o.start.getTime(), timeZone), localEnd: formatLocal(o.end.getTime(), timeZone) };
}

/**
 * The first occurrence, open at `from` or later, with at least `minutes` left after `from`. Every
 * occurrence lasts the window's duration, so after the first only a window too short for the work fails.
 */
export function fittingOccurrence(def: WindowDef, from: Date, minutes: number): Occurrence | null {
  if (def.durationMinutes < minutes) return null;
  let cursor = from;
  for (let i = 0; i < 3; i++) {
    const occurrence = nextOccurrence(def, cursor);
    if (!occurrence) return null;
    if (occurrence.end.getTime() - Math.max(occurrence.start.getTime(), from.getTime()) >= minutes * MINUTE_MS) return occurrence;
    cursor = occurrence.end;
  }
  return null;
}

/** Where a moved job starts in its new occurrence: at the same distance from the opening as before, while its work still fits. */
export function placeInWindow(def: WindowDef, plannedStart: string, next: Occurrence, minutes: number): number {
  const planned = windowAt(def, new Date(plannedStart));
  const offset = planned ? Date.parse(plannedStart) - planned.start.getTime() : 0;
  const room = next.end.getTime() - next.start.getTime() - minutes * MINUTE_MS;
  return Math.max(0, Math.min(offset, room));
}
