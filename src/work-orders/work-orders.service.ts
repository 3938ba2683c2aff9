// Work orders: made by hand, from merchants' requests, from failed inspections, from escalated
// troubleshooting and from preventive plans (one per site visit); their lifecycle, checklist and
// signature, and the due/overdue/SLA escalation tick. A technician reaches only their own.
import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/authentication.service.ts';
import type { Scope } from '../access/roles.ts';
import type { Inspection } from '../compliance/compliance.schemas.ts';
import type { Executor } from '../db/database.ts';
import type { GuideEscalation } from '../diagnostics/guide-runs.service.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { AppError, fromCatalogue, invalidField, notFound, orNotFound, refused } from '../shared/errors.ts';
import { formatMessage } from '../shared/messages/format.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { canMove, isClosed, technicianMayMoveTo, type WorkOrderStatus } from './work-order-states.ts';
import type { ItemRow, WorkOrderFilter, WorkOrderRow, WorkOrdersRepository } from './work-orders.repository.ts';
import type { ChecklistInput, LocalText, StatusInput, WorkOrderInput, WorkOrderRequestInput, WorkOrderView } from './work-orders.schemas.ts';

export interface Actor {
  id: string | null;
  name: string;
  scope: Scope;
}

/** Who acts, as a request's principal: their name goes into the history. */
export const actorOf = (p: Pick<Principal, 'userId' | 'name' | 'scope'>): Actor => ({ id: p.userId, name: p.name, scope: p.scope });

export interface WorkOrderSettings {
  /** Hours after its due date by which an open work order is escalated. */
  slaHours: number;
  /** Hours ahead of its due date a work order is announced as due. */
  dueSoonHours: number;
}

/**
 * The preventive tasks a work order covers (preventive maintenance plugs in here): done, each moves to its
 * next due date, with intervals worked out before the move's transaction; cancelled, each is due again.
 */
export interface CoveredTasks {
  intervals(taskIds: string[]): Promise<Map<string, FreshInterval>>;
  settle(trx: Executor, taskIds: string[], to: 'done' | 'cancelled', now: string, intervals: Map<string, FreshInterval>): Promise<void>;
}

export interface FreshInterval {
  effective_days: number;
  /** JSON DueReason[] */
  why: string;
}

/** What a new work order is made of (its id and who made it are given apart). */
export interface NewWorkOrder {
  source: string; title: string; siteId: string; terminalIds: string[]; requiredSkill: string | null; dueAt: string | null; items: NewItem[];
  planId?: string; parentId?: string; inspectionId?: string; note?: string | null;
}
export type NewItem = Omit<ItemRow, 'work_order_id' | 'seq'>;

