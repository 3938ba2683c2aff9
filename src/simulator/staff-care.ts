// The shop's staff in the fleet simulator: they answer the terminal's care tasks as they fall due —
// done, or "could not" when the printer is out of paper — and now and then (seeded) skip a day, which
// PosFleet then shows as missed at their site. Pure: which answer each pending task gets.
import { deriveSeed, mulberry32 } from './random.ts';

export interface StaffCare {
  /** Chance the staff skip a task's day altogether (default 0.05). */
  skipChance?: number;
}

export interface StaffAnswer {
  taskId: string;
  outcome: 'done' | 'could_not';
  reason?: string;
}

/** A stable number for a task's occurrence, so the same day is skipped run after run. */
function occurrenceSeed(seed: number, taskId: string, dueAt: string): number {
  let h = seed >>> 0;
  for (const ch of `${taskId}@${dueAt}`) h = deriveSeed(h, ch.charCodeAt(0));
  return h;
}

/** The staff's answers to the tasks still pending; a skipped task gets none. */
export function staffAnswers(
  tasks: readonly { id: string; dueAt: string; status: string }[], paper: 'ok' | 'low' | 'out' | undefined, seed: number, care: StaffCare = {},
): StaffAnswer[] {
  const skip = care.skipChance ?? 0.05;
  return tasks.filter((t) => t.status === 'pending' && mulberry32(occurrenceSeed(seed, t.id, t.dueAt))() >= skip)
    .map((t) => (paper === 'out' && t.id.endsWith(':daily-care')
      ? { taskId: t.id, outcome: 'could_not' as const, reason: 'paper out of stock' }
      : { taskId: t.id, outcome: 'done' as const }));
}
