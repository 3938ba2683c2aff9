// The security rules as pure functions: is a terminal where it should be and on its usual networks,
// when does a suspect episode open a case, is it the same hardware, does a report carry key material,
// and which of an acquirer's required keys a terminal lacks. No I/O: the service keeps the state.
import type { HardwareFingerprint, KeySlot, KeyType, TerminalLocation } from '../shared/terminal-security.ts';
import type { TerminalLocationTable } from './security.tables.ts';

export interface Geofence { latitude: number; longitude: number; radiusM: number }
export type NetworkKind = 'bssid' | 'cell' | 'subnet';
export interface Network { kind: NetworkKind; value: string }

export interface SecuritySettings {
  /** A terminal outside its fence or on a new network this long opens a case. */
  relocationGraceMinutes: number;
  /** Lock a relocated terminal (and order its inspection) as soon as its case opens. */
  lockOnRelocation: boolean;
  /** Terminals with one of these tags move by design (delivery, taxis): never a relocation case. */
  mobileTags: string[];
  /** A required key expiring within this many days opens a key_expiring incident. */
  keyExpiryWarningDays: number;
}

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = {
  relocationGraceMinutes: 15, lockOnRelocation: true, mobileTags: ['mobile'], keyExpiryWarningDays: 30,
};

const EARTH_RADIUS_M = 6_371_000;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The /24 (IPv4) or /48 (IPv6) a source address belongs to: a terminal's usual network, coarsely. */
export function subnetOf(address: string | undefined | null): string | null {
  if (!address) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (address.includes(':')) return `${address.toLowerCase().split(':').slice(0, 3).join(':')}::/48`;
  return null;
}

/** The networks a heartbeat shows: Wi-Fi access point, cell, and the source address's subnet. */
export function networksOf(location: TerminalLocation | undefined, sourceAddress: string | undefined | null): Network[] {
  const out: Network[] = [];
  if (location?.bssid) out.push({ kind: 'bssid', value: location.bssid.toLowerCase() });
  if (location?.cellId) out.push({ kind: 'cell', value: location.cellId });
  const subnet = subnetOf(sourceAddress);
  if (subnet) out.push({ kind: 'subnet', value: subnet });
  return out;
}

export interface Sighting {
  location: TerminalLocation | undefined;
  networks: Network[];
}

export interface Assessment {
  /** Metres from the fence's centre (when the fence and a GPS fix are known). */
  distanceM: number | null;
  outside: boolean;
  /** Networks of a kind the terminal has a history of, but not this one. */
  newNetworks: Network[];
  /** Networks of a kind seen for the first time: learnt, not suspect. */
  firstNetworks: Network[];
}

/**
 * Where a sighting puts a terminal. Outside: its GPS fix is beyond the fence by more than the fix's
 * own accuracy (a fix of ±2 km inside a 500 m fence proves nothing). A network is unusual only when
 * the terminal has been seen on networks of that kind before (the first one is learnt).
 */
export function assess(sighting: Sighting, fence: Geofence | undefined, known: Network[]): Assessment {
  const gps = sighting.location?.gps;
  const distance = fence && gps ? distanceM(fence, { latitude: gps.lat, longitude: gps.lon }) : null;
  const outside = distance !== null && fence !== undefined && distance - (gps?.accuracyM ?? 0) > fence.radiusM;
  const kinds = new Set(known.map((n) => n.kind));
  const seen = new Set(known.map((n) => `${n.kind} ${n.value}`));
  const newNetworks: Network[] = [];
  const firstNetworks: Network[] = [];
  for (const n of sighting.networks) {
    if (seen.has(`${n.kind} ${n.value}`)) continue;
    (kinds.has(n.kind) ? newNetworks : firstNetworks).push(n);
  }
  return { distanceM: distance === null ? null : Math.round(distance), outside, newNetworks, firstNetworks };
}

export interface Episode {
  /** Since when the terminal has been suspect, or null. */
  suspectSince: string | null;
  /** The case opened for this episode, if any. */
  caseId: string | null;
}

/**
 * One case per episode: a terminal suspect (outside its fence or on an unusual network) for longer
 * than the grace period opens one case; while it stays suspect nothing more opens; once it is back
 * the episode ends, and a later one is a new case. A mobile (allow-listed) terminal is never suspect.
 */
export function nextEpisode(episode: Episode, suspect: boolean, at: string, graceMs: number): { episode: Episode; open: boolean } {
  if (!suspect) return { episode: { suspectSince: null, caseId: null }, open: false };
  const since = episode.suspectSince ?? at;
  const open = !episode.caseId && Date.parse(at) - Date.parse(since) >= graceMs;
  return { episode: { suspectSince: since, caseId: episode.caseId }, open };
}

/** A stored sighting whose only news is the time is written again after this long (the security page's "seen at"). */
export const SIGHTING_REFRESH_MS = 15 * 60_000;

type StoredSighting = Omit<TerminalLocationTable, 'terminal_id' | 'updated_at'>;

/**
 * Whether a sighting can go unwritten: it says what the stored one says (place, networks, episode) and the stored
 * one is recent. A terminal heartbeating in place then costs no write of its location each time, only every
 * SIGHTING_REFRESH_MS.
 */
