// Schemas shared by every capability's routes: the error body, ids, paging.
import { Type, type TSchema, type TStringOptions } from 'typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable: what kind of failure (validation_error, conflict, …)' }),
      message: Type.String({ description: 'for people, in the caller\'s language (the account\'s, else Accept-Language) when `key` is given' }),
      field: Type.Optional(Type.String()),
      details: Type.Optional(Type.Unknown()),
      key: Type.Optional(Type.String({ description: 'stable: the message catalogue\'s entry (src/shared/messages/*.json), for a client that words it itself' })),
      params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'the values the message names' })),
      retryable: Type.Optional(Type.Boolean({ description: 'true: the same request may succeed if sent again; false: it never will (a final state)' })),
    }),
  },
  { $id: 'ErrorBody' },
);

export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  413: Type.Ref('ErrorBody'),
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** A whole list (no paging). */
export const Items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/**
 * An instant: RFC 3339 with Z or an offset. A request's instant reaches its handler as UTC with
 * milliseconds (`2026-01-31T16:00:00+08:00` → `2026-01-31T08:00:00.000Z`), the form every stored time
 * has, so services may compare and sort them as text (src/http/instants.ts). Use it for every time.
 */
export const Instant = (options: Omit<TStringOptions, 'format'> = {}) => Type.String({ ...options, format: 'date-time' });
export const Timestamp = Instant();

/** OpenAPI security of operator routes: an API token or a browser session. */
export const operatorSecurity: Record<string, string[]>[] = [{ operatorToken: [] }, { session: [] }];
