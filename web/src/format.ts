// Money, times in a site's time zone, and CSV files, for the pages that show or export figures.
import { DateTime } from 'luxon';

/** The currency of an amount whose currency is not known (the terminals' first market). */
export const DEFAULT_CURRENCY = 'CNY';

/** Minor units (fen, pence, yen) as the currency's major unit, with its own number of decimals. */
export function toMajor(minor: number, currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return minor / 10 ** digits;
}

/** An amount in minor units in the user's locale, e.g. ¥1,234.50 or £12.00. */
export function money(minor: number, locale: string, currency = DEFAULT_CURRENCY): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(toMajor(minor, currency));
}

/** Amounts in several currencies, never added up: "¥1,234.50 + £12.00" (or nothing lost: 0 in the first). */
export function moneyPerCurrency(perCurrency: Record<string, number>, locale: string): string {
  const entries = Object.entries(perCurrency).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([currency, minor]) => money(minor, locale, currency)).join(' + ') : money(0, locale);
}

export const number = (value: number, locale: string, digits = 0) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);

/** An instant as a person at `timeZone` reads it, in the user's locale. */
export function dateTimeIn(iso: string, locale: string, timeZone: string, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }): string {
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(iso));
}

export const timeIn = (iso: string, locale: string, timeZone: string) =>
  dateTimeIn(iso, locale, timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** The local day (yyyy-MM-dd) an instant falls on at `timeZone`. */
export const localDay = (iso: string, timeZone: string) => DateTime.fromISO(iso, { zone: timeZone }).toISODate() ?? '';

/** Monday 00:00 of the week holding `day` (yyyy-MM-dd) at `timeZone`, and the seven local days from it. */
export function weekOf(day: string, timeZone: string): { from: string; to: string; days: string[] } {
  const monday = DateTime.fromISO(day, { zone: timeZone }).startOf('week');
  const days = Array.from({ length: 7 }, (_, i) => monday.plus({ days: i }).toISODate() ?? '');
  return { from: monday.toUTC().toISO() ?? '', to: monday.plus({ weeks: 1 }).toUTC().toISO() ?? '', days };
}

export const todayIn = (timeZone: string) => DateTime.now().setZone(timeZone).toISODate() ?? '';
export const shiftDay = (day: string, days: number) => DateTime.fromISO(day).plus({ days }).toISODate() ?? day;

/** A wall-clock time typed in a datetime-local field, read at `timeZone`, as an ISO instant with its offset. */
export const wallToIso = (local: string, timeZone: string) => DateTime.fromISO(local, { zone: timeZone }).toISO({ suppressMilliseconds: true }) ?? '';

/** The browser's own time zone, for pages not tied to one site. */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

// ---- CSV
/**
 * One CSV cell. Text that a spreadsheet would run as a formula (starting with = + - @, or a tab or
 * carriage return) is prefixed with an apostrophe, so a site named "=HYPERLINK(…)" stays text. Numbers
 * are written as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csv = (rows: (string | number | null | undefined)[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

/** Offers text as a file download; a BOM so that spreadsheet programs read the Chinese as UTF-8. */
export function download(name: string, text: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
