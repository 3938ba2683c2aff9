// Which of a plan's tasks "order the due work" turns into work orders, and why each other task does
// not: the answer says what was created and, as stable codes with counts, why nothing else was. Pure.
import type { TaskTemplate } from './default-templates.ts';

/** Why a task of the plan got no work order this time. */
export const SKIP_REASONS = ['already_ordered', 'merchant_task', 'remote_task', 'no_site', 'not_due_yet'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface TaskToOrder {
  id: string;
  template_id: string;
  site_id: string | null;
  terminal_id: string;
  next_due_at: string;
  work_order_id: string | null;
}

export interface OrderSelection<T extends TaskToOrder> {
  /** Due tasks with technician work at a site: these become work orders (one per site). */
  visiting: T[];
  skipped: { reason: SkipReason; tasks: number; firstDueAt: string | null }[];
}

/**
 * Sorts a plan's tasks into those to order by `horizon` and those skipped, with the reason. A task due
 * later is counted as `not_due_yet` whatever else holds; a due task's first reason wins in the order of
 * SKIP_REASONS (an ordered task is not also counted as a merchant task).
 */
export function selectDueTasks<T extends TaskToOrder>(tasks: readonly T[], templates: ReadonlyMap<string, readonly TaskTemplate[]>, horizon: string): OrderSelection<T> {
  const visiting: T[] = [];
  const skipped = new Map<SkipReason, { tasks: number; firstDueAt: string | null }>();
  const skip = (reason: SkipReason, task: T) => {
    const entry = skipped.get(reason) ?? { tasks: 0, firstDueAt: null };
    entry.tasks++;
    if (entry.firstDueAt === null || task.next_due_at < entry.firstDueAt) entry.firstDueAt = task.next_due_at;
    skipped.set(reason, entry);
  };
  for (const task of tasks) {
    const performers = new Set((templates.get(task.template_id) ?? []).map((x) => x.performer));
    if (task.next_due_at > horizon) skip('not_due_yet', task);
    else if (task.work_order_id !== null) skip('already_ordered', task);
    else if (!performers.has('technician')) skip(performers.has('remote') && !performers.has('merchant_staff') ? 'remote_task' : 'merchant_task', task);
    else if (task.site_id === null) skip('no_site', task);
    else visiting.push(task);
  }
  return { visiting, skipped: SKIP_REASONS.filter((r) => skipped.has(r)).map((reason) => ({ reason, ...skipped.get(reason)! })) };
}

/** Whether any technician's region (a site-code prefix) covers the site. */
export const regionCovered = (siteCode: string, technicians: readonly { regions: readonly string[] }[]) =>
  technicians.some((t) => t.regions.some((r) => siteCode.toUpperCase().startsWith(r.toUpperCase())));
