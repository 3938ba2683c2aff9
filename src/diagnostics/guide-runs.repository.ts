// Guide-run queries only: runs of troubleshooting guides, their answers, and what the guides learnt
// from them (the step order per guide and model).
import type { Kysely, Selectable } from 'kysely';
import { merchantOf, NOTHING } from '../access/scope-sql.ts';
import type { Scope } from '../access/roles.ts';
import type { Database, GuideAnswerTable, GuideLearningTable, GuideRunTable } from '../db/schema.ts';

export type GuideRunRow = Selectable<GuideRunTable>;

export class GuideRunsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- guide runs
  async insertRun(row: GuideRunTable) {
    await this.db.insertInto('guide_runs').values(row).execute();
  }

  async findRun(id: string) {
    return this.db.selectFrom('guide_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async answersOf(runId: string) {
    return this.db.selectFrom('guide_answers').selectAll().where('run_id', '=', runId).orderBy('position').execute();
  }

  /**
   * Records an answer and moves the run on, only if the run is still at `fromStep` (a second answer
   * to the same step, e.g. a retry or a race, changes nothing).
   */
  async recordAnswer(answer: GuideAnswerTable, fromStep: string, change: Partial<GuideRunTable>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('guide_runs').set(change).where('id', '=', answer.run_id).where('status', '=', 'running')
        .where('current_step', '=', fromStep).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await trx.insertInto('guide_answers').values(answer).execute();
      return true;
    });
  }

  /** Every answer with its run's guide, model and end, for resolution rates. */
  async answerFacts(guideId: string | undefined, modelId: string | undefined, scope: Scope) {
    let q = this.db.selectFrom('guide_answers').innerJoin('guide_runs', 'guide_runs.id', 'guide_answers.run_id')
      .innerJoin('terminals', 'terminals.id', 'guide_runs.terminal_id').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['guide_runs.guide_id', 'guide_runs.model_id', 'guide_answers.step_id', 'guide_answers.outcome', 'guide_runs.status', 'guide_runs.ended_at_step']);
    if (guideId) q = q.where('guide_runs.guide_id', '=', guideId);
    if (modelId) q = q.where('guide_runs.model_id', '=', modelId);
    if (scope.kind === 'merchant') q = q.where('sites.merchant_id', '=', merchantOf(scope));
    if (scope.kind === 'technician') q = q.where(NOTHING);
    return q.execute();
  }

  // ---- guides that learn
  /** Runs ended since `since` with the steps each answered (by the guide_runs_learning index). */
  endedRunSteps(since: string) {
    return this.db.selectFrom('guide_runs').innerJoin('guide_answers', 'guide_answers.run_id', 'guide_runs.id')
      .select(['guide_runs.id', 'guide_runs.guide_id', 'guide_runs.model_id', 'guide_runs.status', 'guide_runs.ended_at_step', 'guide_answers.step_id'])
      .where('guide_runs.started_at', '>=', since).where('guide_runs.status', 'in', ['resolved', 'escalated']).execute();
  }

  async saveLearning(row: Selectable<GuideLearningTable>): Promise<void> {
    await this.db.insertInto('guide_learning').values(row).onConflict((oc) => oc.columns(['guide_id', 'model_id']).doUpdateSet({
      step_order: row.step_order, figures: row.figures, flagged: row.flagged, runs: row.runs, computed_at: row.computed_at,
    })).execute();
  }

  findLearning(guideId: string, modelId: string): Promise<Selectable<GuideLearningTable> | undefined> {
    return this.db.selectFrom('guide_learning').selectAll().where('guide_id', '=', guideId).where('model_id', '=', modelId).executeTakeFirst();
  }

  listLearning(guideId: string | undefined, modelId: string | undefined): Promise<Selectable<GuideLearningTable>[]> {
    let q = this.db.selectFrom('guide_learning').selectAll();
    if (guideId) q = q.where('guide_id', '=', guideId);
    if (modelId) q = q.where('model_id', '=', modelId);
    return q.orderBy('guide_id').orderBy('model_id').execute();
  }
}
