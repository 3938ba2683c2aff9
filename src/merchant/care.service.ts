// Daily care by the shop's staff: the merchant-staff tasks of every preventive plan kept in memory
// (refreshed by the care tick and by every answer), so a heartbeat's answer names the version of its
// terminal's due care list without a query; the terminal fetches the list itself when the version
// changes, and its staff's answers come back with the next heartbeat (stored once per task and
// occurrence: a retried heartbeat changes nothing). Merchant users see and answer the same tasks in the
// dashboard; the answers count in PM compliance, and an occurrence nobody answered is missed at its site.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { CareOutcome, CareSource } from '../db/schema.ts';
import { fromCatalogue, invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { answerable, careVersion, currentDue, DAY_MS, occurrencesIn, outcomeAt, type CareSchedule } from './care.ts';
import type { ConfirmationRow, MerchantRepository } from './merchant.repository.ts';
import type { CareAnswer, CareConfirmInput, CareHint, CareReportQuery, CareState, CareTaskView, DeviceCare, SiteCare } from './merchant.schemas.ts';

export type Lang = 'zh-CN' | 'en';
export interface Text { 'zh-CN': string; en: string }
export const langOf = (locale: string | null | undefined): Lang => (locale?.toLowerCase().startsWith('en') ? 'en' : 'zh-CN');

interface StaffTask {
  id: string;
  pmTaskId: string;
  taskCode: string;
  terminalId: string;
  serialNumber: string;
  modelId: string;
  siteId: string | null;
  siteName: string | null;
  merchantId: string | null;
  lang: Lang;
  schedule: CareSchedule;
  name: Text;
  items: Text[];
}

/** A template's task as stored in pm_templates.tasks (the preventive capability's TaskTemplate, read as data). */
interface TemplateTask { code: string; name: Text; performer: string; checklist: { text: Text }[] }

interface Answer { outcome: CareOutcome; reason: string | null; by: string; at: string }

/** How far back answers are kept in memory: the longest care interval (a week) and its grace. */
const REMEMBER_MS = 9 * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();
const keyOf = (taskId: string, dueMs: number) => `${taskId}@${dueMs}`;

/** One care occurrence judged for PM compliance, with where it happened. */
export interface JudgedCare {
  terminal_id: string;
  site_id: string | null;
  merchant_id: string | null;
  model_id: string;
  outcome: 'on_time' | 'late' | 'pending';
}

export class CareService {
  private byTerminal = new Map<string, StaffTask[]>();
  private byId = new Map<string, StaffTask>();
  private answers = new Map<string, Answer>();

  constructor(private readonly repo: MerchantRepository, private readonly clock: Clock) {}

  /** Loads every staff task and the recent answers (at start and on each care tick). */
  async refresh(): Promise<void> {
    const now = this.clock().getTime();
    const [rows, answers] = await Promise.all([this.repo.staffTasks(), this.repo.answersSince(iso(now - REMEMBER_MS))]);
    const byTerminal = new Map<string, StaffTask[]>();
    const byId = new Map<string, StaffTask>();
    // Two plans covering one terminal give it the same care task twice (the same template task at the
    // same interval): the staff do it once a day, so it is listed, asked and counted once — the one of
    // the lowest plan task id (rows come ordered by it, so the choice holds from one refresh to the next).
    const taken = new Set<string>();
    for (const row of rows) {
      const schedule = { anchorMs: Date.parse(row.start_at), intervalMs: Number(row.interval_days) * DAY_MS };
      for (const task of parseJson<TemplateTask[]>(row.tasks, []).filter((t) => t.performer === 'merchant_staff')) {
        const same = `${row.terminal_id}|${task.code}|${schedule.intervalMs}`;
        if (taken.has(same)) continue;
        taken.add(same);
        const staff: StaffTask = {
          id: `${row.pm_task_id}:${task.code}`, pmTaskId: row.pm_task_id, taskCode: task.code, terminalId: row.terminal_id, serialNumber: row.serial_number, modelId: row.model_id,
          siteId: row.site_id, siteName: row.site_name, merchantId: row.merchant_id, lang: langOf(row.locale), schedule, name: task.name, items: task.checklist.map((c) => c.text),
        };
        byId.set(staff.id, staff);
        byTerminal.set(row.terminal_id, [...(byTerminal.get(row.terminal_id) ?? []), staff]);
      }
    }
    const remembered = new Map<string, Answer>();
    for (const a of answers) remembered.set(keyOf(`${a.pm_task_id}:${a.task_code}`, Date.parse(a.due_at)), toAnswer(a));
    this.byTerminal = byTerminal;
    this.byId = byId;
    this.answers = remembered;
  }

  /** The heartbeat answer's care hint: synchronous, from memory. */
  hint(terminalId: string): CareHint {
    const tasks = this.byTerminal.get(terminalId);
    if (!tasks?.length) return null;
    const now = this.clock().getTime();
    let pending = 0;
    const parts = tasks.map((t) => {
      const due = currentDue(t.schedule, now);
      const answer = this.answers.get(keyOf(t.id, due));
      if (!answer) pending++;
      return `${t.id}@${due}:${answer?.outcome ?? 'pending'}:${t.lang}`;
    });
    return { version: careVersion(parts), pending };
  }

  /** The calling terminal's own care tasks due now, in its merchant's language. */
  deviceCare(terminalId: string): DeviceCare {
    const tasks = this.byTerminal.get(terminalId) ?? [];
    const now = this.clock().getTime();
    const lang = tasks[0]?.lang ?? 'zh-CN';
    return {
      version: this.hint(terminalId)?.version ?? '',
      locale: lang,
      tasks: tasks.map((t) => {
        const due = currentDue(t.schedule, now);
        const answer = this.answers.get(keyOf(t.id, due));
        return { id: t.id, dueAt: iso(due), name: t.name[lang], items: t.items.map((i) => i[lang]), status: answer?.outcome ?? 'pending', reason: answer?.reason ?? null };
      }),
    };
  }

  /**
   * The staff's answers carried by a batch of heartbeats (called once per written batch, only when one
   * carries answers). An answer for another terminal's task or outside its occurrence's period is
   * dropped: the terminal cannot act on a refusal, and the dashboard shows what was stored.
   */
  async recordFromHeartbeats(items: { terminalId: string; answers: CareAnswer[] }[]): Promise<number> {
    const now = this.clock().getTime();
    const rows: ConfirmationRow[] = [];
    for (const { terminalId, answers } of items) {
      for (const a of answers) {
        const task = this.byId.get(a.taskId);
        const due = Date.parse(a.dueAt);
        const at = Math.min(Date.parse(a.at), now);
        if (!task || task.terminalId !== terminalId || !answerable(task.schedule, due, at)) continue;
        if (this.answers.has(keyOf(task.id, due))) continue;
        rows.push(this.row(task, due, a.outcome, a.reason ?? null, 'terminal', `terminal ${task.serialNumber}`, iso(at)));
      }
    }
    return (await this.store(rows)).length;
  }

  /** A merchant user (or an operator) answers a care task of a terminal in their scope. */
  async confirm(input: CareConfirmInput, scope: Scope, actorName: string): Promise<CareTaskView> {
    const task = this.byId.get(input.taskId);
    if (!task || !sees(scope, task)) throw invalidField('taskId', 'common.not_found', { what: 'care_task', id: input.taskId });
    const due = Date.parse(input.dueAt);
    const now = this.clock().getTime();
    if (!answerable(task.schedule, due, now)) throw fromCatalogue('validation_error', 'care.not_answerable', { dueAt: input.dueAt }, { field: 'dueAt' });
    if (input.outcome === 'could_not' && !input.reason) throw fromCatalogue('validation_error', 'care.reason_required', {}, { field: 'reason' });
    if (this.answers.has(keyOf(task.id, due))) throw fromCatalogue('conflict', 'care.already_answered', {}, { field: 'taskId' });
    const stored = await this.store([this.row(task, due, input.outcome, input.reason ?? null, 'dashboard', actorName, iso(now))]);
    if (!stored.length) throw fromCatalogue('conflict', 'care.already_answered', {}, { field: 'taskId' });
    return this.view(task, due);
  }

  /** Each terminal's care task due now (its current occurrence), with what the staff answered. */
  today(query: { siteId?: string | undefined }, scope: Scope): CareTaskView[] {
    const now = this.clock().getTime();
    return [...this.byId.values()].filter((t) => sees(scope, t) && (!query.siteId || t.siteId === query.siteId))
      .map((t) => this.view(t, currentDue(t.schedule, now)))
      .sort((a, b) => (a.siteName ?? '').localeCompare(b.siteName ?? '') || a.serialNumber.localeCompare(b.serialNumber) || a.dueAt.localeCompare(b.dueAt));
  }

  /** Care per site over [from, to): answered, missed (no answer once its grace was over) and still open. */
  async report(query: CareReportQuery, scope: Scope): Promise<SiteCare[]> {
    const { tasks, answers, from, to, now } = await this.period(query.from, query.to, scope, query.siteId);
    const sites = new Map<string, SiteCare>();
    for (const t of tasks) {
      if (!t.siteId) continue;
      const site = sites.get(t.siteId) ?? sites.set(t.siteId, { siteId: t.siteId, siteName: t.siteName ?? t.siteId, due: 0, done: 0, couldNot: 0, missed: 0, open: 0, missedTasks: [], couldNotTasks: [] }).get(t.siteId)!;
      for (const due of occurrencesIn(t.schedule, from, to)) {
        const answer = answers.get(keyOf(t.id, due));
        const outcome = outcomeAt(t.schedule, due, answer?.outcome, now);
        if (outcome === 'open') { site.open++; continue; }
        site.due++;
        const ref = { terminalId: t.terminalId, serialNumber: t.serialNumber, taskId: t.id, name: t.name, dueAt: iso(due) };
        if (outcome === 'done') site.done++;
        else if (outcome === 'could_not') { site.couldNot++; site.couldNotTasks.push({ ...ref, reason: answer?.reason ?? null }); }
        else { site.missed++; site.missedTasks.push(ref); }
      }
    }
    return [...sites.values()].sort((a, b) => a.siteName.localeCompare(b.siteName));
  }

  /** Care occurrences due in [from, to) as PM compliance judges them: done on time; could not or missed late; open pending. */
  async judged(fromIso: string, toIso: string, scope: Scope): Promise<JudgedCare[]> {
    const { tasks, answers, from, to, now } = await this.period(fromIso, toIso, scope);
    const out: JudgedCare[] = [];
    for (const t of tasks) {
      for (const due of occurrencesIn(t.schedule, from, to)) {
        const outcome = outcomeAt(t.schedule, due, answers.get(keyOf(t.id, due))?.outcome, now);
        out.push({ terminal_id: t.terminalId, site_id: t.siteId, merchant_id: t.merchantId, model_id: t.modelId, outcome: outcome === 'done' ? 'on_time' : outcome === 'open' ? 'pending' : 'late' });
      }
    }
    return out;
  }

  private async period(fromIso: string, toIso: string, scope: Scope, siteId?: string) {
    const from = Date.parse(fromIso);
    const to = Date.parse(toIso);
    if (!(from < to)) throw invalidField('from', 'common.from_before_to');
    if (to - from > 366 * DAY_MS) throw invalidField('to', 'common.period_too_long', { days: 366 });
    const tasks = [...this.byId.values()].filter((t) => sees(scope, t) && (!siteId || t.siteId === siteId));
    const rows = await this.repo.answersIn([...new Set(tasks.map((t) => t.terminalId))], fromIso, toIso);
    const answers = new Map(rows.map((a) => [keyOf(`${a.pm_task_id}:${a.task_code}`, Date.parse(a.due_at)), toAnswer(a)]));
    return { tasks, answers, from, to, now: this.clock().getTime() };
  }

  private row(task: StaffTask, due: number, outcome: CareOutcome, reason: string | null, source: CareSource, by: string, at: string): ConfirmationRow {
    return {
      id: randomUUID(), pm_task_id: task.pmTaskId, task_code: task.taskCode, due_at: iso(due), terminal_id: task.terminalId, site_id: task.siteId,
      outcome, reason: outcome === 'could_not' ? reason : null, source, confirmed_by: by, confirmed_at: at,
    };
  }

  private async store(rows: ConfirmationRow[]): Promise<ConfirmationRow[]> {
    if (!rows.length) return [];
    const stored = await this.repo.insertAnswers(rows);
    const kept = rows.filter((r) => stored.has(r.id));
    for (const r of kept) this.answers.set(keyOf(`${r.pm_task_id}:${r.task_code}`, Date.parse(r.due_at)), toAnswer(r));
    return kept;
  }

  private view(t: StaffTask, due: number): CareTaskView {
    const answer = this.answers.get(keyOf(t.id, due));
    const status: CareState = answer?.outcome ?? 'pending';
    return {
      id: t.id, terminalId: t.terminalId, serialNumber: t.serialNumber, siteId: t.siteId, siteName: t.siteName, dueAt: iso(due), name: t.name, items: t.items,
      status, reason: answer?.reason ?? null, confirmedBy: answer?.by ?? null, confirmedAt: answer?.at ?? null,
    };
  }
}

function sees(scope: Scope, task: { merchantId: string | null }): boolean {
  if (scope.kind === 'fleet') return true;
  return scope.kind === 'merchant' && task.merchantId === scope.merchantId;
}

const toAnswer = (a: ConfirmationRow): Answer => ({ outcome: a.outcome, reason: a.reason, by: a.confirmed_by, at: a.confirmed_at });

