import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-map.ts';

describe('setBounded', () => {
  it('keeps at most max entries, dropping those set longest ago', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(map, `t${i}`, i, 3);
    expect([...map.keys()]).toEqual(['t7', 't8', 't9']);
  });

  it('counts an entry set again as the newest', () => {
    const map = new Map<string, number>();
    setBounded(map, 'a', 1, 2);
    setBounded(map, 'b', 2, 2);
    setBounded(map, 'a', 3, 2);
    setBounded(map, 'c', 4, 2);
    expect([...map]).toEqual([['a', 3], ['c', 4]]);
  });
});
