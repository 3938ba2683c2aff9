// Preventive maintenance and work orders: templates of the calendar, plans that give every terminal's
// tasks a due date (with why), work orders made from due tasks (one per site visit), from failed
// inspections, from merchants' requests or by hand, their lifecycle, checklist, parts and signature,
// technicians and assignment suggestions, spare parts, and the due/overdue/SLA escalation tick.
import { randomUUID } from 'node:crypto';
import { groupBy } from '../shared/group-by.ts';
import type { GuideEscalation } from '../diagnostics/guide-runs.service.ts';
import type { Kysely, Transaction } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { Inspection } from '../compliance/compliance.schemas.ts';
import type { Database } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import { AppError, conflict, forbidden, invalid, notFound, orNotFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { suggestTechnicians } from './assignment.ts';
import { DEFAULT_TEMPLATES, type TaskTemplate, type Text } from './default-templates.ts';
import { DEFAULT_FACTORS, nextDue, type DueDateFactors, type DueReason, type Schedule } from './due-dates.ts';
import { averageUsage, type UsageAverages } from './meters.ts';
import { PreventiveRepository, type Executor, type ItemRow, type TemplateRow, type WorkOrderFilter, type WorkOrderRow } from './preventive.repository.ts';
import type {
  ChecklistInput, PlanFilter, PlanInput, PlanView, StatusInput, TemplateInput, TemplatePatch, TemplateView, WorkOrderInput, WorkOrderView,
} from './preventive.schemas.ts';
import type { WorkOrderRequestInput } from './preventive.schemas.ts';
import { canMove, isClosed, technicianMayMoveTo, type WorkOrderStatus } from './work-order-states.ts';

export interface Actor {
  id: string | null;
  name: string;
  scope: Scope;
}

export interface PreventiveSettings {
  /** Hours after its due date by which an open work order is escalated. */
  slaHours: number;
  /** Hours ahead of its due date a work order is announced as due. */
  dueSoonHours: number;
  /** Days of heartbeats the usage meters are averaged over. */
  usageDays: number;
  factors: DueDateFactors;
}

interface FreshInterval {
  effective_days: number;
  /** JSON DueReason[] */
  why: string;
}

export const DEFAULT_PREVENTIVE_SETTINGS: PreventiveSettings = { slaHours: 48, dueSoonHours: 24, usageDays: 7, factors: DEFAULT_FACTORS };

const SYSTEM: Actor = { id: null, name: 'PosFleet', scope: { kind: 'fleet' } };
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class PreventiveService {
  readonly repo: PreventiveRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly notifications: NotificationService,
    private readonly settings: PreventiveSettings = DEFAULT_PREVENTIVE_SETTINGS,
  ) {
    this.repo = new PreventiveRepository(db);
  }

  private now = () => this.clock().toISOString();

  // ---- templates
  /** Stores the seed's calendar as templates, once (a template already stored under its code is left as edited). */
  async ensureDefaultTemplates(): Promise<void> {
    const now = this.now();
    for (const t of DEFAULT_TEMPLATES) {
      if (await this.repo.findTemplateByCode(t.code)) continue;
      await this.repo.insertTemplate({
        id: randomUUID(), code: t.code, name: JSON.stringify(t.name), interval_days: t.intervalDays, tasks: JSON.stringify(t.tasks), builtin: 1, created_at: now, updated_at: now,
      }, true);
    }
  }

  async listTemplates(): Promise<{ items: TemplateView[] }> {
    return { items: (await this.repo.listTemplates()).map(toTemplate) };
  }

  async createTemplate(input: TemplateInput): Promise<TemplateView> {
    checkTasks(input.tasks);
    if (await this.repo.findTemplateByCode(input.code)) throw conflict(`a template with code ${input.code} exists`, 'code');
    const now = this.now();
    const row: TemplateRow = {
      id: randomUUID(), code: input.code, name: JSON.stringify(input.name), interval_days: input.intervalDays, tasks: JSON.stringify(input.tasks), builtin: 0, created_at: now, updated_at: now,
    };
    await this.repo.insertTemplate(row);
    return toTemplate(row);
  }

  async updateTemplate(id: string, patch: TemplatePatch): Promise<TemplateView> {
    const row = (await this.repo.findTemplate(id)) ?? orNotFound('template', id);
    if (patch.tasks) checkTasks(patch.tasks);
    const values = {
      ...(patch.name && { name: JSON.stringify(patch.name) }),
      ...(patch.intervalDays !== undefined && { interval_days: patch.intervalDays }),
      ...(patch.tasks && { tasks: JSON.stringify(patch.tasks) }),
      updated_at: this.now(),
    };
    await this.repo.updateTemplate(id, values);
    return toTemplate({ ...row, ...values });
  }

  // ---- plans
  async createPlan(input: PlanInput, actor: Actor): Promise<PlanView> {
    const templates: TemplateRow[] = [];
    for (const [i, id] of input.templateIds.entries()) templates.push((await this.repo.findTemplate(id)) ?? throwInvalid(`templateIds.${i}`, `template ${id} does not exist`));
    await this.checkFilter(input.filter);
    const terminals = await this.repo.terminalsForPlan(input.filter);
    if (terminals.length === 0) throw invalid('filter', 'matches no terminal');
    const now = this.clock();
    const startAt = input.startAt ? new Date(input.startAt) : now;
    const schedule: Schedule = input.schedule ?? 'fixed';
    const factors = input.factors ?? this.settings.factors;
    const usage = await this.usage(terminals.map((t) => t.id), now);
    const planId = randomUUID();
    const codes = new Map(templates.map((t) => [t.id, itemCodesOf(t)]));
    const tasks = terminals.flatMap((terminal) => {
      const use = usage.get(terminal.id);
      const environment = parseJson<string[]>(terminal.environment, []);
      return templates.map((template) => {
        const due = nextDue({
          schedule, baseDays: template.interval_days, startAt, transactionsPerDay: use?.transactionsPerDay ?? null,
          environment, factors, meters: use?.meters ?? {}, itemCodes: codes.get(template.id)!,
        });
        return {
          id: randomUUID(), plan_id: planId, terminal_id: terminal.id, template_id: template.id, last_due_at: null, last_done_at: null,
          next_due_at: due.dueAt.toISOString(), effective_days: due.effectiveDays, why: JSON.stringify(due.why), work_order_id: null,
        };
      });
    });
    await this.db.transaction().execute((trx) => this.repo.insertPlan(trx, {
      id: planId, name: input.name, template_ids: JSON.stringify(input.templateIds), filter: JSON.stringify(input.filter), schedule,
      start_at: startAt.toISOString(), factors: input.factors ? JSON.stringify(input.factors) : null, created_by: actor.name, created_at: now.toISOString(),
    }, tasks));
    return this.getPlan(planId);
  }

  async getPlan(id: string): Promise<PlanView> {
    const plan = (await this.repo.findPlan(id)) ?? orNotFound('plan', id);
    const templates = new Map((await this.repo.listTemplates()).map((t) => [t.id, t]));
    const tasks = await this.repo.tasksOfPlan(id);
    return {
      id: plan.id, name: plan.name, templateIds: parseJson<string[]>(plan.template_ids, []), filter: parseJson<PlanFilter>(plan.filter, {}),
      schedule: plan.schedule, startAt: plan.start_at, createdBy: plan.created_by, createdAt: plan.created_at,
      due: tasks.map((t) => {
        const template = templates.get(t.template_id);
        return {
          terminalId: t.terminal_id, siteId: t.site_id, templateId: t.template_id, templateCode: template?.code ?? '', dueAt: t.next_due_at,
          baseDays: template?.interval_days ?? 0, effectiveDays: t.effective_days,
          anchor: plan.schedule === 'floating' ? (t.last_done_at ? 'last_completion' : 'start') : (t.last_due_at ? 'last_due' : 'start'),
          lastDueAt: t.last_due_at, lastDoneAt: t.last_done_at, why: parseJson<DueReason[]>(t.why, []), workOrderId: t.work_order_id,
        };
      }),
    };
  }

  /** Daily averages of the usage meters (transactions, card insertions, receipts, battery cycles) over the last `usageDays` days. */
  async usage(terminalIds: string[], now: Date): Promise<Map<string, UsageAverages>> {
    const since = new Date(now.getTime() - this.settings.usageDays * DAY).toISOString();
    const reports = groupBy(await this.repo.reportsSince(terminalIds, since), (row) => row.terminal_id);
    return new Map([...reports].map(([id, rows]) => [id, averageUsage(rows.map((r) => parseJson<unknown>(r.report, null)), this.settings.usageDays)]));
  }

  private async checkFilter(filter: PlanFilter): Promise<void> {
    if (filter.merchantId && !(await this.estate.repo.findMerchant(filter.merchantId))) throw invalid('filter.merchantId', `merchant ${filter.merchantId} does not exist`);
    if (filter.siteId && !(await this.estate.repo.findSite(filter.siteId))) throw invalid('filter.siteId', `site ${filter.siteId} does not exist`);
  }

  /**
   * Orders the plan's tasks due by `until` that no open work order covers: one work order per site (one
   * visit), holding the technician tasks of every due template for every terminal there.
   */
  async orderDue(planId: string, until: string | undefined, actor: Actor): Promise<{ items: WorkOrderView[] }> {
    const plan = (await this.repo.findPlan(planId)) ?? orNotFound('plan', planId);
    const horizon = until ?? this.now();
    const templates = new Map((await this.repo.listTemplates()).map((t) => [t.id, t]));
    const due = (await this.repo.tasksOfPlan(planId)).filter((t) => t.next_due_at <= horizon && t.work_order_id === null && t.site_id !== null);
    // Staff and remote tasks need no visit: only templates with a technician task make one.
    const visiting = due.filter((task) => parseJson<TaskTemplate[]>(templates.get(task.template_id)?.tasks, []).some((x) => x.performer === 'technician'));
    const bySite = groupBy(visiting, (task) => task.site_id!);
    const created: string[] = [];
    for (const [siteId, tasks] of bySite) {
      const site = await this.estate.repo.findSite(siteId);
      const id = randomUUID();
      await this.db.transaction().execute(async (trx) => {
        const items: Omit<ItemRow, 'work_order_id' | 'seq'>[] = [];
        let skill: string | null = null;
        for (const task of tasks) {
          for (const t of parseJson<TaskTemplate[]>(templates.get(task.template_id)?.tasks, []).filter((x) => x.performer === 'technician')) {
            skill ??= t.skill;
            for (const c of t.checklist) items.push(newItem(task.terminal_id, task.id, t.code, c.code, c.text, c.required));
          }
        }
        const dueAt = tasks.map((t) => t.next_due_at).sort()[0]!;
        await this.insert(trx, {
          source: 'preventive', title: `Preventive maintenance: ${site?.name ?? siteId}`, siteId, terminalIds: [...new Set(tasks.map((t) => t.terminal_id))],
          requiredSkill: skill, dueAt, planId: plan.id, items,
        }, id, actor);
        for (const task of tasks) await this.repo.updateTask(trx, task.id, { work_order_id: id });
      });
      created.push(id);
    }
    return { items: await Promise.all(created.map((id) => this.getWorkOrder(id, SYSTEM.scope))) };
  }

  // ---- technicians
  async createTechnician(input: { userId: string; skills: string[]; regions: string[] }) {
    const user = await this.db.selectFrom('users').select(['id', 'name', 'role']).where('id', '=', input.userId).executeTakeFirst();
    if (!user) throw invalid('userId', `user ${input.userId} does not exist`);
    if (user.role !== 'technician') throw invalid('userId', `user ${input.userId} is not a technician`);
    if (await this.repo.findTechnician(user.id)) throw conflict(`user ${user.id} is already a technician`, 'userId');
    await this.repo.insertTechnician({ id: user.id, name: user.name, skills: JSON.stringify(input.skills), regions: JSON.stringify(input.regions), created_at: this.now() });
    return { id: user.id, name: user.name, skills: input.skills, regions: input.regions, openWorkOrders: 0 };
  }

  async listTechnicians() {
    return {
      items: (await this.repo.techniciansWithLoad()).map((t) => ({
        id: t.id, name: t.name, skills: parseJson<string[]>(t.skills, []), regions: parseJson<string[]>(t.regions, []), openWorkOrders: t.load,
      })),
    };
  }

  async suggest(workOrderId: string, scope: Scope) {
    const order = (await this.repo.findWorkOrder(this.db, workOrderId, scope)) ?? orNotFound('work order', workOrderId);
    const site = await this.estate.repo.findSite(order.site_id);
    const candidates = (await this.repo.techniciansWithLoad()).map((t) => ({
      id: t.id, name: t.name, skills: parseJson<string[]>(t.skills, []), regions: parseJson<string[]>(t.regions, []), load: t.load,
    }));
    return { items: suggestTechnicians(candidates, { siteCode: site?.code ?? '', skill: order.required_skill }) };
  }

  // ---- work orders
  async createWorkOrder(input: WorkOrderInput, actor: Actor): Promise<WorkOrderView> {
    const site = await this.estate.repo.findSite(input.siteId);
    if (!site) throw invalid('siteId', `site ${input.siteId} does not exist`);
    const terminalIds = input.terminalIds ?? [];
    for (const [i, terminalId] of terminalIds.entries()) {
      const terminal = await this.estate.repo.findTerminal(terminalId);
      if (!terminal || terminal.deletedAt) throw invalid(`terminalIds.${i}`, `terminal ${terminalId} does not exist`);
      if (terminal.siteId !== site.id) throw invalid(`terminalIds.${i}`, `terminal ${terminalId} is not at site ${site.id}`);
    }
    const items = (input.checklist ?? []).map((c, i) => newItem(null, null, 'request', `item-${i + 1}`, c.text, c.required ?? true));
    const id = randomUUID();
    await this.db.transaction().execute((trx) => this.insert(trx, {
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
    const site = (await this.estate.repo.findSite(input.siteId, actor.scope)) ?? orNotFound('site', input.siteId);
    const terminalIds = input.terminalIds ?? [];
    for (const [i, terminalId] of terminalIds.entries()) {
      const terminal = await this.estate.repo.findTerminal(terminalId, actor.scope);
      if (!terminal || terminal.deletedAt) throw notFound('terminal', terminalId);
      if (terminal.siteId !== site.id) throw invalid(`terminalIds.${i}`, `terminal ${terminalId} is not at site ${site.id}`);
    }
    const id = randomUUID();
    await this.db.transaction().execute((trx) => this.insert(trx, {
      source: 'merchant_request', title: input.title, siteId: site.id, terminalIds, requiredSkill: null, dueAt: null, items: [], note: input.note ?? null,
    }, id, actor));
    // Merchant users reach no work order through the operators' reads: the request is shown as filed.
    return this.getWorkOrder(id, SYSTEM.scope);
  }

  /** Merchants' requests, newest first: a merchant user sees those of their own merchant only. */
  async listRequests(query: { status?: string | undefined; limit?: number | undefined }, scope: Scope) {
    const rows = await this.repo.listRequests({ status: query.status, limit: query.limit ?? 100 }, scope);
    return {
      items: rows.map((r) => ({ id: r.id, source: r.source, title: r.title, status: r.status, siteId: r.site_id, technicianId: r.technician_id, dueAt: r.due_at, createdAt: r.created_at })),
    };
  }

  /** The compliance seam: a failed device inspection opens a work order for its terminal, in the inspection's transaction. */
  async onInspectionFailed(inspection: Inspection, trx: Transaction<Database>): Promise<void> {
    const terminal = await trx.selectFrom('terminals').select(['id', 'site_id', 'serial_number']).where('id', '=', inspection.terminalId).executeTakeFirst();
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
    const terminal = await this.db.selectFrom('terminals').select(['id', 'site_id', 'serial_number']).where('id', '=', escalation.terminalId).executeTakeFirst();
    const siteId = terminal?.site_id;
    if (!terminal || !siteId) return; // a terminal in no site has nowhere to send a technician
    const answered = escalation.answers.map((a) => `${a.stepId}: ${a.outcome}`).join('; ');
    await this.db.transaction().execute((trx) => this.insert(trx, {
      source: 'incident', title: `Troubleshooting escalated: ${terminal.serial_number} (${escalation.guideId})`, siteId,
      terminalIds: [terminal.id], requiredSkill: null, dueAt: new Date(this.clock().getTime() + DAY).toISOString(),
      note: `guide run ${escalation.runId}${escalation.incidentId ? ` for incident ${escalation.incidentId}` : ''}; answers: ${answered}; likely parts: ${escalation.parts.join(', ') || 'none named'}`,
      items: [
        newItem(terminal.id, null, 'incident', 'repair', { 'zh-CN': '按排障记录维修终端，必要时更换备件', en: 'Repair the terminal following the troubleshooting answers, replacing parts if needed' }, true),
        newItem(terminal.id, null, 'incident', 'verify', { 'zh-CN': '维修后运行自检并试交易', en: 'Run the self-test and a test transaction after the repair' }, true),
      ],
    }, randomUUID(), { ...SYSTEM, name: escalation.by }));
  }

  async listWorkOrders(query: WorkOrderFilter & { limit?: number | undefined }, scope: Scope) {
    const rows = await this.repo.listWorkOrders({ ...query, limit: query.limit ?? 100 }, scope);
    return {
      items: rows.map((r) => ({ id: r.id, source: r.source, title: r.title, status: r.status, siteId: r.site_id, technicianId: r.technician_id, dueAt: r.due_at, createdAt: r.created_at })),
    };
  }

  async getWorkOrder(id: string, scope: Scope, executor: Executor = this.db): Promise<WorkOrderView> {
    const row = (await this.repo.findWorkOrder(executor, id, scope)) ?? orNotFound('work order', id);
    return toWorkOrder(row, await this.repo.details(executor, id));
  }

  async assign(id: string, input: { technicianId: string; note?: string | undefined }, actor: Actor): Promise<WorkOrderView> {
    const technician = await this.repo.findTechnician(input.technicianId);
    if (!technician) throw invalid('technicianId', `technician ${input.technicianId} does not exist`);
    await this.db.transaction().execute(async (trx) => {
      const order = (await this.repo.findWorkOrder(trx, id, actor.scope)) ?? orNotFound('work order', id);
      const from = order.status as WorkOrderStatus;
      if (isClosed(from)) throw conflict(`work order ${id} is ${from}: it can no longer be assigned`);
      const to: WorkOrderStatus = from === 'open' ? 'assigned' : from;
      const now = this.now();
      if (!(await this.repo.moveWorkOrder(trx, id, from, { technician_id: technician.id, status: to, updated_at: now }))) throw conflict(`work order ${id} changed meanwhile: try again`);
      await this.repo.addHistory(trx, history(id, from, to, actor, now, input.note ?? `assigned to ${technician.name}`));
    });
    return this.getWorkOrder(id, actor.scope);
  }

  async changeStatus(id: string, input: StatusInput, actor: Actor): Promise<WorkOrderView> {
    // Worked out before the transaction (the meters are read through another query): the intervals done tasks go on with.
    const intervals = input.to === 'done' ? await this.freshIntervals((await this.repo.details(this.db, id)).items) : new Map<string, FreshInterval>();
    await this.db.transaction().execute(async (trx) => {
      const order = (await this.repo.findWorkOrder(trx, id, actor.scope)) ?? orNotFound('work order', id);
      const from = order.status as WorkOrderStatus;
      if (actor.scope.kind === 'technician' && !technicianMayMoveTo(input.to)) throw forbidden(`a technician may not move a work order to ${input.to}`);
      if (!canMove(from, input.to)) throw conflict(`work order ${id} cannot go from ${from} to ${input.to}`, 'to');
      if (input.to === 'assigned' && !order.technician_id) throw conflict(`work order ${id} has no technician: assign one instead`, 'to');
      const now = this.now();
      const details = await this.repo.details(trx, id);
      if (input.to === 'done') {
        const unanswered = details.items.filter((i) => i.required === 1 && i.result === null);
        if (unanswered.length) {
          throw new AppError('conflict', `work order ${id} has ${unanswered.length} unanswered required checklist item(s)`, 'checklist', { itemIds: unanswered.map((i) => i.id) });
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
      if (!moved) throw conflict(`work order ${id} changed meanwhile: try again`);
      await this.repo.addHistory(trx, history(id, from, input.to, actor, now, input.note ?? null));
      if (input.to === 'done' || input.to === 'cancelled') await this.settleTasks(trx, details.items, input.to, now, intervals);
    });
    return this.getWorkOrder(id, actor.scope);
  }

  /** Done: each covered preventive task moves to its next due date. Cancelled: the tasks are due again, to be ordered anew. */
  private async settleTasks(trx: Executor, items: ItemRow[], to: 'done' | 'cancelled', now: string, intervals: Map<string, FreshInterval>): Promise<void> {
    for (const taskId of new Set(items.map((i) => i.pm_task_id).filter((x): x is string => x !== null))) {
      const task = await this.repo.findTask(trx, taskId);
      if (!task) continue;
      if (to === 'cancelled') {
        await this.repo.updateTask(trx, taskId, { work_order_id: null });
        continue;
      }
      const plan = await trx.selectFrom('pm_plans').select('schedule').where('id', '=', task.plan_id).executeTakeFirst();
      // The interval is worked out again with today's meters and environment (else the plan's carries over).
      const fresh = intervals.get(taskId);
      const days = fresh?.effective_days ?? task.effective_days;
      const from = plan?.schedule === 'floating' ? new Date(now) : new Date(task.next_due_at);
      await this.repo.updateTask(trx, taskId, {
        last_due_at: task.next_due_at, last_done_at: now, work_order_id: null,
        next_due_at: new Date(from.getTime() + Math.round(days * DAY)).toISOString(), ...(fresh && { effective_days: fresh.effective_days, why: fresh.why }),
      });
    }
  }

  /** The effective interval and why of the preventive tasks these items cover, with the terminals' meters and sites' environment of now. */
  private async freshIntervals(items: ItemRow[]): Promise<Map<string, FreshInterval>> {
    const out = new Map<string, FreshInterval>();
    const tasks = (await Promise.all([...new Set(items.map((i) => i.pm_task_id).filter((x): x is string => x !== null))].map((id) => this.repo.findTask(this.db, id))))
      .filter((x): x is NonNullable<typeof x> => !!x);
    if (!tasks.length) return out;
    const usage = await this.usage([...new Set(tasks.map((t) => t.terminal_id))], this.clock());
    for (const task of tasks) {
      const [plan, template, site] = await Promise.all([
        this.repo.findPlan(task.plan_id), this.repo.findTemplate(task.template_id),
        this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id').select('sites.environment').where('terminals.id', '=', task.terminal_id).executeTakeFirst(),
      ]);
      if (!plan || !template) continue;
      const use = usage.get(task.terminal_id);
      const due = nextDue({
        schedule: plan.schedule as Schedule, baseDays: Number(template.interval_days), startAt: new Date(plan.start_at), transactionsPerDay: use?.transactionsPerDay ?? null,
        environment: parseJson<string[]>(site?.environment, []), factors: plan.factors ? parseJson<DueDateFactors>(plan.factors, this.settings.factors) : this.settings.factors,
        meters: use?.meters ?? {}, itemCodes: itemCodesOf(template),
      });
      out.set(task.id, { effective_days: due.effectiveDays, why: JSON.stringify(due.why) });
    }
    return out;
  }

  async recordChecklist(id: string, input: ChecklistInput, actor: Actor): Promise<WorkOrderView> {
    await this.db.transaction().execute(async (trx) => {
      const order = (await this.repo.findWorkOrder(trx, id, actor.scope)) ?? orNotFound('work order', id);
      if (isClosed(order.status as WorkOrderStatus)) throw conflict(`work order ${id} is ${order.status}: its checklist is closed`);
      const items = new Map((await this.repo.details(trx, id)).items.map((i) => [i.id, i]));
      const now = this.now();
      for (const [i, r] of input.results.entries()) {
        const item = items.get(r.itemId);
        if (!item) throw invalid(`results.${i}.itemId`, `item ${r.itemId} is not on work order ${id}`);
        if (r.followUp && r.result !== 'fail') throw invalid(`results.${i}.followUp`, 'only a failed item opens a follow-up');
        await this.repo.answerItem(trx, id, item.id, { result: r.result, note: r.note ?? null, answered_by: actor.name, answered_at: now });
        if (r.followUp) {
          const text = parseJson<Text>(item.text, { 'zh-CN': item.item_code, en: item.item_code });
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

  private async insert(
    trx: Executor,
    o: {
      source: string; title: string; siteId: string; terminalIds: string[]; requiredSkill: string | null; dueAt: string | null; items: Omit<ItemRow, 'work_order_id' | 'seq'>[];
      planId?: string; parentId?: string; inspectionId?: string; note?: string | null;
    },
    id: string,
    actor: Actor,
  ): Promise<void> {
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

  // Spare parts (stock, parts used on work orders): src/spares/spares.service.ts.

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

// ---- helpers
function newItem(terminalId: string | null, taskId: string | null, taskCode: string, itemCode: string, text: Text, required: boolean): Omit<ItemRow, 'work_order_id' | 'seq'> {
  return {
    id: randomUUID(), terminal_id: terminalId, pm_task_id: taskId, task_code: taskCode, item_code: itemCode, text: JSON.stringify(text), required: required ? 1 : 0,
    result: null, note: null, answered_by: null, answered_at: null,
  };
}

function history(workOrderId: string, from: string | null, to: string, actor: Actor, at: string, note: string | null) {
  return { id: randomUUID(), work_order_id: workOrderId, from_status: from, to_status: to, by_id: actor.id, by_name: actor.name, at, note };
}

function checkTasks(tasks: TaskTemplate[]): void {
  const codes = new Set<string>();
  for (const [i, task] of tasks.entries()) {
    if (codes.has(task.code)) throw invalid(`tasks.${i}.code`, `task code ${task.code} appears twice`);
    codes.add(task.code);
    const items = new Set<string>();
    for (const [j, item] of task.checklist.entries()) {
      if (items.has(item.code)) throw invalid(`tasks.${i}.checklist.${j}.code`, `item code ${item.code} appears twice`);
      items.add(item.code);
    }
  }
}

/** The checklist item codes of a template's tasks: which wear meters concern it. */
export function itemCodesOf(template: Pick<TemplateRow, 'tasks'>): string[] {
  return parseJson<TaskTemplate[]>(template.tasks, []).flatMap((t) => t.checklist.map((c) => c.code));
}

function throwInvalid(field: string, reason: string): never {
  throw invalid(field, reason);
}

function toTemplate(row: TemplateRow): TemplateView {
  return {
    id: row.id, code: row.code, name: parseJson<Text>(row.name, { 'zh-CN': row.code, en: row.code }), intervalDays: Number(row.interval_days), builtin: Number(row.builtin) === 1,
    tasks: parseJson<TaskTemplate[]>(row.tasks, []), createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function toWorkOrder(row: WorkOrderRow, d: Awaited<ReturnType<PreventiveRepository['details']>>): WorkOrderView {
  return {
    id: row.id, source: row.source, title: row.title, status: row.status, siteId: row.site_id, terminalIds: d.terminals, technicianId: row.technician_id,
    requiredSkill: row.required_skill, dueAt: row.due_at, slaDueAt: row.sla_due_at, planId: row.plan_id, parentId: row.parent_id, inspectionId: row.inspection_id,
    minutesSpent: Number(row.minutes_spent),
    signature: row.signature_name ? { name: row.signature_name, signedAt: row.signature_at ?? row.updated_at, image: row.signature_image } : null,
    note: row.note,
    checklist: d.items.map((i) => ({
      id: i.id, terminalId: i.terminal_id, taskCode: i.task_code, itemCode: i.item_code, text: parseJson<Text>(i.text, { 'zh-CN': i.item_code, en: i.item_code }),
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
