// Remote assistance: logs and screenshots from terminals, screen messages.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

export type ArtifactKind = 'logs' | 'screenshot';

export type ArtifactState = 'uploading' | 'stored' | 'refused' | 'pruned' | 'corrupt';

export type ScreenMessageState = 'sent' | 'shown' | 'acknowledged';

export interface TerminalArtifactTable {
  id: string;
  terminal_id: string;
  /** The terminal's own id for the upload: asking again with it resumes, never starts a second one. */
  upload_id: string;
  /** The collect_logs / screenshot command it answers (null: the terminal sent it by itself). */
  command_id: string | null;
  /** The incident it was asked for, from the command. */
  incident_id: string | null;
  kind: ArtifactKind;
  state: ArtifactState;
  /** What the file is once decoded: text/plain for logs, image/png for a screenshot. */
  content_type: string;
  /** How the stored bytes are encoded: gzip (logs) or identity (a PNG is compressed already). */
  encoding: 'gzip' | 'identity';
  sha256: string;
  size_bytes: number;
  /** Bytes before compression. */
  original_bytes: number;
  /** 1 when the terminal cut the oldest part to stay under the size cap. */
  truncated: number;
  chunk_size: number;
  chunk_count: number;
  requested_by: string | null;
  taken_at: string;
  created_at: string;
  stored_at: string | null;
  refused_reason: string | null;
  pruned_at: string | null;
}

export interface ScreenMessageTable {
  id: string;
  terminal_id: string;
  command_id: string;
  text: string;
  state: ScreenMessageState;
  sent_by: string;
  sent_at: string;
  shown_at: string | null;
  acknowledged_at: string | null;
  /** The staff member who acknowledged it on the terminal, as the terminal names them. */
  acknowledged_by: string | null;
}
