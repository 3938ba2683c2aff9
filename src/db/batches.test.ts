import { describe, expect, it } from 'vitest';
import { batches, IN_LIST_SIZE, insertInBatches, PARAMETER_LIMITS, PARAMETERS_PER_STATEMENT, rowsPerInsert, selectInBatches } from './batches.ts';

describe('batches of SQL values', () => {
  it('splits a list into pieces of at most the size, in order, and an empty list into none', () => {
    expect([...batches([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...batches([], 2)]).toEqual([]);
    const ids = Array.from({ length: 12_001 }, (_, i) => i);
    expect([...batches(ids)].map((b) => b.length)).toEqual([IN_LIST_SIZE, IN_LIST_SIZE, 12_001 - 2 * IN_LIST_SIZE]);
  });

  it('keeps every statement under both databases\' limits', () => {
    expect(PARAMETERS_PER_STATEMENT).toBeLessThan(Math.min(PARAMETER_LIMITS.sqlite, PARAMETER_LIMITS.postgres));
    expect(() => [...batches([1], PARAMETER_LIMITS.sqlite)]).toThrow(RangeError);
    expect(() => [...batches([1], 0)]).toThrow(RangeError);
    for (const columns of [1, 2, 13, 40, 500]) expect(rowsPerInsert(columns) * columns).toBeLessThanOrEqual(PARAMETERS_PER_STATEMENT);
    expect(rowsPerInsert(100_000)).toBe(1);
  });

  it('runs a query per batch and concatenates the rows', async () => {
    const seen: number[][] = [];
    const rows = await selectInBatches([1, 2, 3, 4, 5], async (batch) => { seen.push(batch); return batch.map((n) => n * 10); }, 2);
    expect(seen).toEqual([[1, 2], [3, 4], [5]]);
    expect(rows).toEqual([10, 20, 30, 40, 50]);
  });

  it('inserts wide rows in smaller statements than narrow ones', async () => {
    const sizes = async (columns: number) => {
      const row = Object.fromEntries(Array.from({ length: columns }, (_, i) => [`c${i}`, i]));
      const seen: number[] = [];
      await insertInBatches(Array.from({ length: 5_000 }, () => row), async (batch) => { seen.push(batch.length); });
      return seen;
    };
    expect((await sizes(2)).every((n) => n * 2 <= PARAMETERS_PER_STATEMENT)).toBe(true);
    const wide = await sizes(60);
    expect(wide.reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(Math.max(...wide) * 60).toBeLessThanOrEqual(PARAMETERS_PER_STATEMENT);
    expect(await sizes(0)).toEqual([1_000, 1_000, 1_000, 1_000, 1_000]);
  });
});
