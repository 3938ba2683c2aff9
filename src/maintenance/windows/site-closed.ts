// Is a site closed, by its opening hours, for the whole of a stretch of time? Pure. Used where the
// continuity rule may let a site's only terminal go down because nobody can be trading then.
import { localParts, formatLocal } from './time-zone.ts';
import { WEEKDAYS, type OpeningHours } from './suggest-window.ts';

const MINUTE_MS = 60_000;

export type ClosedCheck =
  | { closed: true }
  | { closed: false; reason: 'no_opening_hours' | 'open'; message: string };

/** Minute of the day an 'HH:MM' (or '24:00') clock time stands for. */
const minuteOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

function openAt(hours: OpeningHours, utcMs: number, timeZone: string): boolean {
  const p = localParts(utcMs, timeZone);
  return (hours[WEEKDAYS[p.weekday]!] ?? []).some((i) => p.minuteOfDay >= minuteOf(i.open) && p.minuteOfDay < minuteOf(i.close));
}

/**
 * Closed from `from` for `minutes` minutes, minute by minute in the site's time zone. A site without
 * opening hours cannot be known to be closed.
 */
export function closedThrough(hours: OpeningHours, timeZone: string, from: Date, minutes: number): ClosedCheck {
  if (!Object.values(hours).some((day) => day && day.length > 0)) {
    return { closed: false, reason: 'no_opening_hours', message: 'the site has no opening hours, so it cannot be known to be closed' };
  }
  const start = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let at = start; at < from.getTime() + minutes * MINUTE_MS; at += MINUTE_MS) {
    if (openAt(hours, at, timeZone)) {
      return { closed: false, reason: 'open', message: `the site is open at ${formatLocal(at, timeZone)} by its opening hours` };
    }
  }
  return { closed: true };
}
