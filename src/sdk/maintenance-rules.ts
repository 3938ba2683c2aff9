// The terminal SDK's pure rules for maintenance mode: what the cashier is told when a payment is
// refused, and when a job's lease ends on the terminal's own clock. No I/O, no timers.
import type { HeartbeatAnswer } from '../protocol/index.ts';
import type { SelfTestResult } from '../protocol/index.ts';

export type TerminalMode = HeartbeatAnswer['mode'];
export type Locale = 'zh-CN' | 'en';

const LOCKED: Record<Locale, string> = { 'zh-CN': '终端已锁定，请联系服务商', en: 'Terminal locked, contact your provider' };
const MAINTENANCE: Record<Locale, string> = { 'zh-CN': '功能维护中', en: 'Under maintenance' };
const MAINTENANCE_UNTIL: Record<Locale, (clock: string) => string> = {
  'zh-CN': (clock) => `功能维护中，预计 ${clock} 恢复`,
  en: (clock) => `Under maintenance, back at ${clock}`,
};

/** When service is expected back, and where the terminal stands (for the local time shown). */
export interface ExpectedEnd {
  expectedEndAt: string | Date;
  timeZone: string;
}

/**
 * What the cashier is told when the terminal's mode refuses payments; undefined in normal mode.
 * In maintenance with an expected end, the end is shown as HH:MM in the terminal's time zone.
 */
export function transactionMessage(mode: TerminalMode, locale: Locale, end?: ExpectedEnd): string | undefined {
  if (mode === 'normal') return undefined;
  if (mode === 'locked') return LOCKED[locale];
  return end ? MAINTENANCE_UNTIL[locale](clockTime(end.expectedEndAt, end.timeZone)) : MAINTENANCE[locale];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "HH:MM" (24-hour) of an instant in a time zone; throws a RangeError for an unknown zone. */
export function clockTime(at: string | Date, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(typeof at === 'string' ? new Date(at) : at);
  const part = (type: 'hour' | 'minute') => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}`;
}

/** The time zone this process runs in, the default for a terminal's displayed times. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * When the lease of a job ends on the terminal's own clock. The server's leaseUntil is read against
 * the server's clock (serverTime of the same answer), so only the time left is trusted, not the two
 * clocks agreeing; it is counted from when the request was sent, so the terminal gives up no later
 * than the server does, whatever the network delay.
 */
export function leaseDeadline(answer: { leaseUntil: string; serverTime: string }, sentAt: Date): Date {
  const left = Date.parse(answer.leaseUntil) - Date.parse(answer.serverTime);
  return new Date(sentAt.getTime() + Math.max(0, left));
}

/**
 * When an answer's lease is counted from: when its request was sent, unless the terminal's clock stepped
 * forward while the request was out (NTP setting the time, a simulation's clock): no request takes longer
 * than all its tries can, so a longer gap is the clock, and counting from it would end the lease at once.
 */
export function leaseCountedFrom(sentAt: Date, answeredAt: Date, longestRequestMs: number): Date {
  return new Date(Math.max(sentAt.getTime(), answeredAt.getTime() - longestRequestMs));
}

/** Milliseconds from now until the deadline, never negative. */
export function msUntil(deadline: Date, now: Date): number {
  return Math.max(0, deadline.getTime() - now.getTime());
}

/** Whether self-tests let the job complete: at least one ran and all passed (the server's rule too). */
export function selfTestsPassed(results: readonly SelfTestResult[]): boolean {
  return results.length > 0 && results.every((r) => r.passed);
}
