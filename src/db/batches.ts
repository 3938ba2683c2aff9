// Long lists of values split into statements each database accepts. A statement binds at most
// 32,766 values on SQLite (SQLITE_MAX_VARIABLE_NUMBER since 3.32) and 65,535 on PostgreSQL (a 16-bit
// count in the wire protocol); an `IN (...)` of every terminal of a mass outage, or a plan of
// thousands of rows, passes either only when split. Every repository batches through here.

export const PARAMETER_LIMITS = { sqlite: 32_766, postgres: 65_535 } as const;

/** Values one statement of ours binds at most: under the lower limit, leaving room for the statement's other conditions. */
export const PARAMETERS_PER_STATEMENT = 30_000;

/** Values per `IN (...)` list: far under the limits, and a list the query planners still handle quickly. */
export const IN_LIST_SIZE = 5_000;

/** Rows per multi-row INSERT: a few hundred rows already make the round trips negligible. */
const MAX_ROWS_PER_INSERT = 1_000;

/** The list in consecutive pieces of at most `size` (the last may be shorter); none for an empty list. */
export function* batches<T>(items: readonly T[], size: number = IN_LIST_SIZE): Generator<T[]> {
  if (!Number.isInteger(size) || size < 1 || size > PARAMETERS_PER_STATEMENT) throw new RangeError(`batch size must be 1..${PARAMETERS_PER_STATEMENT}, got ${size}`);
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Runs `query` for each batch of `values` (one after the other, so it may run inside a transaction) and concatenates the rows. */
export async function selectInBatches<T, R>(values: readonly T[], query: (batch: T[]) => Promise<R[]>, size: number = IN_LIST_SIZE): Promise<R[]> {
  const rows: R[] = [];
  for (const batch of batches(values, size)) rows.push(...await query(batch));
  return rows;
}

/** Runs `statement` (an UPDATE or DELETE ... WHERE x IN batch) for each batch of `values`. */
export async function eachBatch<T>(values: readonly T[], statement: (batch: T[]) => Promise<unknown>, size: number = IN_LIST_SIZE): Promise<void> {
  for (const batch of batches(values, size)) await statement(batch);
}

/** Rows per INSERT when each row binds `columns` values. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(PARAMETERS_PER_STATEMENT / Math.max(1, columns))));
}

/** Inserts `rows` in as few statements as the parameter limits allow (the widest row decides). */
export async function insertInBatches<R extends object>(rows: readonly R[], insert: (batch: R[]) => Promise<unknown>): Promise<void> {
  if (!rows.length) return;
  const columns = Math.max(...rows.slice(0, 100).map((row) => Object.keys(row).length));
  await eachBatch(rows, insert, rowsPerInsert(columns));
}
