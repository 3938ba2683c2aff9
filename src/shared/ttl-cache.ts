// The per-process caches that save a query (a token's caller, a terminal's serial number, the versions
// last recorded, ...): each entry lives a stated time, and the cache holds at most a stated number of
// entries, dropping the one set longest ago first. Forgetting an entry only ever costs a query.
import { setBounded } from './bounded-map.ts';

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  /** At most `max` entries, each for `ttlMs` after it was set (unless set with a lifetime of its own). */
  constructor(readonly max: number, readonly ttlMs: number) {}

  /** The value set for `key`, unless it has expired by `now` (ms since the epoch, of the caller's clock). */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  has(key: K, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  set(key: K, value: V, now: number, ttlMs = this.ttlMs): void {
    setBounded(this.entries, key, { value, until: now + ttlMs }, this.max);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
