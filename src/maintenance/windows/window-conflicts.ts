// Windows of one target (a site, a terminal, a merchant) that contradict each other: different time
// zones, or occurrences that overlap so "is work allowed now, and until when?" gets two answers. Pure.
import type { Occurrence, WindowDef } from './window-definition.ts';
import { occurrences } from './window-schedule.ts';

export interface TargetWindow {
  id: string;
  /** what the window applies to: a site, a terminal, a merchant … */
  target: string;
  def: WindowDef;
}

export type WindowConflict =
  | { kind: 'overlap'; target: string; ids: [string, string]; first: Occurrence; count: number; message: string }
  | { kind: 'time_zone'; target: string; ids: [string, string]; timeZones: [string, string]; message: string };

/**
 * Windows of the same target that contradict each other between `from` and `to`. Two windows contradict
 * when (a) they name different time zones — one target is in one place, so one of them reads its local
 * times wrongly — or (b) their occurrences overlap in time, so "is work allowed now, and until when?"
 * gets two answers (one window may already have closed while the other is still open). Windows that only
 * touch do not overlap. Definitions must be valid (see validateWindow); the range is bounded as in
 * occurrences().
 */
export function conflicts(windows: readonly TargetWindow[], from: Date, to: Date): WindowConflict[] {
  const byTarget = new Map<string, TargetWindow[]>();
  for (const window of windows) {
    const list = byTarget.get(window.target) ?? [];
    list.push(window);
    byTarget.set(window.target, list);
  }
  const found: WindowConflict[] = [];
  for (const [target, list] of byTarget) {
    const occ = list.map((w) => occurrences(w.def, from, to));
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        const zoneA = a.def.timeZone;
        const zoneB = b.def.timeZone;
        if (zoneA !== undefined && zoneB !== undefined && zoneA !== zoneB) {
          found.push({
            kind: 'time_zone', target, ids: [a.id, b.id], timeZones: [zoneA, zoneB],
            message: `windows ${a.id} and ${b.id} of ${target} read their times in different time zones (${zoneA}, ${zoneB})`,
          });
        }
        const overlap = overlapOf(occ[i]!, occ[j]!);
        if (overlap) {
          found.push({
            kind: 'overlap', target, ids: [a.id, b.id], first: overlap.first, count: overlap.count,
            message: `windows ${a.id} and ${b.id} of ${target} overlap ${overlap.count} time(s), first from ${overlap.first.start.toISOString()} to ${overlap.first.end.toISOString()}`,
          });
        }
      }
    }
  }
  return found;
}

function overlapOf(a: Occurrence[], b: Occurrence[]): { first: Occurrence; count: number } | null {
  let i = 0;
  let j = 0;
  let count = 0;
  let first: Occurrence | null = null;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.end <= y.start) i++;
    else if (y.end <= x.start) j++;
    else {
      count++;
      first ??= { start: x.start > y.start ? x.start : y.start, end: x.end < y.end ? x.end : y.end };
      if (x.end <= y.end) i++;
      else j++;
    }
  }
  return first ? { first, count } : null;
}
