// The learning job of troubleshooting guides: once an hour it reads the runs of the last 90 days (one
// query, by the guide_runs_learning index — never per heartbeat), ranks each guide's steps per terminal
// model (guide-learning.ts) and keeps the result; a new run reads its model's order from there. A step
// newly flagged as never helping is told to the guide's owner (an event; the composition root records it).
import { parseJson } from '../shared/json.ts';
import type { Emitter } from '../shared/events.ts';
import type { Clock } from '../shared/time.ts';
import type { GuideRunsRepository } from './guide-runs.repository.ts';
import { learnOrder, LEARNING_WINDOW_DAYS, reorderReason, type Learned, type RunFacts, type StepFigures } from './guide-learning.ts';
import { guideById } from './guides.ts';

type Locale = 'zh-CN' | 'en';

/** A step that never helped on a model, for the guide's owner. */
export interface GuideStepFlag {
  guideId: string;
  owner: string;
  modelId: string;
  stepId: string;
  tried: number;
}

export type GuideLearningEvents = {
  'guide.step_flagged': GuideStepFlag;
};

/** What a run keeps of the learned order it was given, and why (both languages). */
export interface RunOrder {
  order: string[];
  reason: Record<Locale, string>;
}

export class GuideLearningService {
  constructor(
    private readonly repo: GuideRunsRepository,
    private readonly clock: Clock,
    private readonly modelName: (modelId: string) => Promise<string>,
    private readonly events: Emitter<GuideLearningEvents>,
    private readonly minRuns: number,
  ) {}

  /** The job: learns every guide for every model with runs in the window. */
  async learn(): Promise<{ learned: number; flagged: number }> {
    const now = this.clock();
    const since = new Date(now.getTime() - LEARNING_WINDOW_DAYS * 86_400_000).toISOString();
    const rows = await this.repo.endedRunSteps(since);
    const runs = new Map<string, Map<string, RunFacts & { steps: string[] }>>();
    for (const r of rows) {
      const key = `${r.guide_id}|${r.model_id}`;
      const byRun = runs.get(key) ?? new Map<string, RunFacts & { steps: string[] }>();
      const run = byRun.get(r.id) ?? { status: r.status as RunFacts['status'], endedAtStep: r.ended_at_step, steps: [] };
      run.steps.push(r.step_id);
      byRun.set(r.id, run);
      runs.set(key, byRun);
    }
    let flagged = 0;
    for (const [key, byRun] of runs) {
      const [guideId, modelId] = key.split('|') as [string, string];
      const guide = guideById(guideId);
      if (!guide) continue;
      const learned = learnOrder(guide, [...byRun.values()], this.minRuns);
      const before = await this.repo.findLearning(guideId, modelId);
      const wasFlagged = new Set(parseJson<string[]>(before?.flagged ?? null, []));
      for (const stepId of learned.flagged.filter((s) => !wasFlagged.has(s))) {
        const tried = learned.figures.find((f) => f.stepId === stepId)?.tried ?? 0;
        await this.events.emit('guide.step_flagged', { guideId, owner: guide.owner, modelId, stepId, tried });
        flagged++;
      }
      await this.repo.saveLearning({
        guide_id: guideId, model_id: modelId, step_order: JSON.stringify(learned.order), figures: JSON.stringify(learned.figures),
        flagged: JSON.stringify(learned.flagged), runs: learned.runs, computed_at: now.toISOString(),
      });
    }
    return { learned: runs.size, flagged };
  }

  /** The order a new run on this model gets, with why; null when the guide keeps its own order. */
  async orderFor(guideId: string, modelId: string): Promise<RunOrder | null> {
    const guide = guideById(guideId);
    const row = await this.repo.findLearning(guideId, modelId);
    if (!guide || !row) return null;
    const learned = this.toLearned(row);
    if (!learned.reordered) return null;
    const name = await this.modelName(modelId);
    return { order: learned.order, reason: { 'zh-CN': reorderReason(guide, learned, name, 'zh-CN')!, en: reorderReason(guide, learned, name, 'en')! } };
  }

  /** What each guide learned per model: the order, why, each step's figures and the flagged steps. */
  async list(query: { guideId?: string | undefined; modelId?: string | undefined }, locale: Locale) {
    const rows = await this.repo.listLearning(query.guideId, query.modelId);
    const items = [];
    for (const row of rows) {
      const guide = guideById(row.guide_id);
      if (!guide) continue;
      const learned = this.toLearned(row);
      const modelName = await this.modelName(row.model_id);
      items.push({
        guideId: guide.id, title: guide.title[locale], owner: guide.owner, modelId: row.model_id, modelName, runs: learned.runs,
        order: learned.order, reordered: learned.reordered, reason: reorderReason(guide, learned, modelName, locale),
        steps: learned.figures.map((f) => ({
          stepId: f.stepId, position: f.position, instruction: guide.steps[f.stepId]?.instruction[locale] ?? f.stepId, tried: f.tried, fixed: f.fixed,
          fixedShare: learned.runs ? Math.round((f.fixed / learned.runs) * 1000) / 1000 : 0, flagged: learned.flagged.includes(f.stepId),
        })),
        computedAt: row.computed_at,
      });
    }
    return { items, windowDays: LEARNING_WINDOW_DAYS, minRuns: this.minRuns };
  }

  private toLearned(row: { step_order: string; figures: string; flagged: string; runs: number }): Learned {
    const order = parseJson<string[]>(row.step_order, []);
    const figures = parseJson<StepFigures[]>(row.figures, []);
    const natural = [...figures].sort((a, b) => a.position - b.position).map((f) => f.stepId);
    return { order, figures, flagged: parseJson<string[]>(row.flagged, []), runs: Number(row.runs), reordered: !!order.length && order[0] !== natural[0] };
  }
}
