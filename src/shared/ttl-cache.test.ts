import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('a time-limited cache', () => {
  it('answers an entry only within its lifetime', () => {
    const cache = new TtlCache<string, string>(10, 1_000);
    cache.set('a', 'A', 0);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0); // an expired entry is dropped when asked for
    cache.set('b', 'B', 0, 50);
    expect(cache.has('b', 49)).toBe(true);
    expect(cache.has('b', 50)).toBe(false);
  });

  it('holds at most its bound, dropping the entry set longest ago', () => {
    const cache = new TtlCache<number, number>(3, 60_000);
    for (const n of [1, 2, 3]) cache.set(n, n, 0);
    cache.set(1, 10, 1); // set again: now the newest
    cache.set(4, 4, 2);
    expect(cache.size).toBe(3);
    expect(cache.get(2, 3)).toBeUndefined();
    expect([cache.get(1, 3), cache.get(3, 3), cache.get(4, 3)]).toEqual([10, 3, 4]);
  });

  it('forgets one entry or all of them', () => {
    const cache = new TtlCache<string, boolean>(5, 1_000);
    cache.set('a', true, 0);
    cache.set('b', true, 0);
    cache.delete('a');
    expect(cache.has('a', 1)).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
