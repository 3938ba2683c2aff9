// The audit log's tamper evidence: each entry's hash covers its content and the previous entry's hash,
// so editing, removing or reordering an entry breaks the chain at that entry. Pure functions.
import { createHash } from 'node:crypto';
import type { AuditLogTable } from '../db/schema.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** An audit entry as stored, without its own hash (which is computed over the rest). */
export type ChainedEntry = Omit<AuditLogTable, 'hash'>;

export function entryHash(entry: ChainedEntry): string {
  const content = [
    entry.seq, entry.at, entry.actor_type, entry.actor_id, entry.actor_name, entry.action, entry.object_type,
    entry.object_id, entry.outcome, entry.source_ip, entry.request_id, entry.details, entry.prev_hash,
  ];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export interface ChainProblem {
  seq: number;
  problem: 'edited' | 'missing' | 'out_of_order' | 'tail_removed';
  message: string;
}

/**
 * Walks entries in seq order and reports the first break. `previous` is where this page starts:
 * the last entry checked before it (or the trusted start of the retained log).
 */
export function checkChain(entries: (ChainedEntry & { hash: string })[], previous: { seq: number; hash: string }): ChainProblem | { seq: number; hash: string } {
  let last = previous;
  for (const entry of entries) {
    if (entry.seq !== last.seq + 1) {
      return entry.seq > last.seq + 1
        ? { seq: last.seq + 1, problem: 'missing', message: `entry ${last.seq + 1} is missing: the log jumps from entry ${last.seq} to ${entry.seq}` }
        : { seq: entry.seq, problem: 'out_of_order', message: `entry ${entry.seq} appears after entry ${last.seq}` };
    }
    if (entry.prev_hash !== last.hash) {
      return { seq: entry.seq, problem: 'out_of_order', message: `entry ${entry.seq} does not follow entry ${last.seq}: its previous-hash differs (reordered or replaced)` };
    }
    if (entryHash(entry) !== entry.hash) {
      return { seq: entry.seq, problem: 'edited', message: `entry ${entry.seq} was changed after it was written: its hash does not match its content` };
    }
    last = { seq: entry.seq, hash: entry.hash };
  }
  return last;
}
