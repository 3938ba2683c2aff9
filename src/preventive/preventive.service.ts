// Preventive maintenance: templates of the calendar, plans that give every terminal's tasks a due date
// (with why), and ordering the due technician tasks as work orders (one per site visit). The work
// orders themselves: src/work-orders/.
import { randomUUID } from 'node:crypto';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import type { MessageKey, MessageParams } from '../shared/messages/format.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { TechniciansService } from '../work-orders/technicians.service.ts';
import { newItem, SYSTEM, type Actor, type NewItem, type WorkOrdersService } from '../work-orders/work-orders.service.ts';
import { DEFAULT_TEMPLATES, type TaskTemplate, type Text } from './default-templates.ts';
import { nextDue, type DueReason, type Schedule } from './due-dates.ts';
import { regionCovered, selectDueTasks } from './order-due.ts';
import { itemCodesOf, type PlanTasks } from './plan-tasks.ts';
import type { PreventiveRepository, TemplateRow } from './preventive.repository.ts';
import type { OrderDueAnswer, PlanFilter, PlanInput, PlanView, TemplateInput, TemplatePatch, TemplateView } from './preventive.schemas.ts';

export class PreventiveService {
  constructor(
    private readonly repo: PreventiveRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateLookups, 'findMerchant' | 'findSite'>,
    private readonly workOrders: Pick<WorkOrdersService, 'insert' | 'getWorkOrder'>,
    private readonly tasks: PlanTasks,
    private readonly technicians: Pick<TechniciansService, 'listTechnicians'>,
  ) {}

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

  /** A template by its code (the seed's are daily, weekly, monthly, quarterly and yearly). */
  async findTemplateByCode(code: string): Promise<TemplateView | undefined> {
    const row = await this.repo.findTemplateByCode(code);
    return row && toTemplate(row);
  }

  async createTemplate(input: TemplateInput): Promise<TemplateView> {
    checkTasks(input.tasks);
    if (await this.repo.findTemplateByCode(input.code)) throw refused('preventive.template_code_taken', { code: input.code }, { field: 'code', retryable: false });
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
    for (const [i, id] of input.templateIds.entries()) templates.push((await this.repo.findTemplate(id)) ?? throwInvalid(`templateIds.${i}`, 'common.does_not_exist', { what: 'template', id }));
    await this.checkFilter(input.filter);
    const terminals = await this.repo.terminalsForPlan(input.filter);
    if (terminals.length === 0) throw invalidField('filter', 'common.no_terminal_matches');
    const now = this.clock();
    const startAt = input.startAt ? new Date(input.startAt) : now;
    const schedule: Schedule = input.schedule ?? 'fixed';
    const factors = input.factors ?? this.tasks.settings.factors;
    const usage = await this.tasks.usage(terminals.map((t) => t.id), now);
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
    await this.repo.transaction((trx) => this.repo.insertPlan(trx, {
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

  private async checkFilter(filter: PlanFilter): Promise<void> {
    if (filter.merchantId && !(await this.estate.findMerchant(filter.merchantId))) throw invalidField('filter.merchantId', 'common.does_not_exist', { what: 'merchant', id: filter.merchantId });
    if (filter.siteId && !(await this.estate.findSite(filter.siteId))) throw invalidField('filter.siteId', 'common.does_not_exist', { what: 'site', id: filter.siteId });
  }

  /**
   * Orders the plan's tasks due by `until` that no open work order covers: one work order per site (one
   * visit), holding the technician tasks of every due template for every terminal there.
   */
  async orderDue(planId: string, until: string | undefined, actor: Actor): Promise<OrderDueAnswer> {
    const plan = (await this.repo.findPlan(planId)) ?? orNotFound('plan', planId);
    const horizon = until ?? this.now();
    const templates = new Map((await this.repo.listTemplates()).map((t) => [t.id, t]));
    const tasksOf = new Map([...templates].map(([id, t]) => [id, parseJson<TaskTemplate[]>(t.tasks, [])]));
    // Staff and remote tasks need no visit: only templates with a technician task make one.
    const { visiting, skipped } = selectDueTasks(await this.repo.tasksOfPlan(planId), tasksOf, horizon);
    const bySite = groupBy(visiting, (task) => task.site_id!);
    const technicians = (await this.technicians.listTechnicians()).items;
    const created: string[] = [];
    const uncovered: { siteId: string; siteName: string; workOrderId: string }[] = [];
    for (const [siteId, tasks] of bySite) {
      const site = await this.estate.findSite(siteId);
      const id = randomUUID();
      await this.repo.transaction(async (trx) => {
        const items: NewItem[] = [];
        let skill: string | null = null;
        for (const task of tasks) {
          for (const t of (tasksOf.get(task.template_id) ?? []).filter((x) => x.performer === 'technician')) {
            skill ??= t.skill;
            for (const c of t.checklist) items.push(newItem(task.terminal_id, task.id, t.code, c.code, c.text, c.required));
          }
        }
        const dueAt = tasks.map((t) => t.next_due_at).sort()[0]!;
        await this.workOrders.insert(trx, {
          source: 'preventive', title: `Preventive maintenance: ${site?.name ?? siteId}`, siteId, terminalIds: [...new Set(tasks.map((t) => t.terminal_id))],
          requiredSkill: skill, dueAt, planId: plan.id, items,
        }, id, actor);
        for (const task of tasks) await this.repo.updateTask(trx, task.id, { work_order_id: id });
      });
      created.push(id);
      if (!regionCovered(site?.code ?? '', technicians)) uncovered.push({ siteId, siteName: site?.name ?? siteId, workOrderId: id });
    }
    return {
      items: await Promise.all(created.map((id) => this.workOrders.getWorkOrder(id, SYSTEM.scope))),
      tasksOrdered: visiting.length, skipped, noTechnicianInRegion: uncovered, until: horizon,
    };
  }
}

// ---- helpers
function checkTasks(tasks: TaskTemplate[]): void {
  const codes = new Set<string>();
  for (const [i, task] of tasks.entries()) {
    if (codes.has(task.code)) throw invalidField(`tasks.${i}.code`, 'preventive.code_twice', { kind: 'task', code: task.code });
    codes.add(task.code);
    const items = new Set<string>();
    for (const [j, item] of task.checklist.entries()) {
      if (items.has(item.code)) throw invalidField(`tasks.${i}.checklist.${j}.code`, 'preventive.code_twice', { kind: 'item', code: item.code });
      items.add(item.code);
    }
  }
}

function throwInvalid(field: string, key: MessageKey, params: MessageParams): never {
  throw invalidField(field, key, params);
}

function toTemplate(row: TemplateRow): TemplateView {
  return {
    id: row.id, code: row.code, name: parseJson<Text>(row.name, { 'zh-CN': row.code, en: row.code }), intervalDays: Number(row.interval_days), builtin: Number(row.builtin) === 1,
    tasks: parseJson<TaskTemplate[]>(row.tasks, []), createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

