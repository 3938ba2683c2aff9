// The audit trail (PCI DSS 10.2): who did what to which object, when, from where, and whether it
// worked. Entries are appended to one hash chain; the chain's head row is locked while appending so
// several server nodes still write one chain.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { AuditLogTable, Database } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { checkChain, entryHash, GENESIS_HASH, type ChainProblem } from './audit-chain.ts';

export interface AuditEvent {
  actorType: 'user' | 'terminal' | 'system' | 'anonymous';
  actorId?: string | null;
  actorName?: string | null;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  outcome: 'success' | 'failure';
  sourceIp?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  beforeSeq?: number | undefined;
  actorId?: string | undefined;
  objectId?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export type AuditEntry = ReturnType<typeof toAuditEntry>;

export class AuditService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    /** Entries read per query by export(): bounds its memory, whatever the range. */
    private readonly exportPageSize = 1000,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let head = trx.selectFrom('audit_head').selectAll().where('id', '=', 1);
      if (this.dialect === 'postgres') head = head.forUpdate();
      const current = (await head.executeTakeFirst()) ?? (await this.createHead(trx));
      const entry = {
        seq: Number(current.seq) + 1, at: this.clock().toISOString(), actor_type: event.actorType, actor_id: event.actorId ?? null,
        actor_name: event.actorName ?? null, action: event.action, object_type: event.objectType ?? null, object_id: event.objectId ?? null,
        outcome: event.outcome, source_ip: event.sourceIp ?? null, request_id: event.requestId ?? null,
        details: JSON.stringify(event.details ?? {}), prev_hash: current.hash,
      };
      const hash = entryHash(entry);
      await trx.insertInto('audit_log').values({ ...entry, hash }).execute();
      await trx.updateTable('audit_head').set({ seq: entry.seq, hash }).where('id', '=', 1).execute();
    });
  }

  private async createHead(trx: Kysely<Database>) {
    await trx.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('id').doNothing()).execute();
    let head = trx.selectFrom('audit_head').selectAll().where('id', '=', 1);
    if (this.dialect === 'postgres') head = head.forUpdate();
    return head.executeTakeFirstOrThrow();
  }

  async list(query: AuditQuery) {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
    if (query.actorId) q = q.where('actor_id', '=', query.actorId);
    if (query.objectId) q = q.where('object_id', '=', query.objectId);
    if (query.action) q = q.where('action', '=', query.action);
    if (query.outcome) q = q.where('outcome', '=', query.outcome);
    if (query.from) q = q.where('at', '>=', query.from);
    if (query.to) q = q.where('at', '<', query.to);
    const rows = await q.orderBy('seq', 'desc').limit(query.limit + 1).execute();
    return rows.map(toAuditEntry);
  }

  /**
   * Every entry of [from, to), oldest first, in pages of keyset queries, so a range of any size is
   * read in constant memory. It is the log as it stood when asked: entries written later (the
   * export's own among them) are left out.
   */
  async export(range: { from?: string | undefined; to?: string | undefined }): Promise<AsyncGenerator<AuditEntry[]>> {
    const head = await this.db.selectFrom('audit_log').select(sql<string | number | null>`max(seq)`.as('seq')).executeTakeFirst();
    return this.pagesThrough(range, Number(head?.seq ?? 0));
  }

  private async *pagesThrough(range: { from?: string | undefined; to?: string | undefined }, lastSeq: number): AsyncGenerator<AuditEntry[]> {
    let after = 0;
    while (after < lastSeq) {
      let q = this.db.selectFrom('audit_log').selectAll().where('seq', '>', after).where('seq', '<=', lastSeq);
      if (range.from) q = q.where('at', '>=', range.from);
      if (range.to) q = q.where('at', '<', range.to);
      const rows = await q.orderBy('seq').limit(this.exportPageSize).execute();
      if (rows.length === 0) return;
      yield rows.map(toAuditEntry);
      after = Number(rows.at(-1)!.seq);
    }
  }

  /** Checks the whole chain; returns the first break, or how many entries were verified. */
  async verify(): Promise<{ ok: true; entries: number } | ({ ok: false } & ChainProblem)> {
    const first = await this.db.selectFrom('audit_log').select(['seq', 'prev_hash']).orderBy('seq').limit(1).executeTakeFirst();
    const head = await this.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
    if (!first) {
      return head && Number(head.seq) > 0
        ? { ok: false, seq: Number(head.seq), problem: 'tail_removed', message: `the log is empty but entry ${Number(head.seq)} was written` }
        : { ok: true, entries: 0 };
    }
    // Entries before the first one kept were pruned by retention; the chain is checked from there on.
    let position: { seq: number; hash: string } = { seq: Number(first.seq) - 1, hash: first.seq === 1 ? GENESIS_HASH : first.prev_hash };
    let checked = 0;
    for (;;) {
      const page = await this.db.selectFrom('audit_log').selectAll().where('seq', '>', position.seq).orderBy('seq').limit(2000).execute();
      if (page.length === 0) break;
      const result = checkChain(page.map((e) => ({ ...e, seq: Number(e.seq) })), position);
      if ('problem' in result) return { ok: false, ...result };
      checked += page.length;
      position = result;
    }
    if (head && (Number(head.seq) !== position.seq || head.hash !== position.hash)) {
      return { ok: false, seq: position.seq + 1, problem: 'tail_removed', message: `entries after ${position.seq} are missing: ${Number(head.seq)} were written` };
    }
    return { ok: true, entries: checked };
  }

  /** Removes entries older than `before`, first recording in the chain how far it pruned. */
  async prune(before: string): Promise<number> {
    const last = await this.db.selectFrom('audit_log').select(['seq', 'hash']).where('at', '<', before).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!last) return 0;
    await this.record({ actorType: 'system', action: 'audit.prune', outcome: 'success', details: { throughSeq: Number(last.seq), before } });
    const result = await this.db.deleteFrom('audit_log').where('seq', '<=', Number(last.seq)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Dialect-neutral count, for tests and reports. */
  async count(): Promise<number> {
    const row = await this.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

export function toAuditEntry(row: AuditLogTable) {
  return {
    seq: Number(row.seq), at: row.at, actorType: row.actor_type, actorId: row.actor_id, actorName: row.actor_name, action: row.action,
    objectType: row.object_type, objectId: row.object_id, outcome: row.outcome, sourceIp: row.source_ip, requestId: row.request_id,
    details: parseJson<Record<string, unknown>>(row.details, {}), hash: row.hash,
  };
}
