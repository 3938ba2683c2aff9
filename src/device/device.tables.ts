// The terminal protocol: enrolment, credentials, heartbeats and commands.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

/** The latest heartbeat of each terminal: read by lists and filters without touching the history. */
export interface TerminalHealthTable {
  terminal_id: string;
  seq: number;
  last_seen_at: string;
  reported_at: string;
  /** 1 while the terminal is considered online; the offline sweep flips it and records when. */
  online: number;
  offline_since: string | null;
  report: string;
}

export interface HeartbeatTable {
  terminal_id: string;
  seq: number;
  received_at: string;
  report: string;
  /** (0021) The UTC day it was received: its partition on PostgreSQL ('' on SQLite for rows older than 0021). */
  received_day: string;
}

export interface TerminalCredentialTable {
  id: string;
  terminal_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  /** The terminal's id of the enrolment that issued it (EnrolRequest.requestId), if it sent one. */
  enrolment_request_id: string | null;
  /** "serial|pinPadSerial|secureProcessorId" the terminal reported; null until it reports one. */
  hardware_fingerprint: string | null;
}

export interface EnrolmentCodeTable {
  id: string;
  code_hash: string;
  terminal_id: string | null;
  site_id: string | null;
  model_id: string | null;
  uses_left: number;
  expires_at: string;
  created_at: string;
  created_by: string | null;
}

export interface TerminalCommandTable {
  id: string;
  terminal_id: string;
  type: string;
  payload: string;
  /** pending → delivered (handed out in a heartbeat answer) → succeeded or failed (the terminal's report). */
  status: 'pending' | 'delivered' | 'succeeded' | 'failed';
  created_at: string;
  created_by: string | null;
  delivered_at: string | null;
  completed_at: string | null;
  result: string | null;
}
