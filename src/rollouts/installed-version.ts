// Where a terminal's installed version of a package kind is known, written once. An application's and a
// firmware's are on the terminal (it reports both with every heartbeat; a hawkBit device's confirmation
// records them); any other kind's only in the campaigns that installed it (the last that succeeded).

/** The package kinds whose installed version the terminal itself reports. */
export type ReportedKind = 'application' | 'firmware';

export const reportsVersion = (kind: string): kind is ReportedKind => kind === 'application' || kind === 'firmware';

/** The `terminals` column holding the installed version of `kind`; null when no column does. */
export function versionColumn(kind: string): 'app_version' | 'firmware_version' | null {
  return kind === 'application' ? 'app_version' : kind === 'firmware' ? 'firmware_version' : null;
}

/**
 * A terminal's installed version of `kind`: the one it reports, or for other kinds the one its last
 * successful campaign installed (`lastInstalled`, by terminal id; null when none did).
 */
export function installedVersion(
  kind: string, terminal: { id: string; appVersion: string | null; firmwareVersion: string | null }, lastInstalled: ReadonlyMap<string, string>,
): string | null {
  if (kind === 'application') return terminal.appVersion;
  if (kind === 'firmware') return terminal.firmwareVersion;
  return lastInstalled.get(terminal.id) ?? null;
}
