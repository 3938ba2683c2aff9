// Approval requests: stored, listed, and moved from awaiting_approval to their decision exactly once.
import type { Kysely, Selectable } from 'kysely';
import type { ApprovalRequestTable, ApprovalState, Database } from '../db/schema.ts';

export type ApprovalRow = Selectable<ApprovalRequestTable>;

export class ApprovalsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ApprovalRow): Promise<void> {
    await this.db.insertInto('approval_requests').values(row).execute();
  }

  find(id: string): Promise<ApprovalRow | undefined> {
    return this.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `states` narrows (e.g. only those awaiting approval). */
  list(query: { states?: readonly ApprovalState[] | undefined; objectId?: string | undefined; limit: number }): Promise<ApprovalRow[]> {
    return this.db.selectFrom('approval_requests').selectAll()
      .$if(!!query.states?.length, (q) => q.where('state', 'in', query.states!))
      .$if(!!query.objectId, (q) => q.where('object_id', '=', query.objectId!))
      .orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  }

  /** Moves a request out of `from`; false when another person (or the expiry job) moved it first. */
  async move(id: string, from: ApprovalState, set: Partial<ApprovalRow>): Promise<boolean> {
    const result = await this.db.updateTable('approval_requests').set(set).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Requests still awaiting approval whose time ran out. */
  overdue(now: string): Promise<ApprovalRow[]> {
    return this.db.selectFrom('approval_requests').selectAll().where('state', '=', 'awaiting_approval').where('expires_at', '<=', now).execute();
  }
}
