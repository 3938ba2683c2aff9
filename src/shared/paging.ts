import { invalidField } from './errors.ts';

// Keyset paging: a page ends with the sort key of its last row, and the next page starts after it,
// so deep pages of a large estate cost the same as the first.
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The sort key inside a cursor; a 400 for anything this server did not hand out. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only a cursor that encodes back to itself is ours; NUL and control characters never are.
  if (encodeCursor(key) !== cursor || [...key].some((c) => c < ' ')) throw invalidField('cursor', 'common.invalid_cursor');
  return key;
}

/** The key of a row in a listing ordered by (time, id), newest first or oldest first. */
export const timeIdKey = (at: string, id: string) => `${at}|${id}`;

/** A cursor made by timeIdKey; a 400 for anything else. */
export function decodeTimeIdCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const [at, id, ...rest] = key.split('|');
  if (!at || !id || rest.length || Number.isNaN(Date.parse(at))) throw invalidField('cursor', 'common.invalid_cursor');
  return { at, id };
}

/** Rows were fetched with limit + 1: trims the extra row and tells where the next page starts. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** A cursor that carries a sequence number (heartbeats, audit entries): a 400 for anything else. */
export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  const text = decodeCursor(cursor);
  if (text === undefined) return undefined;
  const seq = Number(text);
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(seq)) throw invalidField('cursor', 'common.invalid_cursor');
  return seq;
}

/**
 * Every row of a keyset-paged listing, a page at a time: `fetch` returns up to limit + 1 rows after
 * the cursor (as the list endpoints do), `keyOf` gives a row's sort key.
 */
export async function* pages<T>(
  fetch: (page: { limit: number; cursor: string | undefined }) => Promise<T[]>,
  keyOf: (row: T) => string,
  batch: number,
): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  for (;;) {
    const rows = await fetch({ limit: batch, cursor });
    const page = rows.slice(0, batch);
    if (page.length) yield page;
    if (rows.length <= batch) return;
    cursor = encodeCursor(keyOf(page.at(-1)!));
  }
}
