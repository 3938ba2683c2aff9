// The SQLite heartbeat writer in a thread of its own: each group commit (history, latest state,
// versions, commands handed out) is written and synced to disk there, so the event loop goes on reading,
// validating and answering requests meanwhile. The thread has its own connection to the same file and
// takes turns with the event loop's writes through a lock in shared memory (src/db/write-lock.ts).
// A heartbeat is still answered only after its batch committed (synchronous=FULL: after the fsync).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.ts';
import { HEARTBEAT_THREAD, MAIN_THREAD, ThreadWriteLock } from '../db/write-lock.ts';
import { DeviceRepository } from './device.repository.ts';
import { toStoredHeartbeat, type QueuedHeartbeat, type StoredHeartbeat, type WrittenBatch } from './heartbeat-batch.ts';

interface ThreadData { role: 'heartbeat-writer'; file: string; synchronous: 'FULL' | 'NORMAL'; writeLock: SharedArrayBuffer }
type Request = { type: 'write'; id: number; batch: Flat } | { type: 'forget'; terminalId: string };

/**
 * A batch as the thread receives it: each heartbeat's fields one after another in one array of strings
 * and numbers, its report as the JSON text to store. Copying flat values to the thread costs a fraction
 * of a structured clone of every report (measured 2026-12-07: 0.9 + 1.2 µs per heartbeat against
 * 2.4 + 4.5, and the thread no longer writes each report's JSON itself).
 */
type Flat = (string | number)[];
const FIELDS = 7;

function flatten(batch: QueuedHeartbeat[]): Flat {
  const flat: Flat = [];
  for (const h of batch) {
    const s = toStoredHeartbeat(h);
    flat.push(s.terminalId, s.seq, s.receivedAt, s.sentAt, s.appVersion, s.firmwareVersion, s.json);
  }
  return flat;
}

function unflatten(flat: Flat): StoredHeartbeat[] {
  const batch: StoredHeartbeat[] = [];
  for (let i = 0; i < flat.length; i += FIELDS) {
    batch.push({
      terminalId: flat[i] as string, seq: flat[i + 1] as number, receivedAt: flat[i + 2] as string, sentAt: flat[i + 3] as string,
      appVersion: flat[i + 4] as string, firmwareVersion: flat[i + 5] as string, json: flat[i + 6] as string,
    });
  }
  return batch;
}
type Reply = { id: number; stored: string[]; commands: [string, WrittenBatch['commandsByTerminal'] extends Map<string, infer C> ? C : never][] }
  | { id: number; error: { message: string; code?: unknown } };

/** Where heartbeat batches are written: in this thread (PostgreSQL, in-memory SQLite) or in the writer thread. */
export interface HeartbeatStore {
  write(batch: QueuedHeartbeat[]): Promise<WrittenBatch>;
  /** A terminal's installed versions changed outside a heartbeat: what the writer remembers of them is out of date. */
  forgetVersions(terminalId: string): void;
  close(): Promise<void>;
}

export class HeartbeatThread implements HeartbeatStore {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (batch: WrittenBatch) => void; reject: (error: unknown) => void }>();
  private nextId = 1;

  /** Starts the thread at once, so the first heartbeats do not wait for it to load. */
  constructor(private readonly data: Omit<ThreadData, 'role'>) {
    this.start();
  }

  write(batch: QueuedHeartbeat[]): Promise<WrittenBatch> {
    const worker = this.start();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      // A batch in flight keeps the process alive; an idle thread does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'write', id, batch: flatten(batch) } satisfies Request);
    });
  }

  forgetVersions(terminalId: string): void {
    this.worker?.postMessage({ type: 'forget', terminalId } satisfies Request);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    // Batches already sent are committed by the thread before it is stopped.
    while (this.pending.size) await new Promise((r) => setTimeout(r, 5));
    this.worker = undefined;
    await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // PosFleet runs its TypeScript sources through tsx (bin/posfleet.mjs): the thread loads them the same way.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { role: 'heartbeat-writer', ...this.data } satisfies ThreadData });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) worker.unref();
      if ('error' in reply) waiting.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
      else waiting.resolve({ stored: new Set(reply.stored), commandsByTerminal: new Map(reply.commands) });
    });
    const ended = (error: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // It may have died holding the write lock; the next batch starts a new thread.
      new ThreadWriteLock(this.data.writeLock, MAIN_THREAD).releaseFor(HEARTBEAT_THREAD);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', ended);
    worker.on('exit', (code) => ended(new Error(`the heartbeat writer thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** The thread's side: one connection, one repository, batches written in the order they come. */
function serve(data: ThreadData): void {
  const db = openDatabase(data.file, { sqliteSynchronous: data.synchronous, writeLock: new ThreadWriteLock(data.writeLock, HEARTBEAT_THREAD) });
  const repo = new DeviceRepository(db.kysely);
  let queue = Promise.resolve();
  parentPort!.on('message', (request: Request) => {
    if (request.type === 'forget') return repo.forgetVersions(request.terminalId);
    queue = queue.then(async () => {
      try {
        const written = await repo.writeHeartbeats(unflatten(request.batch));
        parentPort!.postMessage({ id: request.id, stored: [...written.stored], commands: [...written.commandsByTerminal] } satisfies Reply);
      } catch (error) {
        const { message, code } = error as { message?: unknown; code?: unknown };
        parentPort!.postMessage({ id: request.id, error: { message: String(message ?? error), code } } satisfies Reply);
      }
    });
  });
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.role === 'heartbeat-writer') serve(workerData as ThreadData);
