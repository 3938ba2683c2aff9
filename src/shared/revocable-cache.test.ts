import { describe, expect, it } from 'vitest';
import { HEARD_MS, RevocableCache, UNHEARD_MS } from './revocable-cache.ts';

describe('a cache of answers a revocation ends', () => {
  it('trusts an entry long while revocations are heard, and only 5 s while they are not', () => {
    let heard = true;
    const cache = new RevocableCache<string, string>(10, () => heard);
    cache.set('credential', 'terminal', 0, cache.ticket());
    expect(cache.get('credential', HEARD_MS - 1)).toBe('terminal');
    expect(cache.get('credential', HEARD_MS)).toBeUndefined();

    cache.set('credential', 'terminal', 0, cache.ticket());
    expect(cache.get('credential', 60_000)).toBe('terminal');
    // The listener stops listening: the same entry, read a minute ago, is no longer trusted...
    heard = false;
    expect(cache.get('credential', 60_000)).toBeUndefined();
    // ...and one read since is trusted only within the short bound.
    cache.set('credential', 'terminal', 60_000, cache.ticket());
    expect(cache.get('credential', 60_000 + UNHEARD_MS - 1)).toBe('terminal');
    expect(cache.get('credential', 60_000 + UNHEARD_MS)).toBeUndefined();
  });

  it('ends an entry at its own end (a token\'s expiry) whatever is heard', () => {
    const cache = new RevocableCache<string, string>(10, () => true);
    cache.set('token', 'caller', 0, cache.ticket(), 30_000);
    expect(cache.get('token', 29_999)).toBe('caller');
    expect(cache.get('token', 30_000)).toBeUndefined();
  });

  it('keeps no answer read while something was forgotten: the revocation may have committed just after the read', () => {
    const cache = new RevocableCache<string, string>(10, () => true);
    const ticket = cache.ticket(); // the query starts...
    cache.forget(); // ...a revocation is forgotten (nothing cached for it yet)...
    cache.set('credential', 'terminal', 0, ticket); // ...and the query's answer arrives
    expect(cache.get('credential', 1)).toBeUndefined();
    const again = cache.ticket();
    cache.set('credential', 'terminal', 2, again);
    expect(cache.get('credential', 3)).toBe('terminal');
    cache.clear();
    cache.set('other', 'terminal', 4, again);
    expect(cache.size).toBe(0);
  });

  it('forgets the keys it is told and holds at most its bound, dropping the entry set longest ago', () => {
    const cache = new RevocableCache<number, number>(3, () => true);
    for (const n of [1, 2, 3]) cache.set(n, n, 0, cache.ticket());
    cache.set(4, 4, 1, cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get(1, 2)).toBeUndefined();
    cache.forget([2, 3]);
    expect([cache.get(2, 2), cache.get(3, 2), cache.get(4, 2)]).toEqual([undefined, undefined, 4]);
  });
});
