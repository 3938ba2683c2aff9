// Terminal configuration: parameter schemas, groups, values per level, versions and held changes.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.
import type { Generated } from 'kysely';

export type ConfigLevel = 'fleet' | 'merchant' | 'site' | 'group' | 'terminal';

export interface ConfigSchemaTable {
  id: string;
  application: string;
  version: string;
  /** JSON { [parameter]: ParameterSpec } */
  parameters: string;
  package_id: string | null;
  created_by: string;
  created_at: string;
}

export interface ConfigGroupTable {
  id: string;
  name: string;
  /** JSON { merchantId?, siteId?, modelId?, tag? } */
  filter: string;
  created_by: string;
  created_at: string;
}

export interface ConfigValueTable {
  level: ConfigLevel;
  /** '' for the fleet */
  scope_id: string;
  parameter: string;
  /** JSON */
  value: string;
  updated_at: string;
}

export interface ConfigVersionTable {
  id: string;
  level: ConfigLevel;
  scope_id: string;
  version: number;
  /** JSON: the level's values after this change */
  values: string;
  /** JSON [{ parameter, old, new }] */
  changes: string;
  reason: string;
  reverts_to: number | null;
  created_by: string;
  created_at: string;
}

/**
 * pending (held, not live) → delivering (its campaign runs) → applied (a version of its level) | rolled_back
 * | cancelled (its delivery stopped — the campaign cancelled, or a follow-up rolled back — with the terminals
 * that took it keeping it; a rollback of them makes it rolled_back, delivering it again, delivering) | discarded.
 */
export type ConfigChangeState = 'pending' | 'delivering' | 'applied' | 'rolled_back' | 'cancelled' | 'discarded';

export interface ConfigChangeTable {
  id: string;
  level: ConfigLevel;
  scope_id: string;
  /** JSON: { [parameter]: value | null } set at the level */
  delta: string;
  /** JSON [{ parameter, old, new }] when it was made */
  changes: string;
  reason: string;
  state: ConfigChangeState;
  campaign_id: string | null;
  version: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ConfigChangeHolderTable {
  change_id: string;
  terminal_id: string;
  since: string;
}

/** A terminal's place changed (or, with site_id, every terminal of a site): written by triggers (migration 0045). */
export interface PlacementChangeTable {
  /** bigint on PostgreSQL (read as text there): Number() it. */
  seq: Generated<number | string>;
  terminal_id: string | null;
  site_id: string | null;
  /** The database's clock, ms since 1970. */
  changed_at: number | string;
}
