// Guides that learn: per terminal model and guide, the steps that fixed the most terminals in the last
// 90 days are offered first, once enough runs were made; a step that can fix the fault but never did
// on a model (after enough runs) is flagged to the guide's owner; and a reordered guide says why, in
// the reader's language. Pure: the learning job hands in the runs, a run walks the order it was given.
import { answer, type Guide, type Next } from './guides.ts';
import type { Localised } from './rule-labels.ts';

export const LEARNING_WINDOW_DAYS = 90;

/** One ended run: where it ended, how, and the steps it answered. */
export interface RunFacts {
  status: 'resolved' | 'escalated';
  endedAtStep: string | null;
  steps: readonly string[];
}

export interface StepFigures {
  stepId: string;
  /** 1-based, in the guide's own order: "step 3". */
  position: number;
  /** Runs that answered this step. */
  tried: number;
  /** Runs this step resolved. */
  fixed: number;
}

export interface Learned {
  /** Every step, in the order a new run offers them. */
  order: string[];
  /** True when that order starts elsewhere than the guide's own. */
  reordered: boolean;
  runs: number;
  figures: StepFigures[];
  /** Steps that could fix the fault yet never did on this model, after enough runs. */
  flagged: string[];
}

/** The guide's own order: from its first step, following each outcome's next step, then any left over. */
export function naturalOrder(guide: Guide): string[] {
  const order: string[] = [];
  const queue = [guide.firstStep];
  while (queue.length) {
    const id = queue.shift()!;
    if (order.includes(id) || !guide.steps[id]) continue;
    order.push(id);
    for (const o of guide.steps[id].outcomes) if ('step' in o.next) queue.push(o.next.step);
  }
  for (const id of Object.keys(guide.steps)) if (!order.includes(id)) order.push(id);
  return order;
}

/** Whether answering this step can end the fault (some outcome resolves it). */
const canFix = (guide: Guide, stepId: string) => guide.steps[stepId]?.outcomes.some((o) => 'resolved' in o.next) ?? false;

/**
 * Ranks a guide's steps for one model from its ended runs: most terminals fixed first, then the
 * higher share of tries that fixed, then the guide's own order. Below minRuns the guide keeps its order.
 */
export function learnOrder(guide: Guide, runs: readonly RunFacts[], minRuns: number): Learned {
  const natural = naturalOrder(guide);
  const figures: StepFigures[] = natural.map((stepId, i) => ({ stepId, position: i + 1, tried: 0, fixed: 0 }));
  const byStep = new Map(figures.map((f) => [f.stepId, f]));
  for (const run of runs) {
    for (const step of new Set(run.steps)) {
      const f = byStep.get(step);
      if (f) f.tried++;
    }
    if (run.status === 'resolved' && run.endedAtStep) {
      const f = byStep.get(run.endedAtStep);
      if (f) f.fixed++;
    }
  }
  const enough = runs.length >= minRuns;
  const rate = (f: StepFigures) => (f.tried ? f.fixed / f.tried : 0);
  const order = enough
    ? [...figures].sort((a, b) => b.fixed - a.fixed || rate(b) - rate(a) || a.position - b.position).map((f) => f.stepId)
    : natural;
  const flagged = enough ? figures.filter((f) => canFix(guide, f.stepId) && f.tried >= minRuns && f.fixed === 0).map((f) => f.stepId) : [];
  return { order, reordered: order[0] !== natural[0], runs: runs.length, figures, flagged };
}

/**
 * Where an answer leads in a run given a learned order. A step that did not fix the fault (an outcome
 * leading to another step, or an escalation that only says so) goes on to the next step of the order
 * not yet tried; when none is left, the run escalates with the guide's parts. Findings (damage, a
 * foreign object) escalate at once, as in the guide's own order.
 */
export function nextInOrder(guide: Guide, order: readonly string[], tried: readonly string[], stepId: string, outcomeId: string): Next | undefined {
  const next = answer(guide, stepId, outcomeId);
  if (!next || 'resolved' in next) return next;
  if ('escalate' in next && !next.continues) return next;
  const done = new Set([...tried, stepId]);
  const following = order.find((s) => !done.has(s));
  if (following) return { step: following };
  return 'escalate' in next ? next : { escalate: true, parts: guide.fallbackParts };
}

/** "step 3 first: fixed 62 % of A920 card-slot faults in the last 90 days" (null when not reordered). */
export function reorderReason(guide: Guide, learned: Pick<Learned, 'order' | 'reordered' | 'runs' | 'figures'>, modelName: string, locale: 'zh-CN' | 'en'): string | null {
  if (!learned.reordered || !learned.runs) return null;
  const first = learned.figures.find((f) => f.stepId === learned.order[0]);
  if (!first) return null;
  const percent = Math.round((first.fixed / learned.runs) * 100);
  const faults: Localised = guide.faults;
  return locale === 'zh-CN'
    ? `先做第 ${first.position} 步：近 ${LEARNING_WINDOW_DAYS} 天修好了 ${percent}% 的 ${modelName} ${faults['zh-CN']}`
    : `step ${first.position} first: fixed ${percent} % of ${modelName} ${faults.en} in the last ${LEARNING_WINDOW_DAYS} days`;
}
