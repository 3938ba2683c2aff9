// Text search that behaves the same on SQLite and PostgreSQL: case-insensitive "contains", with the
// LIKE wildcards in the searched text taken literally (a search for "50%" finds "50%").
import { sql, type RawBuilder, type SqlBool } from 'kysely';

export function contains(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** Any of the columns contains the text. */
export function anyContains(columns: string[], text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.join(columns.map((c) => contains(c, text)), sql` or `)})`;
}
