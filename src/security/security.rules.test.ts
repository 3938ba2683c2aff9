import { describe, expect, it } from 'vitest';
import { assess, distanceM, fingerprintDifferences, isMobile, keyMaterialIn, keyProblems, networksOf, nextEpisode, sightingUnchanged, SIGHTING_REFRESH_MS, subnetOf } from './security.rules.ts';

const shop = { latitude: 31.2304, longitude: 121.4737 };
const fence = { ...shop, radiusM: 300 };
/** About 5 km east of the shop. */
const away = { lat: 31.2304, lon: 121.4737 + 5000 / (111_320 * Math.cos((31.2304 * Math.PI) / 180)) };

describe('where a terminal is', () => {
  it('measures 5 km as 5 km', () => {
    expect(Math.round(distanceM(shop, { latitude: away.lat, longitude: away.lon }) / 100)).toBe(50);
  });

  it('puts a terminal 5 km away outside a 300 m fence, and one with a vague fix near the edge inside', () => {
    expect(assess({ location: { gps: away }, networks: [] }, fence, []).outside).toBe(true);
    const edge = { lat: shop.latitude + 500 / 111_320, lon: shop.longitude, accuracyM: 400 };
    expect(assess({ location: { gps: edge }, networks: [] }, fence, []).outside).toBe(false);
    expect(assess({ location: { gps: away }, networks: [] }, undefined, []).outside).toBe(false);
  });

  it('learns the first network of each kind and flags a new one after that', () => {
    const networks = networksOf({ bssid: 'AA:BB:CC:DD:EE:FF', cellId: '460-00-1-2' }, '::ffff:10.1.2.3');
    expect(networks).toEqual([{ kind: 'bssid', value: 'aa:bb:cc:dd:ee:ff' }, { kind: 'cell', value: '460-00-1-2' }, { kind: 'subnet', value: '10.1.2.0/24' }]);
    const first = assess({ location: undefined, networks }, undefined, []);
    expect(first.firstNetworks).toHaveLength(3);
    expect(first.newNetworks).toEqual([]);
    const moved = assess({ location: undefined, networks: networksOf(undefined, '10.9.9.9') }, undefined, networks);
    expect(moved.newNetworks).toEqual([{ kind: 'subnet', value: '10.9.9.0/24' }]);
    expect(subnetOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
  });

  it('opens one case per episode, after the grace period', () => {
    const grace = 15 * 60_000;
    let step = nextEpisode({ suspectSince: null, caseId: null }, true, '2026-12-07T08:00:00Z', grace);
    expect(step.open).toBe(false);
    step = nextEpisode(step.episode, true, '2026-12-07T08:15:00Z', grace);
    expect(step.open).toBe(true);
    step = nextEpisode({ ...step.episode, caseId: 'case-1' }, true, '2026-12-07T08:30:00Z', grace);
    expect(step.open).toBe(false);
    step = nextEpisode(step.episode, false, '2026-12-07T08:31:00Z', grace);
    expect(step.episode).toEqual({ suspectSince: null, caseId: null });
  });

  it('allow-lists terminals by tag', () => {
    expect(isMobile(['delivery', 'mobile'], ['mobile'])).toBe(true);
    expect(isMobile(['counter'], ['mobile'])).toBe(false);
  });
});

describe('whether it is the same terminal', () => {
  it('names the parts of the hardware that differ', () => {
    const bound = { serial: 'SN-1', pinPadSerial: 'PP-1', secureProcessorId: 'SP-1' };
    expect(fingerprintDifferences(bound, { ...bound })).toEqual([]);
    expect(fingerprintDifferences(bound, { ...bound, pinPadSerial: 'PP-2', secureProcessorId: 'SP-9' })).toEqual(['pinPadSerial', 'secureProcessorId']);
  });
});

describe('keys', () => {
  const known = new Set(['seq', 'keys']);
  it('refuses what looks like key material, naming the field', () => {
    expect(keyMaterialIn({ keys: [{ slot: 1, type: 'TPK', kcv: 'A1B2C3' }] }, known)).toBeNull();
    expect(keyMaterialIn({ keys: [{ slot: 1, type: 'TPK', kcv: '0123456789ABCDEF0123456789ABCDEF' }] }, known)?.[0]).toBe('keys.0.kcv');
    expect(keyMaterialIn({ keys: [], tmk: 'x' }, known)?.[0]).toBe('tmk');
    expect(keyMaterialIn({ extra: 'fedcba9876543210fedcba9876543210' }, known)?.[0]).toBe('extra');
  });

  it('finds missing, mismatched and expiring keys with their deadline', () => {
    const now = '2026-12-07T00:00:00.000Z';
    const required = [
      { keyType: 'TMK' as const, bdkId: null, kcv: 'AAAAAA' },
      { keyType: 'TPK' as const, bdkId: null, kcv: null },
      { keyType: 'DUKPT' as const, bdkId: 'FFFF9876', kcv: null },
    ];
    const slots = [
      { slot: 0, type: 'TMK' as const, kcv: 'BBBBBB' },
      { slot: 2, type: 'DUKPT' as const, bdkId: 'FFFF9876', ksnPrefix: 'FFFF987654', expiresAt: '2027-01-01T00:00:00.000Z' },
    ];
    expect(keyProblems(slots, required, now, 30)).toEqual([
      { rule: 'key_mismatch', keyType: 'TMK', slot: 0, deadline: now, expected: { bdkId: null, kcv: 'AAAAAA' }, found: { bdkId: null, kcv: 'BBBBBB' } },
      { rule: 'key_missing', keyType: 'TPK', slot: null, deadline: now, expected: { bdkId: null, kcv: null } },
      { rule: 'key_expiring', keyType: 'DUKPT', slot: 2, deadline: '2027-01-01T00:00:00.000Z' },
    ]);
    expect(keyProblems(slots, required.slice(2), now, 7)).toEqual([]);
  });
});

describe('a terminal heartbeating in place', () => {
  const stored = {
    seen_at: '2026-12-08T08:00:00.000Z', latitude: 31.2304, longitude: 121.4737, accuracy_m: 20, cell_id: '460-00-1234-5678', bssid: 'aa:bb:cc:dd:ee:ff',
    source_address: '10.1.2.3', distance_m: 12.5, suspect_since: null, suspect_reasons: null, case_id: null,
  };
  const later = (ms: number) => new Date(Date.parse(stored.seen_at) + ms).toISOString();

  it('is not written again while only the time moved, and is written again once the stored sighting is old', () => {
    expect(sightingUnchanged(stored, { ...stored, seen_at: later(60_000) })).toBe(true);
    expect(sightingUnchanged(stored, { ...stored, seen_at: later(SIGHTING_REFRESH_MS) })).toBe(false);
    expect(sightingUnchanged(undefined, stored)).toBe(false);
  });

  it('is written at once when its place, networks or episode change', () => {
    for (const change of [{ latitude: 31.24 }, { cell_id: '460-00-1234-9999' }, { bssid: null }, { source_address: '10.9.9.9' }, { distance_m: 5000 },
      { suspect_since: later(60_000) }, { case_id: 'case-1' }]) {
      expect(sightingUnchanged(stored, { ...stored, seen_at: later(60_000), ...change })).toBe(false);
    }
  });

  it('is written when the clock went back (the stored sighting is from its future)', () => {
    expect(sightingUnchanged(stored, { ...stored, seen_at: later(-60_000) })).toBe(false);
  });
});
