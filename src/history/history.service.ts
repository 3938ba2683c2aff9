// Keeps heartbeat history within its retention (HEARTBEAT_RETENTION_DAYS), run as the hourly
// 'heartbeat-retention' job. PostgreSQL: daily partitions are created a week ahead and expired days are
// dropped whole. SQLite: expired rows are deleted a small batch at a time, yielding between batches so
// the heartbeat writer never waits long for the database's single writer lock.
import { yieldToEventLoop } from '../shared/pace.ts';
import type { Clock } from '../shared/time.ts';
import type { HistoryRepository } from './history.repository.ts';
import { firstKeptDay, planPartitions } from './partition-days.ts';

export interface HistoryOptions {
  retentionDays: number;
  /** Rows per delete: a few milliseconds of SQLite's writer each. */
  pruneBatch?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface HistoryUpkeep {
  created: string[];
  dropped: string[];
  pruned: number;
}


export class HeartbeatHistory {
  constructor(private readonly repo: HistoryRepository, private readonly clock: Clock, private readonly options: HistoryOptions) {}

  async upkeep(): Promise<HistoryUpkeep> {
    const now = this.clock();
    const done: HistoryUpkeep = { created: [], dropped: [], pruned: 0 };
    if (this.repo.dialect === 'postgres') {
      const plan = planPartitions(await this.repo.partitionDays(), now, this.options.retentionDays, await this.repo.daysInDefault());
      // One failure (a lock not granted in time) does not stop the others; the next run tries again.
      for (const day of plan.create) await this.attempt('create', day, () => this.repo.createPartition(day), done.created);
      for (const day of plan.drop) await this.attempt('drop', day, () => this.repo.dropPartition(day), done.dropped);
    }
    // SQLite: the table; PostgreSQL: rows the default partition caught, usually none. Whole days only,
    // as on PostgreSQL, so both keep the same history.
    const before = `${firstKeptDay(now, this.options.retentionDays)}T00:00:00.000Z`;
    const size = this.options.pruneBatch ?? 2_000;
    for (;;) {
      const n = await this.repo.pruneBatch(before, size);
      done.pruned += n;
      if (n < size) break;
      await yieldToEventLoop();
    }
    if (done.created.length || done.dropped.length || done.pruned) this.options.log?.('heartbeat history upkeep', { ...done, retentionDays: this.options.retentionDays });
    return done;
  }

  private async attempt(what: 'create' | 'drop', day: string, run: () => Promise<void>, done: string[]): Promise<void> {
    try {
      await run();
      done.push(day);
    } catch (error) {
      this.options.log?.(`heartbeat history: could not ${what} the partition of ${day}; tried again at the next run`, { error: String(error) });
    }
  }
}
