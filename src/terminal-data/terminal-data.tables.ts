// Terminal data: backups, restores, baselines.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

export type BackupKind = 'weekly' | 'pre_maintenance' | 'manual';

/** uploading → stored | refused (hash did not verify); stored → pruned (retention) | corrupt (no longer verifies at rest). */
export type BackupState = 'uploading' | 'stored' | 'refused' | 'pruned' | 'corrupt';

export type RestoreReason = 'swap' | 'factory_reset' | 'manual';

export type RestoreState = 'pending' | 'confirmed' | 'failed' | 'cancelled';

export interface TerminalBackupTable {
  id: string;
  terminal_id: string;
  upload_id: string;
  kind: BackupKind;
  state: BackupState;
  sha256: string;
  size_bytes: number;
  chunk_size: number;
  chunk_count: number;
  /** The escrow key the data key was wrapped with, and the wrapped key (base64); never the key itself. */
  key_id: string;
  wrapped_key: string;
  iv: string;
  maintenance_job_id: string | null;
  /** On the terminal's clock; the others on the server's. */
  taken_at: string;
  created_at: string;
  stored_at: string | null;
  refused_reason: string | null;
  pruned_at: string | null;
}

export interface TerminalRestoreTable {
  id: string;
  terminal_id: string;
  backup_id: string;
  source_terminal_id: string;
  reason: RestoreReason;
  swap_id: string | null;
  work_order_id: string | null;
  state: RestoreState;
  requested_by: string;
  requested_at: string;
  ended_at: string | null;
  detail: string | null;
}

export interface BaselineTable {
  id: string;
  name: string;
  merchant_id: string | null;
  site_id: string | null;
  model_id: string | null;
  tag: string | null;
  app_version: string | null;
  firmware_version: string | null;
  configuration_version: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}
