// Per-terminal caches grow with the fleet: each keeps at most a stated number of entries. A Map keeps
// insertion order, so the entries dropped first are the ones set longest ago.

/** Sets key → value, first dropping the oldest entries while the map holds `max` or more. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key); // re-set entries count as new
  for (const oldest of map.keys()) {
    if (map.size < max) break;
    map.delete(oldest);
  }
  map.set(key, value);
}
