// Queries built once per shape (src/db/prepared.ts) answer what the same query built anew answers, on
// both databases: lists of any length, rows to insert, constants written into the builder.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/database.ts';
import { prepared } from '../src/db/prepared.ts';
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

  it('runs inside a transaction, which rolls it back with the rest', async () => {
    const insert = prepared((rows: Tables['items'][]) => k.insertInto('items').values(rows));
    await expect(k.transaction().execute(async (trx) => {
      await insert.run(trx, [{ id: 'r1', kind: 'x', size: 1, note: null }]);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await k.selectFrom('items').select('id').where('id', '=', 'r1').execute()).toEqual([]);
  });
});
