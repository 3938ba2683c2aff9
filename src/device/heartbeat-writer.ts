// Group commit for heartbeats: requests that arrive while a batch is being written wait for the next
// one, so thousands of heartbeats share one transaction (one fsync) and each is answered only after
// its batch committed.
import type { QueuedHeartbeat } from './heartbeat-batch.ts';

interface Waiting<Outcome> {
  item: QueuedHeartbeat;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

export class HeartbeatWriter<Outcome> {
  private queue: Waiting<Outcome>[] = [];
  private busy = false;

  constructor(
    private readonly write: (batch: QueuedHeartbeat[]) => Promise<Outcome>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: QueuedHeartbeat): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        // Let the requests already read from sockets join this batch before it is written.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outcome = await this.write(batch.map((w) => w.item));
        for (const w of batch) w.resolve(outcome);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
      if (this.queue.length) await new Promise((r) => setImmediate(r));
    }
    this.busy = false;
  }
}
