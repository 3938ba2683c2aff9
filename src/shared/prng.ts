// A small seeded pseudo-random generator, so that simulated fleets, spread start times and synthetic
// test data look random yet are the same on every run with the same seed. Not for anything secret.

/** mulberry32: floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The same generator seeded by a number or a text (e.g. a plan's id). */
export function seededRandom(seed: number | string): () => number {
  return mulberry32(typeof seed === 'number' ? seed : hashString(seed));
}

/** FNV-1a, enough to turn a text seed into 32 bits. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
