// The audit trail (PCI DSS 10.2): who did what to which object, when, from where, and whether it
// worked. Entries are appended to one hash chain; the chain's head row is locked while appending so
// several server nodes still write one chain (AuditRepository.append).
import type { AuditLogTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { checkChain, entryHash, GENESIS_HASH, type ChainProblem } from './audit-chain.ts';
import type { AuditRepository } from './audit.repository.ts';

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
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    /** Entries read per query by export(): bounds its memory, whatever the range. */
    private readonly exportPageSize = 1000,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    await this.repo.append((head) => {
      const entry = {
        seq: head.seq + 1, at: this.clock().toISOString(), actor_type: event.actorType, actor_id: event.actorId ?? null,
        actor_name: event.actorName ?? null, action: event.action, object_type: event.objectType ?? null, object_id: event.objectId ?? null,
        outcome: event.outcome, source_ip: event.sourceIp ?? null, request_id: event.requestId ?? null,
        details: JSON.stringify(event.details ?? {}), prev_hash: head.hash,
      };
      return { ...entry, hash: entryHash(entry) };
    });
  }

  async list(query: AuditQuery) {
    const rows = await this.repo.entries(query, query.limit + 1);
    return rows.map(toAuditEntry);
  }

  /**
   * Every entry of [from, to), oldest first, in pages of keyset queries, so a range of any size is
   * read in constant memory. It is the log as it stood when asked: entries written later (the
   * export's own among them) are left out.
   */
  async export(range: { from?: string | undefined; to?: string | undefined }): Promise<AsyncGenerator<AuditEntry[]>> {
    return this.pagesThrough(range, await this.repo.lastSeq());
  }

  private async *pagesThrough(range: { from?: string | undefined; to?: string | undefined }, lastSeq: number): AsyncGenerator<AuditEntry[]> {
    let after = 0;
    while (after < lastSeq) {
      const rows = await this.repo.page({ after, through: lastSeq, from: range.from, to: range.to }, this.exportPageSize);
      if (rows.length === 0) return;
      yield rows.map(toAuditEntry);
      after = Number(rows.at(-1)!.seq);
    }
  }

  /** Checks the whole chain; returns the first break, or how many entries were verified. */
  async verify(): Promise<{ ok: true; entries: number } | ({ ok: false } & ChainProblem)> {
    const first = await this.repo.first();
    const head = await this.repo.head();
    if (!first) {
      return head && Number(head.seq) > 0
        ? { ok: false, seq: Number(head.seq), problem: 'tail_removed', message: `the log is empty but entry ${Number(head.seq)} was written` }
        : { ok: true, entries: 0 };
    }
    // Entries before the first one kept were pruned by retention; the chain is checked from there on.
    let position: { seq: number; hash: string } = { seq: Number(first.seq) - 1, hash: first.seq === 1 ? GENESIS_HASH : first.prev_hash };
    let checked = 0;
    for (;;) {
      const page = await this.repo.page({ after: position.seq }, 2000);
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
    const last = await this.repo.lastBefore(before);
    if (!last) return 0;
    await this.record({ actorType: 'system', action: 'audit.prune', outcome: 'success', details: { throughSeq: Number(last.seq), before } });
    return this.repo.deleteThrough(Number(last.seq));
  }

  /** Dialect-neutral count, for tests and reports. */
  count(): Promise<number> {
    return this.repo.count();
  }
}

export function toAuditEntry(row: AuditLogTable) {
  return {
    seq: Number(row.seq), at: row.at, actorType: row.actor_type, actorId: row.actor_id, actorName: row.actor_name, action: row.action,
    objectType: row.object_type, objectId: row.object_id, outcome: row.outcome, sourceIp: row.source_ip, requestId: row.request_id,
    details: parseJson<Record<string, unknown>>(row.details, {}), hash: row.hash,
  };
}
