// The daily batch close (settlement) as a site's effective parameter `batchCloseTime` ('HH:MM', the
// site's time): planned maintenance never runs across it. Pure: given a window's occurrence, the part
// of it clear of the batch close (with a guard either side) where the work still fits, or null.
import { localParts } from './time-zone.ts';
import type { Occurrence } from './window-definition.ts';

export const BATCH_CLOSE_PARAMETER = 'batchCloseTime';
const MINUTE_MS = 60_000;
const DAY_MS = 1440 * MINUTE_MS;

/**
 * The earliest stretch of the occurrence (from `from` on) at least `minutes` long that keeps `guardMinutes`
 * away from every batch close. The close's instant is taken from the local time at the occurrence's start
 * (a daylight-saving change inside one window moves it by that hour at most, inside the guard of most sites).
 */
export function clearOfBatchClose(occurrence: Occurrence, from: Date, minutes: number, batchClose: string | undefined, timeZone: string, guardMinutes = 30): Occurrence | null {
  const start = Math.max(occurrence.start.getTime(), from.getTime());
  const end = occurrence.end.getTime();
  const need = minutes * MINUTE_MS;
  const match = batchClose && /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(batchClose);
  if (!match) return end - start >= need ? { start: new Date(start), end: occurrence.end } : null;
  const closeMinute = Number(match[1]) * 60 + Number(match[2]);
  const local = localParts(start, timeZone);
  const firstClose = start - ((local.minuteOfDay - closeMinute + 1440) % 1440) * MINUTE_MS - (start % MINUTE_MS);
  const guard = guardMinutes * MINUTE_MS;
  // Free stretches between the guarded closes, from one close before the start to one after the end.
  let cursor = start;
  for (let close = firstClose; close - guard < end + DAY_MS; close += DAY_MS) {
    const freeEnd = Math.min(end, close - guard);
    if (freeEnd - cursor >= need) return { start: new Date(cursor), end: new Date(freeEnd) };
    cursor = Math.max(cursor, close + guard);
    if (cursor >= end) break;
  }
  return end - cursor >= need ? { start: new Date(cursor), end: occurrence.end } : null;
}