export const DEFAULT_WORK_ORDER_SETTINGS: WorkOrderSettings = { slaHours: 48, dueSoonHours: 24 };
export const SYSTEM: Actor = { id: null, name: 'PosFleet', scope: { kind: 'fleet' } };
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class WorkOrdersService {
  constructor(
    private readonly repo: WorkOrdersRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateLookups, 'findSite' | 'findTerminal'>,
    private readonly notifications: Pick<NotificationService, 'notify'>,
    private readonly tasks: CoveredTasks,
    private readonly settings: WorkOrderSettings = DEFAULT_WORK_ORDER_SETTINGS,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- work orders
  async createWorkOrder(input: WorkOrderInput, actor: Actor): Promise<WorkOrderView> {
    const site = await this.estate.findSite(input.siteId);
    if (!site) throw invalidField('siteId', 'common.does_not_exist', { what: 'site', id: input.siteId });
    const terminalIds = input.terminalIds ?? [];
    for (const [i, terminalId] of terminalIds.entries()) {
      const terminal = await this.estate.findTerminal(terminalId);
      if (!terminal || terminal.deletedAt) throw invalidField(`terminalIds.${i}`, 'common.does_not_exist', { what: 'terminal', id: terminalId });
      if (terminal.siteId !== site.id) throw invalidField(`terminalIds.${i}`, 'work_orders.terminal_not_at_site', { serial: terminal.serialNumber, site: site.name });
    }
    const items = (input.checklist ?? []).map((c, i) => newItem(null, null, 'request', `item-${i + 1}`, c.text, c.required ?? true));
    const id = randomUUID();
    await this.repo.transaction((trx) => this.insert(trx, {
      source: input.source ?? 'manual', title: input.title, siteId: site.id, terminalIds, requiredSkill: input.requiredSkill ?? null,
      dueAt: input.dueAt ?? null, items, note: input.note ?? null,
    }, id, actor));
    return this.getWorkOrder(id, actor.scope);
  }

  /**
   * A merchant's request for a site (and terminals) of their own: an open work order of source
   * merchant_request for operators to triage. A site or terminal outside the caller's scope gets the
   * same 404 as one that does not exist, and nothing is created.
   */
  async requestWorkOrder(input: WorkOrderRequestInput, actor: Actor): Promise<WorkOrderView> {
    const site = (await this.estate.findSite(input.siteId, actor.scope)) ?? orNotFound('site', input.siteId);
    const terminalIds = input.terminalIds ?? [];
    for (const [i, terminalId] of terminalIds.entries()) {
      const terminal = await this.estate.findTerminal(terminalId, actor.scope);
      if (!terminal || terminal.deletedAt) throw notFound('terminal', terminalId);
      if (terminal.siteId !== site.id) throw invalidField(`terminalIds.${i}`, 'work_orders.terminal_not_at_site', { serial: terminal.serialNumber, site: site.name });
    }
    const id = randomUUID();
    await this.repo.transaction((trx) => this.insert(trx, {
      source: 'merchant_request', title: input.title, siteId: site.id, terminalIds, requiredSkill: null, dueAt: null, items: [], note: input.note ?? null,
    }, id, actor));
    // Merchant users reach no work order through the operators' reads: the request is shown as filed.
    return this.getWorkOrder(id, SYSTEM.scope);
  }

  /** Merchants' requests, newest first: a merchant user sees those of their own merchant only. */
  async listRequests(query: { status?: WorkOrderStatus | undefined; limit?: number | undefined }, scope: Scope) {
    const rows = await this.repo.listRequests({ status: query.status, limit: query.limit ?? 100 }, scope);
    return {
      items: rows.map((r) => ({ id: r.id, source: r.source, title: r.title, status: r.status, siteId: r.site_id, technicianId: r.technician_id, dueAt: r.due_at, createdAt: r.created_at })),
    };
  }

  /** The compliance seam: a failed device inspection opens a work order for its terminal, in the inspection's transaction. */
  async onInspectionFailed(inspection: Inspection, trx: Executor): Promise<void> {
    const terminal = await this.repo.terminalSite(inspection.terminalId, trx);
    if (!terminal?.site_id) return; // a terminal in no site has nowhere to send a technician
    const at = new Date(inspection.inspectedAt);
    await this.insert(trx, {
      source: 'inspection', title: `Failed inspection: ${terminal.serial_number}`, siteId: terminal.site_id, terminalIds: [terminal.id], requiredSkill: 'security',
      dueAt: new Date(Math.max(at.getTime(), this.clock().getTime()) + DAY).toISOString(), inspectionId: inspection.id,
      items: [
        newItem(terminal.id, null, 'inspection', 'investigate', { 'zh-CN': '排查检查未通过的原因（封签、序列号、拆机痕迹）', en: 'Investigate the failed inspection (seal, serial number, tamper signs)' }, true),
        newItem(terminal.id, null, 'inspection', 'reinspect', { 'zh-CN': '处理后重新检查终端', en: 'Re-inspect the terminal after the fix' }, true),
      ],
    }, randomUUID(), { ...SYSTEM, name: inspection.inspector.name ?? SYSTEM.name });
  }

  /** The diagnostics seam: a guide run that escalates opens a work order with its answers and likely parts. */
  async onGuideEscalated(escalation: GuideEscalation): Promise<void> {
    const terminal = await this.repo.terminalSite(escalation.terminalId);
    const siteId = terminal?.site_id;
    if (!terminal || !siteId) return; // a terminal in no site has nowhere to send a technician
    const answered = escalation.answers.map((a) => `${a.stepId}: ${a.outcome}`).join('; ');
    await this.repo.transaction((trx) => this.insert(trx, {
      source: 'incident', title: `Troubleshooting escalated: ${terminal.serial_number} (${escalation.guideId})`, siteId,
      terminalIds: [terminal.id], requiredSkill: null, dueAt: new Date(this.clock().getTime() + DAY).toISOString(),
      note: `guide run ${escalation.runId}${escalation.incidentId ? ` for incident ${escalation.incidentId}` : ''}; answers: ${answered}; likely parts: ${escalation.parts.join(', ') || 'none named'}`,
      items: [
        newItem(terminal.id, null, 'incident', 'repair', { 'zh-CN': '按排障记录维修终端，必要时更换备件', en: 'Repair the terminal following the troubleshooting answers, replacing parts if needed' }, true),
        newItem(terminal.id, null, 'incident', 'verify', { 'zh-CN': '维修后运行自检并试交易', en: 'Run the self-test and a test transaction after the repair' }, true),
      ],
    }, randomUUID(), { ...SYSTEM, name: escalation.by }));
  }

  /** A work order as `scope` may see it, read in the caller's transaction (spare parts are booked on it), or 404. */
  async findForUpdate(trx: Executor, id: string, scope: Scope): Promise<WorkOrderRow> {
    return (await this.repo.findWorkOrder(id, scope, trx)) ?? orNotFound('work order', id);
  }

  async listWorkOrders(query: WorkOrderFilter & { limit?: number | undefined }, scope: Scope) {
    const rows = await this.repo.listWorkOrders({ ...query, limit: query.limit ?? 100 }, scope);
    return {
      items: rows.map((r) => ({ id: r.id, source: r.source, title: r.title, status: r.status, siteId: r.site_id, technicianId: r.technician_id, dueAt: r.due_at, createdAt: r.created_at })),
    };
  }

  async getWorkOrder(id: string, scope: Scope, executor?: Executor): Promise<WorkOrderView> {
    const row = (await this.repo.findWorkOrder(id, scope, executor)) ?? orNotFound('work order', id);
    return toWorkOrder(row, await this.repo.details(id, executor));
  }

  async assign(id: string, input: { technicianId: string; note?: string | undefined }, actor: Actor): Promise<WorkOrderView> {
    const technician = await this.repo.findTechnician(input.technicianId);
    if (!technician) throw invalidField('technicianId', 'common.does_not_exist', { what: 'technician', id: input.technicianId });
    await this.repo.transaction(async (trx) => {
      const order = (await this.repo.findWorkOrder(id, actor.scope, trx)) ?? orNotFound('work order', id);
      const from = order.status;
      if (isClosed(from)) throw refused('work_orders.closed', { status: from, action: 'assign' }, { retryable: false });
      const to: WorkOrderStatus = from === 'open' ? 'assigned' : from;
      const now = this.now();
      if (!(await this.repo.moveWorkOrder(trx, id, from, { technician_id: technician.id, status: to, updated_at: now }))) throw refused('work_orders.changed_meanwhile', {}, { retryable: true });
      await this.repo.addHistory(trx, history(id, from, to, actor, now, input.note ?? `assigned to ${technician.name}`));
    });
    return this.getWorkOrder(id, actor.scope);
  }

  async changeStatus(id: string, input: StatusInput, actor: Actor): Promise<WorkOrderView> {
    // Worked out before the transaction (the meters are read through another query): the intervals done tasks go on with.
    const intervals = input.to === 'done' ? await this.tasks.intervals(taskIdsOf((await this.repo.details(id)).items)) : new Map<string, FreshInterval>();
    await this.repo.transaction(async (trx) => {
      const order = (await this.repo.findWorkOrder(id, actor.scope, trx)) ?? orNotFound('work order', id);
      const from = order.status;
      if (actor.scope.kind === 'technician' && !technicianMayMoveTo(input.to)) throw fromCatalogue('forbidden', 'work_orders.technician_may_not_move', { to: input.to });
      if (!canMove(from, input.to)) throw refused('work_orders.cannot_move', { from, to: input.to }, { field: 'to', retryable: false });
      if (input.to === 'assigned' && !order.technician_id) throw refused('work_orders.no_technician', {}, { field: 'to', retryable: false });
      const now = this.now();
      const details = await this.repo.details(id, trx);
      if (input.to === 'done') {
        const unanswered = details.items.filter((i) => i.required === 1 && i.result === null);
        if (unanswered.length) {
          // With the items as details, which fromCatalogue does not carry: the same catalogue entry, said in the caller's language.
          const said = { count: unanswered.length };
          throw new AppError('conflict', formatMessage('en', 'work_orders.unanswered_items', said)!, 'checklist', { itemIds: unanswered.map((i) => i.id) }).says('work_orders.unanswered_items', said, false);
        }
      }
      const moved = await this.repo.moveWorkOrder(trx, id, from, {
        status: input.to, updated_at: now,
        ...(input.to === 'open' && { technician_id: null }),
        // A repair done on site (no swap set it earlier): the merchant has a working terminal again now.
        ...(input.to === 'done' && order.source !== 'preventive' && order.restored_at === null && { restored_at: now }),
        ...(input.minutesSpent !== undefined && { minutes_spent: order.minutes_spent + input.minutesSpent }),
        ...(input.signature && { signature_name: input.signature.name, signature_at: input.signature.signedAt ?? now, signature_image: input.signature.image ?? null }),
      });
      if (!moved) throw refused('work_orders.changed_meanwhile', {}, { retryable: true });
      await this.repo.addHistory(trx, history(id, from, input.to, actor, now, input.note ?? null));
      if (input.to === 'done' || input.to === 'cancelled') await this.tasks.settle(trx, taskIdsOf(details.items), input.to, now, intervals);
    });
    return this.getWorkOrder(id, actor.scope);
  }

  async recordChecklist(id: string, input: ChecklistInput, actor: Actor): Promise<WorkOrderView> {
    await this.repo.transaction(async (trx) => {
      const order = (await this.repo.findWorkOrder(id, actor.scope, trx)) ?? orNotFound('work order', id);
      if (isClosed(order.status)) throw refused('work_orders.closed', { status: order.status, action: 'checklist' }, { retryable: false });
      const items = new Map((await this.repo.details(id, trx)).items.map((i) => [i.id, i]));
      const now = this.now();
      for (const [i, r] of input.results.entries()) {
        const item = items.get(r.itemId);
        if (!item) throw invalidField(`results.${i}.itemId`, 'work_orders.item_not_on_order', { item: r.itemId });
        if (r.followUp && r.result !== 'fail') throw invalidField(`results.${i}.followUp`, 'work_orders.follow_up_needs_fail');
        await this.repo.answerItem(trx, id, item.id, { result: r.result, note: r.note ?? null, answered_by: actor.name, answered_at: now });
        if (r.followUp) {
          const text = parseJson<LocalText>(item.text, { 'zh-CN': item.item_code, en: item.item_code });
          await this.insert(trx, {
            source: 'follow_up', title: `Follow-up: ${text.en}`, siteId: order.site_id, terminalIds: item.terminal_id ? [item.terminal_id] : [],
            requiredSkill: order.required_skill, dueAt: new Date(new Date(now).getTime() + 7 * DAY).toISOString(), parentId: id, note: r.note ?? null,
            items: [newItem(item.terminal_id, null, 'follow-up', 'fix', { 'zh-CN': `处理：${text['zh-CN']}`, en: `Fix: ${text.en}` }, true)],
          }, randomUUID(), actor);
        }
      }
      await this.repo.updateWorkOrder(trx, id, { updated_at: now });
    });
    return this.getWorkOrder(id, actor.scope);
  }

  /** Stores a new, open work order in the caller's transaction (preventive plans order their visits through here). */
  async insert(trx: Executor, o: NewWorkOrder, id: string, actor: Actor): Promise<void> {
    const now = this.now();
    const row: WorkOrderRow = {
      id, source: o.source, title: o.title, status: 'open', site_id: o.siteId, technician_id: null, required_skill: o.requiredSkill, due_at: o.dueAt,
      sla_due_at: o.dueAt ? new Date(new Date(o.dueAt).getTime() + this.settings.slaHours * HOUR).toISOString() : null,
      plan_id: o.planId ?? null, parent_id: o.parentId ?? null, inspection_id: o.inspectionId ?? null, minutes_spent: 0,
      signature_name: null, signature_at: null, signature_image: null, note: o.note ?? null, restored_at: null, created_by: actor.name, created_at: now, updated_at: now,
    };
    const items = o.items.map((item, seq) => ({ ...item, work_order_id: id, seq }));
    await this.repo.insertWorkOrder(trx, row, o.terminalIds, items, history(id, null, 'open', actor, now, `created (${o.source})`));
  }

  // ---- escalation
  /**
   * The recurring tick: tells the site's merchant channels (and fleet-wide ones) about work orders due
   * soon, overdue, and past their SLA. Idempotency keys carry the due date, so each is said once.
   */
  async escalate(): Promise<{ due: number; overdue: number; escalated: number }> {
    const now = this.clock();
    const counts = { due: 0, overdue: 0, escalated: 0 };
    for (const order of await this.repo.openDueBefore(new Date(now.getTime() + this.settings.dueSoonHours * HOUR).toISOString())) {
      const dueAt = order.due_at!;
      const overdue = dueAt <= now.toISOString();
      const escalated = order.sla_due_at !== null && order.sla_due_at <= now.toISOString();
      const event = escalated ? 'workorder.escalated' : overdue ? 'workorder.overdue' : 'workorder.due';
      const key = `${event}:${order.id}:${escalated ? order.sla_due_at : dueAt}`;
      await this.notifications.notify({
        event, merchantId: order.merchant_id, siteId: order.site_id, key,
        data: { workOrderId: order.id, title: order.title, dueAt, slaDueAt: order.sla_due_at ?? undefined, status: order.status },
      });
      counts[escalated ? 'escalated' : overdue ? 'overdue' : 'due']++;
    }
    return counts;
  }
}

/** A checklist item of a new work order. */
export function newItem(terminalId: string | null, taskId: string | null, taskCode: string, itemCode: string, text: LocalText, required: boolean): NewItem {
  return {
    id: randomUUID(), terminal_id: terminalId, pm_task_id: taskId, task_code: taskCode, item_code: itemCode, text: JSON.stringify(text), required: required ? 1 : 0,
    result: null, note: null, answered_by: null, answered_at: null,
  };
}

function history(workOrderId: string, from: WorkOrderStatus | null, to: WorkOrderStatus, actor: Actor, at: string, note: string | null) {
  return { id: randomUUID(), work_order_id: workOrderId, from_status: from, to_status: to, by_id: actor.id, by_name: actor.name, at, note };
}

const taskIdsOf = (items: ItemRow[]): string[] => [...new Set(items.map((i) => i.pm_task_id).filter((x): x is string => x !== null))];

function toWorkOrder(row: WorkOrderRow, d: Awaited<ReturnType<WorkOrdersRepository['details']>>): WorkOrderView {
  return {
    id: row.id, source: row.source, title: row.title, status: row.status, siteId: row.site_id, terminalIds: d.terminals, technicianId: row.technician_id,
    requiredSkill: row.required_skill, dueAt: row.due_at, slaDueAt: row.sla_due_at, planId: row.plan_id, parentId: row.parent_id, inspectionId: row.inspection_id,
    minutesSpent: Number(row.minutes_spent),
    signature: row.signature_name ? { name: row.signature_name, signedAt: row.signature_at ?? row.updated_at, image: row.signature_image } : null,
    note: row.note,
    checklist: d.items.map((i) => ({
      id: i.id, terminalId: i.terminal_id, taskCode: i.task_code, itemCode: i.item_code, text: parseJson<LocalText>(i.text, { 'zh-CN': i.item_code, en: i.item_code }),
      required: Number(i.required) === 1, result: i.result, note: i.note, answeredBy: i.answered_by, answeredAt: i.answered_at,
      photos: d.photos.filter((p) => p.item_id === i.id).map((p) => ({
        id: p.id, contentType: p.content_type, sizeBytes: Number(p.size), sha256: p.sha256, takenBy: p.taken_by, takenAt: p.taken_at,
        url: `/api/v1/work-orders/${row.id}/photos/${p.id}`,
      })),
    })),
    history: d.history.map((h) => ({ from: h.from_status, to: h.to_status, by: h.by_name, at: h.at, note: h.note })),
    parts: d.parts.map((p) => ({ partId: p.part_id, sku: p.sku, depot: p.depot, quantity: -Number(p.delta), by: p.by_name, at: p.at })),
    followUps: d.followUps,
    createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}
