// Pure rules of quiet hours and rate limits: whether a notice is urgent (it goes through anyway),
// whether an instant falls in a channel's quiet hours and when they end, and when a rate window ends.
// No I/O: the service asks these and the database keeps the counts.
import { DateTime } from 'luxon';
import type { NotificationEvent, NotificationEventData } from './notification-events.ts';

/** "HH:MM", 00:00–23:59. */
export const CLOCK_TIME = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

export interface QuietHours {
  /** Local wall-clock time the quiet begins (inclusive), "22:00". */
  start: string;
  /** Local wall-clock time it ends (exclusive), "07:00"; before start means it crosses midnight. */
  end: string;
  /** IANA time zone of the two times. */
  timeZone: string;
}

/** Rules whose incidents are urgent whatever their severity: a terminal tampered with, a whole site down. */
export const URGENT_RULES: readonly string[] = ['tamper', 'site_network_down'];

/**
 * Urgent notices are never held for quiet hours nor folded by a rate limit (they still count toward
 * it): an incident opened or still open that is critical, tampering or a site down; a rollout that
 * halted itself; maintenance that failed and left terminals for a technician. Good news (resolved,
 * completed) and reminders of schedules always wait.
 */
export function isUrgent<E extends NotificationEvent>(event: E, data: NotificationEventData[E]): boolean {
  switch (event) {
    case 'incident.opened':
    case 'incident.reminder': {
      const d = data as NotificationEventData['incident.opened'];
      return d.severity === 'critical' || URGENT_RULES.includes(d.rule);
    }
    case 'campaign.halted':
    case 'maintenance.spare_needed':
    case 'maintenance.spare_overdue':
      // Someone must act by a deadline: held until the morning, it would be too late.
      return true;
    case 'maintenance.failed':
      return (data as NotificationEventData['maintenance.failed']).outcome === 'handed_to_technician';
    default:
      return false;
  }
}

function minutes(clock: string): number {
  const [h = 0, m = 0] = clock.split(':').map(Number);
  return h * 60 + m;
}

/**
 * The instant the quiet hours around `at` end, or null when `at` is outside them. Times are wall-clock
 * times in the zone, so "22:00–07:00 Europe/Berlin" stays 22:00–07:00 across daylight-saving changes;
 * an end that falls into a spring-forward gap (02:30 on that night) is moved on by the gap's hour.
 */
export function quietUntil(at: Date, quiet: QuietHours): Date | null {
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return null;
  const local = DateTime.fromJSDate(at, { zone: quiet.timeZone });
  const now = local.hour * 60 + local.minute;
  let endDay: number;
  if (start < end) {
    if (now < start || now >= end) return null;
    endDay = 0;
  } else if (now >= start) {
    endDay = 1; // 22:00–07:00, now 23:10: it ends tomorrow morning
  } else if (now < end) {
    endDay = 0; // now 05:00: it ends this morning
  } else {
    return null;
  }
  const ends = local.startOf('day').plus({ days: endDay }).set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  return ends.toJSDate();
}

/** When the current rate window ends; a window opens with the first notice after the last one ended. */
export function rateWindowEnd(windowStart: string, periodMinutes: number): Date {
  return new Date(Date.parse(windowStart) + periodMinutes * 60_000);
}

/** A channel's quiet hours in a zone: its own, else its merchant's (fleet channels always name one). */
export function channelQuietHours(
  channel: { quiet_start: string | null; quiet_end: string | null; quiet_time_zone: string | null },
  merchantTimeZone: string | null,
): QuietHours | null {
  if (channel.quiet_start === null || channel.quiet_end === null) return null;
  return { start: channel.quiet_start, end: channel.quiet_end, timeZone: channel.quiet_time_zone ?? merchantTimeZone ?? 'UTC' };
}
