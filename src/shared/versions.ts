// Version comparison, written once: versions are semantic versions; a terminal's looser version text
// ("2.4") is read as the nearest one ("2.4.0"), and a version that reads as none is neither older nor newer.
import semver from 'semver';

export function normalVersion(version: string | null): string | null {
  if (version === null) return null;
  return semver.valid(version) ?? semver.valid(semver.coerce(version)) ?? null;
}

/** For `?installedVersion=` and fleet figures: is `a` older than `b` (unknown versions are not)? */
export function isOlder(a: string | null, b: string): boolean {
  const x = normalVersion(a);
  const y = normalVersion(b);
  return !!x && !!y && semver.lt(x, y);
}

export function isAtLeast(a: string | null, b: string): boolean {
  const x = normalVersion(a);
  const y = normalVersion(b);
  return !!x && !!y && semver.gte(x, y);
}
