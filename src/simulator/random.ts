// Seeded randomness for the fleet simulator: the same seed gives the same fleet, run after run.
import { mulberry32 } from '../shared/prng.ts';

export { mulberry32 };

/**
 * A seed for the index-th member of a fleet. Mixing (rather than seed + index) keeps neighbouring
 * terminals of neighbouring seeds from sharing streams.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The draws the simulator needs, on top of one PRNG stream. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One of the choices, each as likely as its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let left = this.next() * total;
    for (const [value, weight] of choices) {
      left -= weight;
      if (left < 0) return value;
    }
    const last = choices.at(-1);
    if (!last) throw new Error('weighted() needs at least one choice');
    return last[0];
  }

  /** Events in one step of a process averaging `mean` per step (Knuth; a normal approximation for large means). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + this.noise(Math.SQRT2) * Math.sqrt(mean)));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /** Roughly normal noise (sum of uniforms): cheap and bounded to ±3 spreads. */
  noise(spread: number): number {
    return (this.next() + this.next() + this.next() + this.next() + this.next() + this.next() - 3) * spread;
  }
}
