// The per-process caches of answers a revocation ends (a terminal credential's terminal, an API token's
// caller). An entry is trusted long (HEARD_MS) while every revocation is heard: on SQLite the process that
// revokes is the one that caches, and forgets the entry itself; on PostgreSQL while this node's invalidation
// listener listens (src/cluster/invalidations.ts). While it does not (not started yet, its connection broken)
// an entry is trusted only UNHEARD_MS after it was read, so a revocation no node told this one about is
// refused within that. Judged at each read: an entry read while listening falls back to the short bound the
// moment listening stops.
import { setBounded } from './bounded-map.ts';

/** How long an entry is trusted while revocations are heard: a terminal heartbeating every few minutes stays cached. */
export const HEARD_MS = 10 * 60_000;
/** How long an entry is trusted while they are not: the promise that a revocation is refused within 5 s. */
export const UNHEARD_MS = 5_000;

/** Whether this process hears every revocation now (the composition root answers it: SQLite always, PostgreSQL while listening). */
export type RevocationsHeard = () => boolean;

interface Entry<V> {
  value: V;
  /** When the answer was read from the database (ms of the caller's clock). */
  at: number;
  /** When the answer ends by itself (a token's expiry), whatever is heard. */
  until: number;
}

export class RevocableCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** Counts the forgettings: an answer read while something was forgotten may be stale already. */
  private forgotten = 0;

  /** At most `max` entries, the one set longest ago dropped first; `heard` is asked at every read. */
  constructor(readonly max: number, private readonly heard: RevocationsHeard) {}

  /** The value set for `key`, unless it is older than the lifetime that holds at `now` (ms of the caller's clock). */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now < entry.until && now - entry.at < (this.heard() ? HEARD_MS : UNHEARD_MS)) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Taken before the query whose answer is then set: see set(). */
  ticket(): number {
    return this.forgotten;
  }

  /**
   * Remembers the answer of a query started when `ticket` was taken; not when something was forgotten
   * meanwhile (the query may have read the row just before its revocation committed, and the
   * revocation's forgetting came before this answer): the next request asks again.
   */
  set(key: K, value: V, now: number, ticket: number, until = Infinity): void {
    if (ticket !== this.forgotten) return;
    setBounded(this.entries, key, { value, at: now, until }, this.max);
  }

  /** Forgets these keys (none: still marks a forgetting, for an answer being read now). */
  forget(keys: Iterable<K> = []): void {
    this.forgotten++;
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.forgotten++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
