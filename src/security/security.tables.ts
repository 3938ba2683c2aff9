// Security: locations, networks, geofences, key slots, key policies and injections, settings.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.
import type { KeyType } from '../shared/terminal-security.ts';

export interface TerminalLocationTable {
  terminal_id: string;
  seen_at: string;
  latitude: number | null;
  longitude: number | null;
  accuracy_m: number | null;
  cell_id: string | null;
  bssid: string | null;
  source_address: string | null;
  /** Metres from the site's geofence centre, when both are known. */
  distance_m: number | null;
  suspect_since: string | null;
  /** JSON: why the terminal is suspect (outside_fence, new_network) with detail. */
  suspect_reasons: string | null;
  /** The suspicious-activity case of the current episode, once opened. */
  case_id: string | null;
  updated_at: string;
}

export type NetworkKind = 'bssid' | 'cell' | 'subnet';

export interface TerminalNetworkTable {
  terminal_id: string;
  kind: NetworkKind;
  value: string;
  first_seen_at: string;
}

export interface SiteGeofenceTable {
  site_id: string;
  latitude: number;
  longitude: number;
  radius_m: number;
  updated_at: string;
  updated_by: string;
}

export interface TerminalKeySlotTable {
  terminal_id: string;
  slot: number;
  key_type: KeyType;
  bdk_id: string | null;
  kcv: string | null;
  ksn_prefix: string | null;
  loaded_at: string | null;
  expires_at: string | null;
  reported_at: string;
}

export interface AcquirerKeyPolicyTable {
  acquirer: string;
  key_type: KeyType;
  bdk_id: string | null;
  kcv: string | null;
  updated_at: string;
  updated_by: string;
}

export type KeyInjectionOutcome = 'succeeded' | 'failed';

export interface KeyInjectionTable {
  id: string;
  terminal_id: string;
  job_id: string;
  outcome: KeyInjectionOutcome;
  /** JSON: the slots the terminal reported after the job. */
  slots: string;
  /** JSON: the key policy's problems left after the job. */
  problems: string;
  recorded_at: string;
}

export interface SecuritySettingsTable {
  id: string;
  /** JSON SecuritySettings */
  value: string;
  updated_at: string;
  updated_by: string;
}
