// The audit log's queries (Kysely only): the hash chain's head row, appended to under a lock so several
// server nodes still write one chain, and the reads of the log by filter, by range and in seq order.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { AuditLogTable, Database } from '../db/schema.ts';
import { GENESIS_HASH } from './audit-chain.ts';

/** Where the chain ends: the last entry written (seq 0 and the genesis hash before the first). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditFilter {
  beforeSeq?: number | undefined;
  actorId?: string | undefined;
  objectId?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>, private readonly dialect: Dialect) {}

  /**
   * Appends the entry `next` makes from the chain's head, in one transaction that holds the head row
   * locked (on PostgreSQL) until the entry is written and the head moved to it.
   */
  async append(next: (head: ChainHead) => AuditLogTable): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const current = (await this.lockedHead(trx)) ?? (await this.createHead(trx));
      const entry = next({ seq: Number(current.seq), hash: current.hash });
      await trx.insertInto('audit_log').values(entry).execute();
      await trx.updateTable('audit_head').set({ seq: entry.seq, hash: entry.hash }).where('id', '=', 1).execute();
    });
  }

  private headForUpdate(trx: Kysely<Database>) {
    const head = trx.selectFrom('audit_head').selectAll().where('id', '=', 1);
    return this.dialect === 'postgres' ? head.forUpdate() : head;
  }

  private lockedHead(trx: Kysely<Database>) {
    return this.headForUpdate(trx).executeTakeFirst();
  }

  private async createHead(trx: Kysely<Database>) {
    await trx.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('id').doNothing()).execute();
    return this.headForUpdate(trx).executeTakeFirstOrThrow();
  }

  /** The chain's head as last written, if any entry ever was. */
  head(): Promise<{ seq: number; hash: string } | undefined> {
    return this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  }

  /** Newest first, at most `limit` entries matching the filter. */
  entries(filter: AuditFilter, limit: number): Promise<AuditLogTable[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    if (filter.objectId) q = q.where('object_id', '=', filter.objectId);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
    if (filter.from) q = q.where('at', '>=', filter.from);
    if (filter.to) q = q.where('at', '<', filter.to);
    return q.orderBy('seq', 'desc').limit(limit).execute();
  }

  /** The highest seq written and still kept (0 when the log is empty). */
  async lastSeq(): Promise<number> {
    const row = await this.db.selectFrom('audit_log').select(sql<string | number | null>`max(seq)`.as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Oldest first, at most `limit` entries with after < seq <= through, written in [from, to) when given. */
  page(range: { after: number; through?: number | undefined; from?: string | undefined; to?: string | undefined }, limit: number): Promise<AuditLogTable[]> {
    let q = this.db.selectFrom('audit_log').selectAll().where('seq', '>', range.after);
    if (range.through !== undefined) q = q.where('seq', '<=', range.through);
    if (range.from) q = q.where('at', '>=', range.from);
    if (range.to) q = q.where('at', '<', range.to);
    return q.orderBy('seq').limit(limit).execute();
  }

  /** The oldest entry kept (older ones were pruned by retention). */
  first(): Promise<{ seq: number; prev_hash: string } | undefined> {
    return this.db.selectFrom('audit_log').select(['seq', 'prev_hash']).orderBy('seq').limit(1).executeTakeFirst();
  }

  /** The newest entry written before `before`. */
  lastBefore(before: string): Promise<{ seq: number; hash: string } | undefined> {
    return this.db.selectFrom('audit_log').select(['seq', 'hash']).where('at', '<', before).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }

  /** Deletes the entries up to and including `seq`; answers how many. */
  async deleteThrough(seq: number): Promise<number> {
    const result = await this.db.deleteFrom('audit_log').where('seq', '<=', seq).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