export function sightingUnchanged(stored: StoredSighting | undefined, next: StoredSighting): boolean {
  return !!stored && Date.parse(next.seen_at) - Date.parse(stored.seen_at) < SIGHTING_REFRESH_MS && Date.parse(next.seen_at) >= Date.parse(stored.seen_at)
    && stored.latitude === next.latitude && stored.longitude === next.longitude && stored.accuracy_m === next.accuracy_m
    && stored.cell_id === next.cell_id && stored.bssid === next.bssid && stored.source_address === next.source_address && stored.distance_m === next.distance_m
    && stored.suspect_since === next.suspect_since && stored.suspect_reasons === next.suspect_reasons && stored.case_id === next.case_id;
}

export const isMobile = (tags: readonly string[], mobileTags: readonly string[]): boolean => tags.some((t) => mobileTags.includes(t));

/** Which parts of a reported fingerprint differ from the bound one (empty: the same hardware). */
export function fingerprintDifferences(bound: HardwareFingerprint, reported: HardwareFingerprint): (keyof HardwareFingerprint)[] {
  return (['serial', 'pinPadSerial', 'secureProcessorId'] as const).filter((k) => bound[k] !== reported[k]);
}

const HEX = /^[0-9A-Fa-f]+$/;
/** Field names under which a report would be carrying a key itself. */
const KEY_NAMES = /^(key|keys?Material|clearKey|plainKey|keyValue|value|tmk|tpk|tak|zmk|zpk|bdk|ipek|pek|component\d*)$/i;

/**
 * The first field of a heartbeat report that looks like key material, as [field, why], or null.
 * A key check value is 4–6 hex digits and a KSN prefix at most 16; longer hex in those fields is a key.
 * Unknown fields are kept for newer SDKs, so they are looked at too: one named like a key, or any long
 * hex string, is refused rather than stored.
 */
export function keyMaterialIn(report: { keys?: KeySlot[] | undefined } & Record<string, unknown>, known: ReadonlySet<string>): [string, string] | null {
  for (const [i, slot] of (report.keys ?? []).entries()) {
    if (slot.kcv !== undefined && !(HEX.test(slot.kcv) && slot.kcv.length >= 4 && slot.kcv.length <= 6)) {
      return [`keys.${i}.kcv`, 'a key check value is 4 to 6 hex digits; this looks like key material'];
    }
    if (slot.ksnPrefix !== undefined && !(HEX.test(slot.ksnPrefix) && slot.ksnPrefix.length <= 16)) {
      return [`keys.${i}.ksnPrefix`, 'a KSN prefix is at most 16 hex digits; this looks like key material'];
    }
    if (slot.bdkId !== undefined && HEX.test(slot.bdkId) && slot.bdkId.length > 16) {
      return [`keys.${i}.bdkId`, 'a BDK id names the key (at most 16 hex digits); this looks like key material'];
    }
  }
  for (const [name, value] of Object.entries(report)) {
    if (known.has(name)) continue;
    if (KEY_NAMES.test(name)) return [name, 'heartbeats carry key-slot metadata (keys), never keys'];
    if (typeof value === 'string' && value.length >= 32 && HEX.test(value)) return [name, 'a long hex string looks like key material'];
  }
  return null;
}

export interface KeyRequirement { keyType: KeyType; bdkId: string | null; kcv: string | null }
export type KeyProblemRule = 'key_missing' | 'key_mismatch' | 'key_expiring';

export interface KeyProblem {
  rule: KeyProblemRule;
  keyType: KeyType;
  /** The slot concerned (a mismatched or expiring one). */
  slot: number | null;
  /** What to do by when: an expiring key's expiry; a missing or mismatched one is due at once. */
  deadline: string;
  expected?: { bdkId: string | null; kcv: string | null };
  found?: { bdkId: string | null; kcv: string | null };
}

/**
 * What a terminal's reported slots lack against its acquirer's policy: a required key type with no
 * slot (missing), slots of that type none of which has the required BDK id / KCV (mismatch), and the
 * matching key expiring within the warning period (or expired).
 */
export function keyProblems(slots: readonly KeySlot[], required: readonly KeyRequirement[], now: string, warningDays: number): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const warnUntil = Date.parse(now) + warningDays * 86_400_000;
  for (const r of required) {
    const ofType = slots.filter((s) => s.type === r.keyType);
    if (!ofType.length) {
      problems.push({ rule: 'key_missing', keyType: r.keyType, slot: null, deadline: now, expected: { bdkId: r.bdkId, kcv: r.kcv } });
      continue;
    }
    const matches = ofType.filter((s) => (!r.bdkId || s.bdkId === r.bdkId) && (!r.kcv || s.kcv?.toUpperCase() === r.kcv.toUpperCase()));
    if (!matches.length) {
      const s = ofType[0]!;
      problems.push({ rule: 'key_mismatch', keyType: r.keyType, slot: s.slot, deadline: now, expected: { bdkId: r.bdkId, kcv: r.kcv }, found: { bdkId: s.bdkId ?? null, kcv: s.kcv ?? null } });
      continue;
    }
    // The best matching key: the one that lasts longest (a fresh key loaded beside an old one is fine).
    const best = [...matches].sort((a, b) => (b.expiresAt ? Date.parse(b.expiresAt) : Infinity) - (a.expiresAt ? Date.parse(a.expiresAt) : Infinity))[0]!;
    if (best.expiresAt && Date.parse(best.expiresAt) <= warnUntil) {
      problems.push({ rule: 'key_expiring', keyType: r.keyType, slot: best.slot, deadline: best.expiresAt });
    }
  }
  return problems;
}
