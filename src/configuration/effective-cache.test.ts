import { describe, expect, it } from 'vitest';
import { EffectiveCache } from './effective-cache.ts';

const schema = { tid: { type: 'string' as const, levels: ['terminal' as const] }, header: { type: 'string' as const, default: 'PosFleet' } };

describe('the in-memory placements of a large fleet', () => {
  it('keeps one placement per site and model for its terminals, and a moved terminal alone gets its new site', () => {
    const cache = new EffectiveCache();
    // Each row read from the database brings strings of its own.
    const row = (site: string) => ({ merchantId: `m${''}`, siteId: `${site}`, modelId: 'a920'.slice(0), tags: [] });
    cache.load({ parameters: schema, values: [{ level: 'site', scopeId: 's2', values: { header: 'Shop 2' } }], groups: [], placements: new Map([['t1', row('s1')], ['t2', row('s1')], ['t3', row('s2')]]) });
    expect(cache.placement('t1')).toBe(cache.placement('t2'));
    expect(Object.isFrozen(cache.placement('t1'))).toBe(true);
    const before = cache.hashOf('t1');
    expect(cache.hashOf('t3')).not.toBe(before);

    cache.setPlacement('t2', row('s2'));
    expect(cache.placement('t2')).toBe(cache.placement('t3'));
    expect(cache.placement('t1')).toEqual({ merchantId: 'm', siteId: 's1', modelId: 'a920', tags: [] });
    expect(cache.hashOf('t1')).toBe(before);
    expect(cache.hashOf('t2')).toBe(cache.hashOf('t3'));
  });

  it('keeps a tagged terminal\'s tags its own, and groups by tag still find it', () => {
    const cache = new EffectiveCache();
    cache.load({
      parameters: schema, values: [{ level: 'group', scopeId: 'g', values: { header: 'Pilot' } }], groups: [{ id: 'g', filter: { tag: 'pilot' } }],
      placements: new Map([['t1', { merchantId: 'm', siteId: 's', modelId: 'x', tags: ['pilot'] }], ['t2', { merchantId: 'm', siteId: 's', modelId: 'x', tags: [] }]]),
    });
    expect(cache.placement('t1')?.tags).toEqual(['pilot']);
    expect(cache.placement('t2')?.tags).toEqual([]);
    expect(cache.effectiveOf('t1').values.header).toBe('Pilot');
    expect(cache.effectiveOf('t2').values.header).toBe('PosFleet');
  });
});
