// The one catalogue of errors a client can see: a stable code, the HTTP status, and a message.
// Services throw these; the HTTP layer turns them into { error: { code, message, field? } }, the message
// in the caller's language when the error names its catalogue entry (messages/*.json, ICU format).
import { formatMessage, type CatalogueLocale, type MessageKey, type MessageParams } from './messages/format.ts';

const catalogue = {
  validation_error: 400,
  invalid_csv: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof catalogue;

export class AppError extends Error {
  readonly statusCode: number;
  /** The message catalogue's entry (src/shared/messages/*.json) that says this in the caller's language. */
  key?: MessageKey;
  params?: MessageParams;
  /** Whether the same request may succeed if sent again (a race), or never will (a final state). */
  retryable?: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.statusCode = catalogue[code];
  }

  /** The same error with its catalogue entry: the API answers with that message in the caller's language. */
  says(key: MessageKey, params: MessageParams = {}, retryable?: boolean): this {
    this.key = key;
    this.params = params;
    if (retryable !== undefined) this.retryable = retryable;
    return this;
  }

  /** The message in `locale` (the catalogue's, else the English text it was thrown with). */
  messageIn(locale: CatalogueLocale): string {
    return (this.key && formatMessage(locale, this.key, this.params)) || this.message;
  }
}

/**
 * An error whose message people read, from the catalogue: its English text (for logs and scripts)
 * and, per caller, its text in their language.
 */
export function fromCatalogue(code: ErrorCode, key: MessageKey, params: MessageParams = {}, options: { field?: string; retryable?: boolean; details?: unknown } = {}): AppError {
  return new AppError(code, formatMessage('en', key, params) ?? key, options.field, options.details).says(key, params, options.retryable);
}

/** A field the caller must correct, the reason said from the catalogue (in the caller's language). */
export const invalidField = (field: string, key: MessageKey, params: MessageParams = {}) => fromCatalogue('validation_error', key, params, { field });
/**
 * A request the current state refuses (409), said from the catalogue. `retryable`: the same request may succeed
 * if sent again (a race, a lock held for a moment) — or, false, it never will (a final state).
 */
export const refused = (key: MessageKey, params: MessageParams = {}, options: { field?: string; retryable?: boolean; details?: unknown } = {}) => fromCatalogue('conflict', key, params, options);

/**
 * A missing thing (404), said from the catalogue (`common.not_found`): `what` is the English noun ('terminal',
 * 'maintenance job', …), chosen by a select in each language; a new noun needs its branch in both files.
 */
export const notFound = (what: string, id: string) => fromCatalogue('not_found', 'common.not_found', { what: what.replace(/[ -]/g, '_'), id });
/** A missing or wrong credential (401); without a message, the catalogue's `common.credential_required`. */
export const unauthenticated = (message?: string) =>
  message === undefined ? fromCatalogue('unauthenticated', 'common.credential_required') : new AppError('unauthenticated', message);

/** For `?? orNotFound(...)`: a missing row becomes the catalogue's 404. */
export function orNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
