// Four eyes: which operations a second person must approve, who may approve a request, and when a
// request has expired. Pure: the service asks these questions before it touches storage.
import { can, isRole, type Permission, type Role } from '../access/roles.ts';
import type { ApprovalKind, ApprovalState } from '../db/schema.ts';

export type { ApprovalKind, ApprovalState };

/** The high-risk operations held for a second person. */
export const APPROVAL_KINDS: readonly ApprovalKind[] = ['campaign', 'role_change', 'tamper_unlock', 'continuity_override', 'acquirer_parameters'];

export const APPROVAL_STATES: readonly ApprovalState[] = ['awaiting_approval', 'approved', 'rejected', 'expired', 'failed'];

/** The permission that both the requester and the approver must hold: the one the operation itself needs. */
export const PERMISSION_OF: Record<ApprovalKind, Permission> = {
  campaign: 'rollouts:write',
  role_change: 'users:manage',
  tamper_unlock: 'maintenance:write',
  continuity_override: 'maintenance:write',
  acquirer_parameters: 'configuration:write',
};

export interface FourEyesSettings {
  /** Operations that need a second person (all of them by default). */
  kinds: readonly ApprovalKind[];
  /** A campaign to more than this many terminals needs a second person. */
  campaignTerminals: number;
  /** A request not decided within this many hours expires. */
  expiryHours: number;
}

export const DEFAULT_FOUR_EYES: FourEyesSettings = { kinds: APPROVAL_KINDS, campaignTerminals: 500, expiryHours: 24 };

/** What decides whether one operation is held: its kind, and for a campaign how many terminals it reaches. */
export type HeldFacts = { kind: 'campaign'; terminals: number } | { kind: Exclude<ApprovalKind, 'campaign'> };

export function needsApproval(facts: HeldFacts, settings: FourEyesSettings): boolean {
  if (!settings.kinds.includes(facts.kind)) return false;
  return facts.kind === 'campaign' ? facts.terminals > settings.campaignTerminals : true;
}

export interface Person {
  userId: string;
  name: string;
  role: Role;
}

/** Why a person may not decide a request, or null when they may. */
export type DecisionRefusal = 'own_request' | 'no_permission' | 'expired' | 'decided';

export function refusalOf(
  request: { kind: ApprovalKind; state: ApprovalState; requestedBy: string; expiresAt: string },
  decider: Person,
  now: Date,
): DecisionRefusal | null {
  if (request.state !== 'awaiting_approval') return request.state === 'expired' ? 'expired' : 'decided';
  if (isExpired(request.expiresAt, now)) return 'expired';
  if (request.requestedBy === decider.userId) return 'own_request';
  if (!can(decider.role, PERMISSION_OF[request.kind])) return 'no_permission';
  return null;
}

/** Who is told of a new request: every active person who may decide it, never the requester. */
export function approversOf<U extends { id: string; role: string; disabledAt: string | null }>(kind: ApprovalKind, requestedBy: string, users: readonly U[]): U[] {
  return users.filter((u) => u.id !== requestedBy && !u.disabledAt && isRole(u.role) && can(u.role, PERMISSION_OF[kind]));
}

export const isExpired = (expiresAt: string, now: Date) => Date.parse(expiresAt) <= now.getTime();

export const expiryOf = (requestedAt: Date, settings: Pick<FourEyesSettings, 'expiryHours'>) =>
  new Date(requestedAt.getTime() + settings.expiryHours * 3_600_000).toISOString();

/** Who an approved operation is attributed to: both people, as its records name them. */
export const attributedTo = (requester: string, approver: string) => `${requester} (approved by ${approver})`;

/** Reads the FOUR_EYES setting: a comma-separated list of kinds, 'all' (the default) or 'off'. */
export function parseKinds(raw: string | undefined): ApprovalKind[] {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'all') return [...APPROVAL_KINDS];
  if (text === 'off' || text === 'none') return [];
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(APPROVAL_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`FOUR_EYES must be all, off or a comma-separated list of ${APPROVAL_KINDS.join(', ')}; unknown: ${unknown.join(', ')}`);
  return kinds as ApprovalKind[];
}
