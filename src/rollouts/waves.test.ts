// Drawing terminals into waves, without a database.
import { describe, expect, it } from 'vitest';
import { assignWaves, checkWaves, cumulativeCounts, drawOrder, type WaveCandidate } from './waves.ts';

/** `sites` sites of `perSite` terminals, in serial-number order (site by site), half on wifi, half cellular. */
function fleet(sites: number, perSite: number): WaveCandidate[] {
  return Array.from({ length: sites * perSite }, (_, i) => ({
    id: `T${String(i).padStart(4, '0')}`, siteId: `S${Math.floor(i / perSite)}`, networkType: i % 2 ? 'cellular' : 'wifi',
  }));
}

describe('wave shares', () => {
  it('accepts increasing cumulative shares ending at 100 %', () => {
    expect(checkWaves([1, 10, 50, 100])).toBeNull();
    expect(checkWaves([100])).toBeNull();
    expect(checkWaves([12.5, 100])).toBeNull();
  });

  it('refuses shares that do not add up to a rollout, saying which wave is wrong', () => {
    expect(checkWaves([])).toMatchObject({ field: 'waves' });
    expect(checkWaves(Array.from({ length: 11 }, (_, i) => (i + 1) * 9 + 1))).toMatchObject({ reason: 'give 1 to 10 waves' });
    expect(checkWaves([50, 10, 100])!.reason).toBe('wave 2 (10 %) must be larger than wave 1 (50 %): shares are cumulative');
    expect(checkWaves([10, 10, 100])!.reason).toMatch(/^wave 2 \(10 %\) must be larger/);
    expect(checkWaves([10, 90])!.reason).toBe('the last wave must reach 100 %');
    expect(checkWaves([0, 100])!.reason).toMatch(/^wave 1 is 0 %/);
    expect(checkWaves([10, 150])!.reason).toMatch(/^wave 2 is 150 %/);
    expect(checkWaves([Number.NaN, 100])).not.toBeNull();
  });

  it('counts cumulative terminals, rounding up, at least one more per wave while any are left', () => {
    expect(cumulativeCounts(1000, [1, 10, 50, 100])).toEqual([10, 100, 500, 1000]);
    expect(cumulativeCounts(22, [10, 50, 100])).toEqual([3, 11, 22]);
    // A 1 % canary of 30 terminals is still one terminal, and the 10 % wave still adds one.
    expect(cumulativeCounts(30, [1, 2, 100])).toEqual([1, 2, 30]);
    expect(cumulativeCounts(3, [1, 10, 50, 100])).toEqual([1, 2, 3, 3]);
    expect(cumulativeCounts(0, [50, 100])).toEqual([0, 0]);
  });
});

describe('drawing terminals into waves', () => {
  it('draws every terminal exactly once, the same way for the same seed and differently for another', () => {
    const candidates = fleet(7, 9);
    const order = drawOrder(candidates, 42).map((c) => c.id);
    expect([...order].sort()).toEqual(candidates.map((c) => c.id));
    expect(drawOrder(candidates, 42).map((c) => c.id)).toEqual(order);
    expect(drawOrder(candidates, 43).map((c) => c.id)).not.toEqual(order);
    // The caller's list is left as it was.
    expect(candidates.map((c) => c.id)).toEqual([...candidates.map((c) => c.id)].sort());
  });

  it('takes one terminal per site and network before a second from any, never the serial-number order', () => {
    const candidates = fleet(10, 6);
    for (const seed of [1, 2, 3, 99, 2 ** 32 - 1]) {
      const order = drawOrder(candidates, seed);
      // 10 sites × 2 network types = 20 groups of 3: the first 20 draws hit every group once.
      const groups = order.slice(0, 20).map((c) => `${c.siteId}|${c.networkType}`);
      expect(new Set(groups).size).toBe(20);
      expect(order.slice(0, 6).map((c) => c.id)).not.toEqual(candidates.slice(0, 6).map((c) => c.id));
      expect(new Set(order.slice(0, 10).map((c) => c.siteId)).size).toBeGreaterThanOrEqual(5);
    }
  });

  it('puts each wave at its share, and spreads a site over the waves', () => {
    const candidates = fleet(20, 10);
    const waves = assignWaves(candidates, [1, 10, 50, 100], 7);
    const sizes = [0, 1, 2, 3].map((w) => [...waves.values()].filter((x) => x === w).length);
    expect(sizes).toEqual([2, 18, 80, 100]);
    expect(waves.size).toBe(200);
    // The 10 % together (20 terminals) come from 20 different groups, so from all 20 sites... at most 2 a site.
    const early = candidates.filter((c) => waves.get(c.id)! <= 1);
    const perSite = new Map<string, number>();
    for (const c of early) perSite.set(c.siteId!, (perSite.get(c.siteId!) ?? 0) + 1);
    expect(Math.max(...perSite.values())).toBeLessThanOrEqual(2);
    // No site is updated in one go: every site has terminals in at least two waves.
    for (let s = 0; s < 20; s++) expect(new Set(candidates.filter((c) => c.siteId === `S${s}`).map((c) => waves.get(c.id))).size).toBeGreaterThanOrEqual(2);
  });

  it('treats terminals without a site or network as a group of their own', () => {
    const candidates: WaveCandidate[] = [
      { id: 'a', siteId: null, networkType: null }, { id: 'b', siteId: null, networkType: null }, { id: 'c', siteId: 'S1', networkType: 'wifi' },
    ];
    const waves = assignWaves(candidates, [50, 100], 1);
    expect([...waves.keys()].sort()).toEqual(['a', 'b', 'c']);
    // Two groups: the first wave (2 of 3) takes one of each.
    expect(waves.get('c')).toBe(0);
  });
});
