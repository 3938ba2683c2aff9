// Four eyes: a high-risk operation asked by one person is held as a request with its reason; a
// different person with the operation's permission approves it (the operation then runs, exactly as
// asked, through the capability that owns it, attributed to both) or rejects it with a reason; a request
// nobody decided expires. Each step is an entry in the audit chain.
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../audit/audit.service.ts';
import { can } from '../access/roles.ts';
import { AppError, fromCatalogue, notFound } from '../shared/errors.ts';
import type { Emitter } from '../shared/events.ts';
import type { FourEyes, HeldAnswer, HeldKind, HeldSummary, HoldRequest, Requester } from '../shared/four-eyes.ts';
import { parseJson } from '../shared/json.ts';
import { formatMessage, type CatalogueLocale } from '../shared/messages/format.ts';
import type { Clock } from '../shared/time.ts';
import type { ApprovalRow, ApprovalsRepository } from './approvals.repository.ts';
import {
  attributedTo, expiryOf, isExpired, needsApproval, PERMISSION_OF, refusalOf, type ApprovalKind, type ApprovalState, type FourEyesSettings, type Person,
} from './approvals.rules.ts';

/** Who an approved operation runs for: the requester, the approver, and the name its records carry (both). */
export interface Attribution {
  requester: { userId: string; name: string };
  approver: { userId: string; name: string };
  actorName: string;
  requestId: string;
}

/** Runs one kind of held operation through the capability that owns it; answers what the operation answered. */
export type HeldOperation = (payload: unknown, by: Attribution) => Promise<unknown>;

export type ApprovalEvents = {
  /** A request waits for a second person (the notification channels may tell the approvers). */
  'approval.requested': { id: string; kind: ApprovalKind; summary: HeldSummary; requestedBy: string; requestedById: string; reason: string; expiresAt: string };
};

import type { ApprovalView } from './approvals.schemas.ts';

export type { ApprovalView };

type Audit = { record(event: AuditEvent): Promise<void> };

export class ApprovalsService implements FourEyes {
  constructor(
    private readonly repo: ApprovalsRepository,
    private readonly clock: Clock,
    private readonly settings: FourEyesSettings,
    private readonly audit: Audit,
    private readonly executors: Record<ApprovalKind, HeldOperation>,
    private readonly events?: Emitter<ApprovalEvents>,
  ) {}

  campaignNeedsApproval(terminals: number): boolean {
    return needsApproval({ kind: 'campaign', terminals }, this.settings);
  }

  campaignThreshold(): number {
    return this.settings.campaignTerminals;
  }

  async hold(request: HoldRequest, requester: Requester, locale: CatalogueLocale): Promise<HeldAnswer | null> {
    const facts = request.kind === 'campaign' ? { kind: 'campaign' as const, terminals: request.terminals ?? 0 } : { kind: request.kind };
    if (!needsApproval(facts, this.settings)) return null;
    const reason = request.reason?.trim();
    if (!reason || reason.length < 3) throw fromCatalogue('validation_error', 'approval.reason_required', {}, { field: request.field });
    const now = this.clock();
    const row: ApprovalRow = {
      id: randomUUID(), kind: request.kind, state: 'awaiting_approval', summary: JSON.stringify(request.summary), object_id: request.objectId,
      payload: JSON.stringify(request.payload ?? null), reason, requested_by: requester.userId, requested_by_name: requester.name,
      requested_at: now.toISOString(), expires_at: expiryOf(now, this.settings), decided_by: null, decided_by_name: null, decided_at: null, decision_note: null, result: null,
    };
    await this.repo.insert(row);
    await this.record('approval.requested', row, { type: 'user', id: requester.userId, name: requester.name }, { reason });
    await this.events?.emit('approval.requested', { id: row.id, kind: row.kind, summary: request.summary, requestedBy: requester.name, requestedById: requester.userId, reason, expiresAt: row.expires_at });
    return {
      id: row.id, state: 'awaiting_approval', kind: row.kind, expiresAt: row.expires_at,
      message: formatMessage(locale, 'approval.held', { kind: row.kind }) ?? 'Held for a second person to approve.',
    };
  }

  /** Requests the caller may decide, and their own; newest first. */
  async list(caller: Person, query: { state?: ApprovalState | undefined; objectId?: string | undefined; kind?: HeldKind | undefined }): Promise<ApprovalView[]> {
    const rows = await this.repo.list({ states: query.state ? [query.state] : undefined, objectId: query.objectId, limit: 200 });
    return rows
      .filter((r) => (!query.kind || r.kind === query.kind) && (r.requested_by === caller.userId || can(caller.role, PERMISSION_OF[r.kind])))
      .map((r) => this.view(r, caller));
  }

  async get(id: string, caller: Person): Promise<ApprovalView> {
    const row = await this.repo.find(id);
    if (!row || (row.requested_by !== caller.userId && !can(caller.role, PERMISSION_OF[row.kind]))) throw notFound('approval request', id);
    return this.view(row, caller);
  }

