// Queries of the security-in-depth evidence: open software_unpatched incidents, terminal models with
// their PTS approval, training records per site, and what the audit log says about itself.
import type { Kysely } from 'kysely';
import type { Database, TrainingRecordTable } from '../db/schema.ts';

/** The audit actions that are someone reviewing the log. */
export const REVIEW_ACTIONS = ['GET /api/v1/audit', 'GET /api/v1/audit/export', 'GET /api/v1/audit/verify'];

export class SecurityEvidenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  unpatchedIncidents() {
    return this.db.selectFrom('incidents').select(['terminal_id', 'first_seen_at', 'detail'])
      .where('rule', '=', 'software_unpatched').where('open_key', 'is not', null).where('terminal_id', 'is not', null).execute();
  }

  models() {
    return this.db.selectFrom('terminal_models').select(['id', 'vendor', 'model', 'pts_approval_number', 'pts_expires_at']).orderBy('vendor').orderBy('model').execute();
  }

  /** Per site: its latest training, and how many trained on or after `since` (YYYY-MM-DD). */
  async trainingBySite(since: string) {
    const rows = await this.db.selectFrom('training_records').select(['site_id', 'trained_on']).execute();
    const out = new Map<string, { last: string; recent: number }>();
    for (const r of rows) {
      const s = out.get(r.site_id) ?? { last: r.trained_on, recent: 0 };
      if (r.trained_on > s.last) s.last = r.trained_on;
      if (r.trained_on >= since) s.recent++;
      out.set(r.site_id, s);
    }
    return out;
  }

  async auditFacts(since30Days: string) {
    const [all, reviews] = await Promise.all([
      this.db.selectFrom('audit_log').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')]).executeTakeFirstOrThrow(),
      this.db.selectFrom('audit_log').select((eb) => [eb.fn.max('at').as('last'), eb.fn.sum<number>(eb.case().when('at', '>=', since30Days).then(1).else(0).end()).as('recent')])
        .where('action', 'in', REVIEW_ACTIONS).where('outcome', '=', 'success').executeTakeFirstOrThrow(),
    ]);
    return { entries: Number(all.n), oldestAt: (all.oldest as string | null) ?? null, lastReviewAt: (reviews.last as string | null) ?? null, reviewsLast30Days: Number(reviews.recent ?? 0) };
  }

  trainingOf(siteId: string) {
    return this.db.selectFrom('training_records').selectAll().where('site_id', '=', siteId).orderBy('trained_on', 'desc').orderBy('id', 'desc').execute();
  }

  async insertTraining(row: TrainingRecordTable) {
    await this.db.insertInto('training_records').values(row).execute();
  }
}
