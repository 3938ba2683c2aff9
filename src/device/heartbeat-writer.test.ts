import { describe, expect, it } from 'vitest';
import type { BatchOutcome, QueuedHeartbeat } from './heartbeat-batch.ts';
import { HeartbeatWriter } from './heartbeat-writer.ts';

const heartbeat = (terminalId: string, seq: number) => ({ terminalId, report: { seq }, receivedAt: '2026-11-25T00:00:00.000Z' }) as unknown as QueuedHeartbeat;
const outcome = (batch: QueuedHeartbeat[]): BatchOutcome => ({ stored: new Set(batch.map((h) => `${h.terminalId} ${h.report.seq}`)), commandsByTerminal: new Map(), modes: new Map() });

describe('heartbeat group commit', () => {
  it('answers every heartbeat of a batch only once the batch is written, and none of a batch that failed', async () => {
    const written: QueuedHeartbeat[][] = [];
    let fail = true;
    const writer = new HeartbeatWriter(async (batch) => {
      if (fail) {
        fail = false;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      written.push(batch);
      return outcome(batch);
    });
    const first = [writer.submit(heartbeat('a', 1)), writer.submit(heartbeat('b', 1))];
    const settled = await Promise.allSettled(first);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(written).toEqual([]);
    // The database is back: the terminals send the same heartbeats again and the writer takes them.
    const again = await Promise.all([writer.submit(heartbeat('a', 1)), writer.submit(heartbeat('b', 1))]);
    expect(written).toHaveLength(1);
    expect(again.every((o) => o.stored.has('a 1') && o.stored.has('b 1'))).toBe(true);
  });

  it('writes what queued behind a failed batch in a batch of its own', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const writer = new HeartbeatWriter(async (batch) => {
      calls.push(batch.map((h) => h.terminalId));
      if (calls.length === 1) {
        await gate;
        throw new Error('Connection terminated unexpectedly');
      }
      return outcome(batch);
    });
    const failed = writer.submit(heartbeat('a', 1));
    await new Promise((r) => setImmediate(r));
    const queued = writer.submit(heartbeat('b', 1));
    release();
    await expect(failed).rejects.toThrow('Connection terminated');
    expect((await queued).stored.has('b 1')).toBe(true);
    expect(calls).toEqual([['a'], ['b']]);
  });
});
