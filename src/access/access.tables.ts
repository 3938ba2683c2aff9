// Users, their sessions and API tokens.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { Role } from './roles.ts';

export interface UserTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Set for merchant users: the one merchant they see. */
  merchant_id: string | null;
  locale: string;
  password_hash: string | null;
  password_changed_at: string | null;
  /** JSON array of the previous password hashes (newest first), so they are not reused. */
  password_history: string;
  failed_logins: number;
  locked_until: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  source_ip: string | null;
  revoked_at: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** "full" acts with the owner's role; "read" only reads. */
  scope: 'full' | 'read';
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}
