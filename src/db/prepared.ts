// Queries of the heartbeat path, built and compiled by Kysely once per shape and then run with new
// values. Building a query's operation tree and compiling it to SQL cost more CPU than SQLite running
// it (measured 2026-12-07: a terminal credential looked up in 43 µs through the query builder, the
// same SQL compiled once in 6 µs), and these run for every heartbeat batch or credential.
import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';

/** Anything that runs a compiled query: the database, or a transaction. */
interface Runs { executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> }

/** Compiled shapes kept per query: an `IN` list's length is part of its shape. */
const SHAPES_PER_QUERY = 200;

const MARK = `\u0000prepared-${Math.random().toString(36).slice(2)}-`;

/**
 * A query whose SQL depends only on the shape of its arguments (the lengths of its lists, the keys of
 * its rows), never on their values: every value that is not an array or a plain object (a row) is bound
 * as a parameter. A value that changes the SQL itself (`null` compared with `is`, a condition added
 * only for some values) must not be an argument: write it into the builder.
 *
 * @example
 * const byHash = prepared((hash: string) => db.selectFrom('terminal_credentials').selectAll().where('token_hash', '=', hash));
 * const rows = (await byHash.run(db, hash)).rows;
 */
export function prepared<A extends unknown[], R>(build: (...args: A) => Compilable<R>): Prepared<A, R> {
  return new Prepared(build);
}

export class Prepared<A extends unknown[], R> {
  private readonly shapes = new Map<string, { compiled: CompiledQuery<R>; slots: (number | { value: unknown })[] }>();

  constructor(private readonly build: (...args: A) => Compilable<R>) {}

  /** The compiled query with these arguments' values bound. */
  compile(...args: A): CompiledQuery<R> {
    const values: unknown[] = [];
    const shape = shapeOf(args, values);
    let known = this.shapes.get(shape);
    if (!known) {
      // Built once with a mark in place of every value, so each parameter is known as an argument's value or a constant.
      let n = 0;
      const mark = (value: unknown): unknown => (Array.isArray(value) ? value.map(mark)
        : isRow(value) ? Object.fromEntries(Object.entries(value).map(([key, v]) => [key, mark(v)])) : `${MARK}${n++}`);
      const compiled = this.build(...(args.map(mark) as A)).compile();
      const slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : { value: p }));
      known = { compiled, slots };
      if (this.shapes.size >= SHAPES_PER_QUERY) this.shapes.delete(this.shapes.keys().next().value!);
      this.shapes.set(shape, known);
    }
    const parameters = known.slots.map((s) => (typeof s === 'number' ? values[s] : s.value));
    return { ...known.compiled, parameters };
  }

  /** Runs it on the database or in a transaction. */
  run(executor: Runs, ...args: A): Promise<QueryResult<R>> {
    return executor.executeQuery(this.compile(...args));
  }
}

/** The arguments' shape (list lengths, row keys), their values collected in order. */
function shapeOf(value: unknown, values: unknown[]): string {
  if (Array.isArray(value)) {
    let shape = `[${value.length}`;
    for (const item of value) shape += shapeOf(item, values);
    return `${shape}]`;
  }
  if (isRow(value)) {
    let shape = '{';
    for (const key in value) shape += `${key}:${shapeOf(value[key], values)}`;
    return `${shape}}`;
  }
  values.push(value);
  return '';
}

const isRow = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * The SQL texts written once for any number of rows (PostgreSQL's arrays: `= any($1::text[])`,
 * `unnest($1::text[], $2::bigint[])`), with the name each connection prepares them under: parsed and
 * planned by PostgreSQL once per connection instead of at every batch (src/db/database.ts names them).
 * Only such texts are named, so a connection holds a few prepared statements, not one per list length.
 */
const named = new Map<string, string>();

/** The name a connection prepares this SQL text under, if it is a fixed statement. */
export const statementName = (text: string): string | undefined => named.get(text);

/**
 * A statement whose SQL text never changes: each call binds its values (an array is one value). For the
 * heartbeat path's PostgreSQL statements.
 *
 * @example
 * const byIds = fixed<{ id: string }>('select id from terminals where id = any($1::text[])');
 * const rows = (await trx.executeQuery(byIds(ids))).rows;
 */
export function fixed<R>(text: string): (...parameters: unknown[]) => CompiledQuery<R> {
  if (!named.has(text)) named.set(text, `posfleet_${named.size + 1}`);
  return (...parameters) => CompiledQuery.raw(text, parameters) as CompiledQuery<R>;
}
