// Which terminal goes in which wave. Waves are cumulative shares of the target (1 %, 10 %, 50 %, 100 %);
// terminals are drawn at random but spread across sites and network types, so a canary wave does not
// land on one shop or one carrier (as serial-number order would), and one site's terminals are spread
// over the waves instead of all being updated together.
import { seededRandom } from '../shared/prng.ts';

export interface WaveCandidate {
  id: string;
  siteId: string | null;
  networkType: string | null;
}

/** What is wrong with the waves: `reason` in English, `problem` and its numbers for the catalogue (rollouts.waves_invalid). */
export type WavesProblem = { field: 'waves'; reason: string; params: { problem: 'count' | 'range' | 'order' | 'last'; wave?: number; percent?: number; previous?: number; previousPercent?: number } } | null;

/** Cumulative percentages: increasing, each in (0, 100], the last exactly 100. */
export function checkWaves(percents: number[]): WavesProblem {
  if (percents.length === 0 || percents.length > 10) return { field: 'waves', reason: 'give 1 to 10 waves', params: { problem: 'count' } };
  for (let i = 0; i < percents.length; i++) {
    const p = percents[i]!;
    if (!(p > 0 && p <= 100)) return { field: 'waves', reason: `wave ${i + 1} is ${p} %: each wave is a cumulative share above 0 and at most 100`, params: { problem: 'range', wave: i + 1, percent: p } };
    if (i > 0 && p <= percents[i - 1]!) return { field: 'waves', reason: `wave ${i + 1} (${p} %) must be larger than wave ${i} (${percents[i - 1]} %): shares are cumulative`, params: { problem: 'order', wave: i + 1, percent: p, previous: i, previousPercent: percents[i - 1]! } };
  }
  if (percents.at(-1) !== 100) return { field: 'waves', reason: 'the last wave must reach 100 %', params: { problem: 'last' } };
  return null;
}

/** How many terminals are in waves 0..i together: at least one more per wave while any are left. */
export function cumulativeCounts(total: number, percents: number[]): number[] {
  const counts: number[] = [];
  let previous = 0;
  for (const p of percents) {
    const wanted = Math.ceil((total * p) / 100);
    const count = Math.min(total, Math.max(wanted, previous + 1));
    counts.push(count);
    previous = count;
  }
  return counts;
}

/**
 * The draw order: terminals are grouped by (site, network type), each group shuffled, groups visited in
 * a shuffled order one terminal at a time (round robin). Taking the first n of this order therefore
 * takes about one terminal per site/network before a second from any.
 */
export function drawOrder(candidates: WaveCandidate[], seed: number): WaveCandidate[] {
  const random = seededRandom(seed);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  const groups = new Map<string, WaveCandidate[]>();
  for (const c of candidates) {
    const key = `${c.siteId ?? '-'}|${c.networkType ?? '-'}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  const queues = shuffle([...groups.values()].map((g) => shuffle([...g])));
  const order: WaveCandidate[] = [];
  for (let round = 0; order.length < candidates.length; round++) {
    for (const queue of queues) if (round < queue.length) order.push(queue[round]!);
  }
  return order;
}

/** The wave (0-based) of each terminal. */
export function assignWaves(candidates: WaveCandidate[], percents: number[], seed: number): Map<string, number> {
  const order = drawOrder(candidates, seed);
  const counts = cumulativeCounts(order.length, percents);
  const waves = new Map<string, number>();
  let wave = 0;
  order.forEach((c, i) => {
    while (i >= counts[wave]!) wave++;
    waves.set(c.id, wave);
  });
  return waves;
}
