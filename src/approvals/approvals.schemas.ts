// Approval requests over HTTP: what a person deciding sees, and what they send.
import { Type, type Static } from 'typebox';
import type { ApprovalKind, ApprovalState } from '../db/schema.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const KINDS = ['campaign', 'role_change', 'tamper_unlock', 'continuity_override', 'acquirer_parameters'] as const satisfies readonly ApprovalKind[];
const STATES = ['awaiting_approval', 'approved', 'rejected', 'expired', 'failed'] as const satisfies readonly ApprovalState[];
const KIND = Type.Enum(KINDS);
const STATE = Type.Enum(STATES);
const Who = Type.Object({ id: Type.String(), name: Type.String() });

export const ApprovalView = Type.Object({
  id: Type.String(),
  kind: KIND,
  state: STATE,
  summary: Type.Record(Type.String(), Type.Unknown(), { description: 'what is asked, as names and counts (e.g. name, terminals, user, from, to)' }),
  objectId: Nullable(Type.String()),
  reason: Type.String({ description: "the requester's reason" }),
  requestedBy: Who,
  requestedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  decidedBy: Nullable(Who),
  decidedAt: Nullable(Type.String({ format: 'date-time' })),
  decisionNote: Nullable(Type.String({ description: "the approver's note or the rejection's reason" })),
  result: Type.Unknown({ description: 'what the operation answered when it ran (e.g. the campaign), or { error }' }),
  canDecide: Type.Boolean({ description: 'whether the caller may approve or reject it now (not their own, their role has the permission)' }),
});
export type ApprovalView = Static<typeof ApprovalView>;

export const ApprovalListQuery = Type.Object({
  state: Type.Optional(STATE),
  kind: Type.Optional(KIND),
  objectId: Type.Optional(Type.String({ maxLength: 64, description: 'requests about one object (a user, a terminal)' })),
}, { additionalProperties: false });

export const ApproveInput = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const RejectInput = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500, description: 'why, for the requester' }) }, { additionalProperties: false });
