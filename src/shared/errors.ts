// The one catalogue of errors a client can see: a stable code, the HTTP status, and a message.
// Services throw these; the HTTP layer turns them into { error: { code, message, field? } }.

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
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.statusCode = catalogue[code];
  }
}

export const invalid = (field: string, reason: string) => new AppError('validation_error', `${field}: ${reason}`, field);
export const notFound = (what: string, id: string) => new AppError('not_found', `${what} ${id} does not exist`);
export const conflict = (message: string, field?: string) => new AppError('conflict', message, field);
export const unauthenticated = (message = 'a valid bearer credential is required') => new AppError('unauthenticated', message);
export const forbidden = (message: string) => new AppError('forbidden', message);

/** For `?? orNotFound(...)`: a missing row becomes the catalogue's 404. */
export function orNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
