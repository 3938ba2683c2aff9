// Signed packages, campaigns, their waves and actions, and installed versions.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { Generated } from 'kysely';
import type { ActionState } from '../shared/deployment-hint.ts';
import type { SkipReason } from './action-states.ts';
import type { CampaignState, PackageKind, WaveState } from './rollouts.schemas.ts';
import type { ReportedKind } from './installed-version.ts';

export interface PublisherKeyTable {
  id: string;
  name: string;
  public_key: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

export interface PackageTable {
  id: string;
  kind: PackageKind;
  name: string;
  version: string;
  /** JSON array of terminal model ids. */
  compatible_models: string;
  min_installed_version: string | null;
  security_patch: number;
  /** JSON { "zh-CN": ..., "en": ... } */
  release_notes: string;
  file_name: string;
  size: number;
  sha256: string;
  signature: string;
  key_id: string;
  sha1: string | null;
  md5: string | null;
  /** Set once the content arrived and matched: only then can the package be assigned. */
  uploaded_at: string | null;
  created_by: string;
  created_at: string;
  /** JSON { [parameter]: ParameterSpec } the package's manifest declares (signed with it); null: none. */
  parameters: string | null;
}

export interface CampaignTable {
  id: string;
  name: string;
  package_id: string;
  rollback_of: string | null;
  /** JSON CampaignFilter */
  filter: string;
  /** JSON CampaignSettings (waves, thresholds) */
  settings: string;
  state: CampaignState;
  current_wave: number;
  /** JSON: why it halted, with the figures. */
  halt: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

export interface CampaignWaveTable {
  campaign_id: string;
  wave: number;
  percent: number;
  state: WaveState;
  started_at: string | null;
  installed_at: string | null;
  ended_at: string | null;
  verdict: string | null;
}

export interface RolloutActionTable {
  id: Generated<number>;
  campaign_id: string;
  terminal_id: string;
  wave: number;
  package_id: string;
  previous_version: string | null;
  state: ActionState;
  maintenance_job_id: string | null;
  reason: string | null;
  /** Why a skipped action was skipped, as a code (0038); null for any other state. `reason` keeps the prose. */
  skip_reason: SkipReason | null;
  /** `reason` as the message catalogue's key (0044); null: English only (older rows, or no catalogue sentence). */
  reason_key: string | null;
  /** JSON SaidParams of `reason_key` (src/shared/messages/said.ts). */
  reason_params: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface ActionFeedbackTable {
  id: Generated<number>;
  action_id: number;
  report_id: string | null;
  source: string;
  status: ActionState;
  body: string;
  effect: string;
  received_at: string;
}

export interface VersionChangeTable {
  id: string;
  terminal_id: string;
  /** Only the kinds a terminal reports itself are recorded as changes. */
  kind: ReportedKind;
  from_version: string | null;
  to_version: string;
  at: string;
}
