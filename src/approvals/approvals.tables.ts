// Four-eyes approval requests.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

export type ApprovalKind = 'campaign' | 'role_change' | 'tamper_unlock' | 'continuity_override' | 'acquirer_parameters';

export type ApprovalState = 'awaiting_approval' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ApprovalRequestTable {
  id: string;
  kind: ApprovalKind;
  state: ApprovalState;
  /** What is asked, for the people deciding (e.g. the campaign's name and terminal count). */
  summary: string;
  /** The object the operation changes (a user, a terminal, a level), when it has one. */
  object_id: string | null;
  /** JSON: the operation's input, run as it is on approval. */
  payload: string;
  reason: string;
  requested_by: string;
  requested_by_name: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  /** The approver's note or the rejection's reason. */
  decision_note: string | null;
  /** JSON: what the operation answered when it ran (or why it failed). */
  result: string | null;
}
