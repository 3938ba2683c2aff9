// May a package go to a terminal? Pure: the model must be one the package is for, the installed
// version at least the package's minimum, and the package newer than what is installed (older only when
// the campaign allows a downgrade, as a rollback does). Versions are semantic versions; a terminal's
// looser version text ("2.4") is read as the nearest one ("2.4.0").
import semver from 'semver';
import { normalVersion } from '../shared/versions.ts';

export { isAtLeast, isOlder, normalVersion } from '../shared/versions.ts';

export const EXCLUSIONS = ['incompatible_model', 'below_minimum_version', 'already_installed', 'downgrade', 'in_other_campaign', 'no_previous_package'] as const;
export type Exclusion = (typeof EXCLUSIONS)[number];

export interface PackageFacts {
  version: string;
  compatibleModels: readonly string[];
  minInstalledVersion: string | null;
}

export function exclusionOf(pkg: PackageFacts, modelId: string, installed: string | null, allowDowngrade: boolean): Exclusion | null {
  if (!pkg.compatibleModels.includes(modelId)) return 'incompatible_model';
  const current = normalVersion(installed);
  const target = normalVersion(pkg.version);
  if (installed !== null && installed === pkg.version) return 'already_installed';
  if (current && target) {
    if (semver.eq(current, target)) return 'already_installed';
    if (semver.lt(target, current) && !allowDowngrade) return 'downgrade';
  }
  const minimum = normalVersion(pkg.minInstalledVersion);
  if (minimum && (!current || semver.lt(current, minimum))) return 'below_minimum_version';
  return null;
}