  /** The second person says yes: the operation runs as it was asked, attributed to both. */
  async approve(id: string, approver: Person, note: string | undefined): Promise<ApprovalView> {
    const row = await this.decidable(id, approver);
    const at = this.now();
    if (!(await this.repo.move(id, 'awaiting_approval', { state: 'approved', decided_by: approver.userId, decided_by_name: approver.name, decided_at: at, decision_note: note?.trim() || null }))) {
      throw fromCatalogue('conflict', 'approval.decided', { state: 'approved' });
    }
    const by: Attribution = {
      requester: { userId: row.requested_by, name: row.requested_by_name }, approver: { userId: approver.userId, name: approver.name },
      actorName: attributedTo(row.requested_by_name, approver.name), requestId: id,
    };
    try {
      const result = await this.executors[row.kind](parseJson(row.payload, null), by);
      await this.repo.move(id, 'approved', { result: JSON.stringify(result ?? null) });
      await this.record('approval.approved', row, { type: 'user', id: approver.userId, name: approver.name }, { note: note ?? null, requestedBy: row.requested_by_name });
    } catch (error) {
      // The operation refused (say, the package was revoked meanwhile): the request ends failed, with why.
      // Kept with its catalogue entry (when it has one), so the page says it in each reader's language.
      const failure = error instanceof AppError
        ? { error: error.message, ...(error.key && { key: error.key, params: error.params ?? {} }) }
        : { error: String(error) };
      await this.repo.move(id, 'approved', { state: 'failed', result: JSON.stringify(failure) });
      await this.record('approval.failed', row, { type: 'user', id: approver.userId, name: approver.name }, { error: failure.error }, 'failure');
      throw error;
    }
    return this.get(id, approver);
  }

  async reject(id: string, decider: Person, reason: string): Promise<ApprovalView> {
    const row = await this.decidable(id, decider);
    if (!(await this.repo.move(id, 'awaiting_approval', { state: 'rejected', decided_by: decider.userId, decided_by_name: decider.name, decided_at: this.now(), decision_note: reason.trim() }))) {
      throw fromCatalogue('conflict', 'approval.decided', { state: 'rejected' });
    }
    await this.record('approval.rejected', row, { type: 'user', id: decider.userId, name: decider.name }, { reason, requestedBy: row.requested_by_name });
    return this.get(id, decider);
  }

  /** For the expiry job: requests nobody decided in time end expired. */
  async expire(): Promise<number> {
    const now = this.now();
    let expired = 0;
    for (const row of await this.repo.overdue(now)) {
      if (!(await this.repo.move(row.id, 'awaiting_approval', { state: 'expired', decided_at: now }))) continue;
      await this.record('approval.expired', row, { type: 'system', id: null, name: 'PosFleet' }, { requestedBy: row.requested_by_name });
      expired++;
    }
    return expired;
  }

  private async decidable(id: string, decider: Person): Promise<ApprovalRow> {
    const row = await this.repo.find(id);
    if (!row) throw notFound('approval request', id);
    const refusal = refusalOf({ kind: row.kind, state: row.state, requestedBy: row.requested_by, expiresAt: row.expires_at }, decider, this.clock());
    if (refusal === 'expired') {
      // Expired before the job came round: it ends so now, recorded like the job's.
      if (row.state === 'awaiting_approval' && (await this.repo.move(id, 'awaiting_approval', { state: 'expired', decided_at: this.now() }))) {
        await this.record('approval.expired', row, { type: 'system', id: null, name: 'PosFleet' }, { requestedBy: row.requested_by_name });
      }
      throw fromCatalogue('conflict', 'approval.expired', { at: row.expires_at });
    }
    if (refusal === 'own_request') throw fromCatalogue('forbidden', 'approval.own_request', {});
    if (refusal === 'no_permission') throw fromCatalogue('forbidden', 'approval.no_permission', { role: decider.role, permission: PERMISSION_OF[row.kind] });
    if (refusal === 'decided') throw fromCatalogue('conflict', 'approval.decided', { state: row.state });
    return row;
  }

  private view(r: ApprovalRow, caller: Person): ApprovalView {
    const state: ApprovalState = r.state === 'awaiting_approval' && isExpired(r.expires_at, this.clock()) ? 'expired' : r.state;
    return {
      id: r.id, kind: r.kind, state, summary: parseJson<HeldSummary>(r.summary, {}), objectId: r.object_id, reason: r.reason,
      requestedBy: { id: r.requested_by, name: r.requested_by_name }, requestedAt: r.requested_at, expiresAt: r.expires_at,
      decidedBy: r.decided_by ? { id: r.decided_by, name: r.decided_by_name ?? '' } : null, decidedAt: r.decided_at, decisionNote: r.decision_note,
      result: parseJson(r.result, null),
      canDecide: state === 'awaiting_approval' && r.requested_by !== caller.userId && can(caller.role, PERMISSION_OF[r.kind]),
    };
  }

  private now = () => this.clock().toISOString();

  private record(action: string, row: ApprovalRow, actor: { type: 'user' | 'system'; id: string | null; name: string }, details: Record<string, unknown>, outcome: 'success' | 'failure' = 'success') {
    return this.audit.record({
      actorType: actor.type, actorId: actor.id, actorName: actor.name, action, objectType: 'approvals', objectId: row.id, outcome,
      details: { kind: row.kind, objectId: row.object_id, summary: parseJson(row.summary, {}), ...details },
    });
  }
}
