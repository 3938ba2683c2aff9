// Suspicious-activity cases: each report (by a merchant, a terminal or an operator) is a case with an
// owner, a status and a history of who changed what, when and why. Merchants see their own cases;
// people who handle incidents assign owners and move cases on. When the last case of a terminal's
// suspicious-activity incident closes, the incident resolves.
import { randomUUID } from 'node:crypto';
import { can, isRole, ROLES, type Scope } from '../access/roles.ts';
import { invalidField, notFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { CaseAssignInput, CaseListQuery, CaseStatusInput } from './diagnostics.schemas.ts';
import { isClosed, refuseTransition, type CaseStatus } from './suspicious-cases.ts';
import type { SuspiciousCasesRepository } from './suspicious-cases.repository.ts';

export interface CaseActor {
  userId: string | null;
  name: string;
}

type CaseRow = NonNullable<Awaited<ReturnType<SuspiciousCasesRepository['find']>>>;

export class SuspiciousCaseService {
  constructor(
    private readonly repo: SuspiciousCasesRepository,
    private readonly clock: Clock,
    /** Resolves the incident the cases belong to, if it is still open. */
    private readonly closeIncident: (incidentId: string, actor: string, resolution: string) => Promise<void>,
  ) {}

  private now = () => this.clock().toISOString();

  /** The first line of a case's history, written with the report. */
  async opened(caseId: string, at: string, actor: string, what: string, evidence?: Record<string, unknown>): Promise<void> {
    await this.repo.addEvent({ id: randomUUID(), case_id: caseId, at, actor, changes: JSON.stringify({ status: [null, 'open'], ...(evidence && { evidence: [null, evidence] }) }), note: what });
  }

  /** A rule saw more of the same (or something new) at the terminal: a line of evidence in the case's history. */
  async addEvidence(caseId: string, at: string, actor: string, what: string, evidence: Record<string, unknown>): Promise<void> {
    await this.repo.addEvent({ id: randomUUID(), case_id: caseId, at, actor, changes: JSON.stringify({ evidence: [null, evidence] }), note: what });
  }

  async list(query: CaseListQuery, scope: Scope) {
    const limit = query.limit ?? 100;
    const rows = await this.repo.list({ ...query, before: decodeCursor(query.cursor), limit }, scope);
    return toPage(rows.map(toCase), limit, (c) => `${c.reportedAt}|${c.id}`);
  }

  async get(id: string, scope: Scope) {
    const row = await this.visible(id, scope);
    const history = await this.repo.history(id);
    return {
      ...toCase(row),
      history: history.map((e) => ({ at: e.at, actor: e.actor, changes: parseJson<Record<string, [unknown, unknown]>>(e.changes, {}), note: e.note })),
    };
  }

  /** Who a case may be given to: every active user who handles incidents. */
  async possibleOwners() {
    return { items: await this.repo.activeUsersIn(ROLES.filter((role) => can(role, 'incidents:write'))) };
  }

  /** Gives a case an owner: someone who handles incidents. */
  async assign(id: string, input: CaseAssignInput, scope: Scope, actor: CaseActor) {
    const row = await this.visible(id, scope);
    if (isClosed(row.status)) throw refused('diagnostics.case_closed', { status: row.status }, { field: 'status', retryable: false });
    const owner = await this.repo.user(input.ownerId);
    if (!owner || owner.disabled_at || !isRole(owner.role) || !can(owner.role, 'incidents:write')) {
      throw invalidField('ownerId', 'diagnostics.case_owner_invalid');
    }
    if (owner.id === row.owner_id) throw refused('diagnostics.case_owned_already', { owner: owner.name }, { field: 'ownerId', retryable: false });
    await this.change(row, { owner_id: owner.id }, { ownerId: [row.owner_id, owner.id] }, input.note, actor);
    return this.get(id, scope);
  }

  /** Moves a case on; moving it to investigating without an owner makes the mover its owner. */
  async setStatus(id: string, input: CaseStatusInput, scope: Scope, actor: CaseActor) {
    const row = await this.visible(id, scope);
    const refusal = refuseTransition(row.status, input.status, input.note);
    if (refusal) throw refusal.kind === 'conflict' ? refused(refusal.key, refusal.params, { field: refusal.field, retryable: false }) : invalidField(refusal.field, refusal.key, refusal.params);
    const set: { status: CaseStatus; owner_id?: string } = { status: input.status };
    const changes: Record<string, [unknown, unknown]> = { status: [row.status, input.status] };
    if (input.status === 'investigating' && !row.owner_id && actor.userId) {
      set.owner_id = actor.userId;
      changes.ownerId = [null, actor.userId];
    }
    await this.change(row, set, changes, input.note, actor);
    if (isClosed(input.status) && (await this.repo.unclosedOf(row.incident_id)) === 0) {
      await this.closeIncident(row.incident_id, actor.name, `every suspicious-activity case of the terminal is closed (last: ${input.status}: ${input.note ?? ''})`);
    }
    return this.get(id, scope);
  }

  private async change(row: CaseRow, set: { status?: CaseStatus; owner_id?: string | null }, changes: Record<string, [unknown, unknown]>, note: string | undefined, actor: CaseActor) {
    const at = this.now();
    const changed = await this.repo.change(row.id, { status: row.status, owner_id: row.owner_id }, { ...set, updated_at: at }, {
      id: randomUUID(), case_id: row.id, at, actor: actor.name, changes: JSON.stringify(changes), note: note ?? null,
    });
    if (!changed) throw refused('diagnostics.case_changed_meanwhile', {}, { field: 'status', retryable: true });
  }

  private async visible(id: string, scope: Scope): Promise<CaseRow> {
    const row = await this.repo.find(id, scope);
    if (!row) throw notFound('suspicious-activity case', id);
    return row;
  }
}

export function toCase(row: CaseRow) {
  return {
    id: row.id, incidentId: row.incident_id, terminalId: row.terminal_id, serialNumber: row.serial_number, siteId: row.site_id, merchantId: row.merchant_id ?? null,
    what: row.what, occurredAt: row.occurred_at, reportedBy: row.reported_by, reportedAt: row.reported_at,
    status: row.status, ownerId: row.owner_id, ownerName: row.owner_name ?? null, updatedAt: row.updated_at ?? row.reported_at,
  };
}
