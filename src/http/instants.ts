// Instants in requests reach the services as UTC, once, at the schema boundary: every
// `format: 'date-time'` of a querystring, body, path or header schema (the shared Instant/Timestamp
// type of src/shared/http-schemas.ts) is validated here and rewritten in place to
// `2026-01-31T00:00:00.000Z`, the form every stored time has. Services compare and sort instants as
// text; without this, `from=2026-01-31T08:00:00+08:00` would be compared as text with stored UTC and
// filters would be eight hours off. Being bound to the format, no route can forget it.
import type { Ajv, AnySchema, ErrorObject } from 'ajv';

/** The keyword's name: the HTTP layer says its refusals from the catalogue (common.invalid_instant). */
export const UTC_INSTANT_KEYWORD = 'utcInstant';
const KEYWORD = UTC_INSTANT_KEYWORD;

// RFC 3339 (as ajv-formats' full 'date-time'): T or a space, seconds required, any fraction, Z or an
// offset (+08:00, +0800, +08).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

// Already UTC with milliseconds, as the SDK sends every instant (a heartbeat carries several): it is its
// own normal form once its fields are in range, with no Date built (a leap second takes the long way).
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const two = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

function canonical(text: string): boolean {
  if (text.length !== 24 || !CANONICAL.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = two(text, 5);
  const day = two(text, 8);
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return !!daysInMonth && day >= 1 && day <= daysInMonth && two(text, 11) <= 23 && two(text, 14) <= 59 && two(text, 17) <= 59;
}

/** The instant as UTC text with milliseconds, or the reason it is not one. */
export function toUtcInstant(text: string): { utc: string } | { problem: string; kind: 'format' | 'range' } {
  if (canonical(text)) return { utc: text };
  const m = RFC3339.exec(text);
  const malformed = { problem: 'must be a date-time with Z or an offset, e.g. 2026-01-31T08:00:00Z or 2026-01-31T16:00:00+08:00 (in a query string, write + as %2B)', kind: 'format' as const };
  if (!m) return malformed;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  // A leap second (23:59:60) is accepted, as RFC 3339 allows, and counts as the next minute's start.
  if (!daysInMonth || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return malformed;
  const millis = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const sign = m[9] === '-' ? -1 : 1;
  const utc = new Date(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000).toISOString();
  // Beyond year 9999 in UTC the ISO text grows a sign (+010000-…) and no longer sorts with the rest.
  if (!/^\d{4}-/.test(utc)) return { problem: 'must fall between the years 0000 and 9999 in UTC', kind: 'range' };
  return { utc };
}

/** Teaches an Ajv instance the keyword that validates and normalises an instant. */
export function addInstantKeyword(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: KEYWORD,
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    errors: true,
    validate: function utcInstant(_enabled: boolean, data: string, _schema?: AnySchema, context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }) {
      const result = toUtcInstant(data);
      if ('problem' in result) {
        (utcInstant as { errors?: Partial<ErrorObject>[] }).errors = [{ keyword: KEYWORD, message: result.problem, params: { problem: result.kind } }];
        return false;
      }
      if (context?.parentData !== undefined) context.parentData[context.parentDataProperty] = result.utc;
      return true;
    },
  });
}

/**
 * A copy of a request schema in which every `format: 'date-time'` is the normalising keyword instead
 * (the original is left as it is, for the OpenAPI document and the response serialiser).
 */
export function withUtcInstants(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withUtcInstants);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = withUtcInstants(value);
  if (copy.format === 'date-time') {
    delete copy.format;
    copy[KEYWORD] = true;
  }
  return copy;
}
