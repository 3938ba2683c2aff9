// Queries built once per shape (src/db/prepared.ts) answer what the same query built anew answers, on
// both databases: lists of any length, rows to insert, constants written into the builder.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.ts';
import { fixed, prepared } from '../src/db/prepared.ts';
import { databases } from './support/databases.ts';

interface Tables { items: { id: string; kind: string; size: number; note: string | null } }

describe.each(databases())('queries built once per shape on $name', (kind) => {
  let db: Db;
  let k: Kysely<Tables>;
  beforeAll(async () => {
    db = openDatabase(await kind.fresh());
    k = db.kysely as unknown as Kysely<Tables>;
    await sql`create table items (id text primary key, kind text not null, size integer not null, note text)`.execute(k);
  });
  afterAll(() => db.close());

  it('binds each call\'s values, whatever the length of its lists', async () => {
    const insert = prepared((rows: Tables['items'][]) => k.insertInto('items').values(rows).onConflict((oc) => oc.doNothing()).returning(['id']));
    const first = await insert.run(k, [{ id: 'a', kind: 'x', size: 1, note: null }, { id: 'b', kind: 'y', size: 2, note: 'n' }]);
    expect(first.rows.map((r) => r.id)).toEqual(['a', 'b']);
    // The same shape again with other values, then a longer list, then a repeat that conflicts.
    await insert.run(k, [{ id: 'c', kind: 'x', size: 3, note: null }, { id: 'd', kind: 'z', size: 4, note: null }]);
    await insert.run(k, [{ id: 'e', kind: 'x', size: 5, note: 'm' }, { id: 'f', kind: 'x', size: 6, note: null }, { id: 'g', kind: 'y', size: 7, note: null }]);
    expect((await insert.run(k, [{ id: 'a', kind: 'x', size: 9, note: null }])).rows).toEqual([]);

    // A constant list written into the builder stays; the argument's list is bound.
    const ofKinds = prepared((ids: string[], min: number) => k.selectFrom('items').select(['id', 'size']).where('kind', 'in', ['x', 'y'])
      .where('id', 'in', ids).where('size', '>=', min).where('note', 'is', null).orderBy('id'));
    for (const [ids, min] of [[['a', 'b', 'c', 'd'], 1], [['a', 'c', 'f', 'g', 'd'], 2], [['e'], 0], [['a', 'b', 'c', 'd'], 3]] as const) {
      const built = await k.selectFrom('items').select(['id', 'size']).where('kind', 'in', ['x', 'y'])
        .where('id', 'in', [...ids]).where('size', '>=', min).where('note', 'is', null).orderBy('id').execute();
      expect((await ofKinds.run(k, [...ids], min)).rows).toEqual(built);
    }
    expect((await ofKinds.run(k, ['a', 'b', 'c', 'd'], 3)).rows.map((r) => r.id)).toEqual(['c']);
  });

  it('answers right while long IN lists of many lengths come and go (statements kept within a bound of SQL text)', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `long-${i}`);
    await k.insertInto('items').values(ids.slice(0, 3).map((id, i) => ({ id, kind: 'long', size: i, note: null }))).execute();
    const small = () => k.selectFrom('items').select('id').where('kind', '=', 'long').orderBy('id').execute();
    expect((await small()).map((r) => r.id)).toEqual(['long-0', 'long-1', 'long-2']);
    // Each of these is ~100 KB of SQL: a dozen push every other statement out of a bound of 1,000,000 characters.
    for (let n = 0; n < 12; n++) {
      const some = ids.slice(0, ids.length - n);
      const found = await k.selectFrom('items').select('id').where('id', 'in', some).orderBy('id').execute();
      expect(found.map((r) => r.id)).toEqual(['long-0', 'long-1', 'long-2']);
    }
    // The small query, dropped meanwhile, is prepared again and answers as before.
    expect((await small()).map((r) => r.id)).toEqual(['long-0', 'long-1', 'long-2']);
  });

  it('runs inside a transaction, which rolls it back with the rest', async () => {
    const insert = prepared((rows: Tables['items'][]) => k.insertInto('items').values(rows));
    await expect(k.transaction().execute(async (trx) => {
      await insert.run(trx, [{ id: 'r1', kind: 'x', size: 1, note: null }]);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await k.selectFrom('items').select('id').where('id', '=', 'r1').execute()).toEqual([]);
  });

  // PostgreSQL only: the heartbeat path's statements written once for any number of rows, as arrays.
  it.runIf(kind.name === 'postgres')('binds arrays to a fixed statement, prepared once per connection by name', async () => {
    const byIds = fixed<{ id: string; size: number }>('select id, size from items where id = any($1::text[]) and size >= $2 order by id');
    const insert = fixed('insert into items (id, kind, size, note) select * from unnest($1::text[], $2::text[], $3::int[], $4::text[]) on conflict do nothing');
    await k.transaction().execute(async (trx) => {
      await trx.executeQuery(insert(['u1', 'u2', 'u3'], ['x', 'y', 'x'], [1, 2, 3], [null, 'it\'s "quoted", {braced}', null]));
      expect((await trx.executeQuery(byIds(['u1', 'u3', 'nope'], 0))).rows).toEqual([{ id: 'u1', size: 1 }, { id: 'u3', size: 3 }]);
      expect((await trx.executeQuery(byIds(['u1', 'u2', 'u3'], 2))).rows).toEqual([{ id: 'u2', size: 2 }, { id: 'u3', size: 3 }]);
      expect((await trx.executeQuery(byIds([], 0))).rows).toEqual([]);
      // The transaction's connection holds both by name, each prepared once.
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements order by name`.execute(trx);
      expect(rows.map((r) => r.statement.trim())).toEqual(expect.arrayContaining([expect.stringMatching(/^insert into items/), expect.stringMatching(/^select id, size from items/)]));
      expect(rows).toHaveLength(new Set(rows.map((r) => r.statement)).size);
    });
    expect((await k.selectFrom('items').select('note').where('id', '=', 'u2').executeTakeFirstOrThrow()).note).toBe('it\'s "quoted", {braced}');
  });

  it.runIf(kind.name === 'postgres')('sends a fixed statement unnamed when prepared statements are off (for a pooler that cannot keep them)', async () => {
    const url = await kind.fresh();
    const plain = openDatabase(url, { preparedStatements: false });
    try {
      const one = fixed<{ n: number }>('select cardinality($1::text[]) as n');
      await plain.kysely.transaction().execute(async (trx) => {
        expect((await trx.executeQuery(one(['a', 'b']))).rows).toEqual([{ n: 2 }]);
        const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(trx);
        expect(rows).toEqual([]);
      });
    } finally {
      await plain.close();
    }
  });
});
