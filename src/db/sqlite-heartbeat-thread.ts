// The SQLite heartbeat writer in a worker thread of its own. A group commit's transaction ends with a
// sync to disk (synchronous=FULL) and, now and then, a WAL checkpoint: done on the event loop, they stop
// every other request meanwhile. Here a second connection to the same file writes the heartbeat rows
// and the latest state with prepared statements, while the event loop goes on reading the next batch.
// The caller's promise settles only once the transaction committed (an acknowledgement stays durable).
// SQLite's automatic WAL checkpoints (every 1,000 pages) now mostly follow this thread's commits, so
// they too run off the event loop. (A separate checkpointer thread was tried: its checkpoints never
// completed while the writer kept appending, and the WAL grew without bound under steady load.)
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * One heartbeat to store: terminal, seq, received at, reported at (sentAt), the report as JSON, the
 * versions it reports, and whether to check them against the terminal record (when this process does
 * not know them recorded already).
 */
export type HeartbeatRow = [terminalId: string, seq: number, receivedAt: string, sentAt: string, report: string, appVersion: string, firmwareVersion: string, checkVersions: 0 | 1];

/** Indexes of the rows that were new (the others were stored already), and of those whose versions are now recorded. */
export interface ThreadOutcome { stored: number[]; versioned: number[] }

interface Answer { id: number; outcome?: ThreadOutcome; error?: { message: string; code?: string } }

// Plain JavaScript run with `eval`: the thread needs no TypeScript loader.
const THREAD = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.sqlite);
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('foreign_keys = ON');
const { randomUUID } = require('node:crypto');
let insert, upsert, versionsOf, setVersions, versionChange, write;
function prepare() {
  insert = db.prepare('INSERT INTO heartbeats (terminal_id, seq, received_at, report) VALUES (?, ?, ?, ?) ON CONFLICT (terminal_id, seq) DO NOTHING');
  // A late heartbeat (older seq) never overwrites the latest state.
  upsert = db.prepare('INSERT INTO terminal_health (terminal_id, seq, last_seen_at, reported_at, online, offline_since, report) VALUES (?, ?, ?, ?, 1, NULL, ?) ' +
    'ON CONFLICT (terminal_id) DO UPDATE SET seq = excluded.seq, last_seen_at = excluded.last_seen_at, reported_at = excluded.reported_at, ' +
    'online = 1, offline_since = NULL, report = excluded.report WHERE terminal_health.seq < excluded.seq');
  versionsOf = db.prepare('SELECT app_version, firmware_version FROM terminals WHERE id = ?');
  setVersions = db.prepare('UPDATE terminals SET app_version = ?, firmware_version = ?, updated_at = ? WHERE id = ?');
  versionChange = db.prepare('INSERT INTO version_changes (id, terminal_id, kind, from_version, to_version, at) VALUES (?, ?, ?, ?, ?, ?)');
  write = db.transaction((rows) => {
    const stored = [];
    const latest = new Map();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (insert.run(r[0], r[1], r[2], r[4]).changes !== 1) continue;
      stored.push(i);
      const current = latest.get(r[0]);
      if (current === undefined || rows[current][1] < r[1]) latest.set(r[0], i);
    }
    const versioned = [];
    for (const i of latest.values()) {
      const r = rows[i];
      upsert.run(r[0], r[1], r[2], r[3], r[4]);
      if (r[7]) { if (recordVersions(r)) versioned.push(i); }
    }
    return { stored, versioned };
  });
}
// As DeviceRepository.writeVersions does: the terminal record and one version_changes row per change.
function recordVersions(r) {
  const t = versionsOf.get(r[0]);
  if (!t) return false;
  let changed = false;
  for (const [kind, from, to] of [['application', t.app_version, r[5]], ['firmware', t.firmware_version, r[6]]]) {
    if (to === null || from === to) continue;
    versionChange.run(randomUUID(), r[0], kind, from, to, r[2]);
    changed = true;
  }
  if (changed) setVersions.run(r[5], r[6], r[2], r[0]);
  return true;
}
parentPort.on('message', (message) => {
  // Answers already posted are delivered before the thread ends.
  if (message === 'close') { db.close(); parentPort.close(); return; }
  try {
    if (!write) prepare();
    parentPort.postMessage({ id: message.id, outcome: write(message.rows) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String(error && error.message || error), code: error && error.code } });
  }
});
`;

export class SqliteHeartbeatThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (outcome: ThreadOutcome) => void; reject: (error: Error) => void }>();

  constructor(private readonly file: string, private readonly synchronous: 'FULL' | 'NORMAL') {}

  /** Writes the rows, their latest state and changed versions in one transaction. */
  write(rows: HeartbeatRow[]): Promise<ThreadOutcome> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, rows });
    });
  }

  /** Started at the first heartbeat: commands that only read or migrate never start a thread. */
  private start(): Worker {
    if (this.worker) return this.worker;
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(THREAD, { eval: true, workerData: { file: this.file, synchronous: this.synchronous, sqlite } });
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (!waiting) return;
      if (answer.error) waiting.reject(Object.assign(new Error(answer.error.message), answer.error.code ? { code: answer.error.code } : {}));
      else waiting.resolve(answer.outcome ?? { stored: [], versioned: [] });
    });
    const fail = (error: Error) => {
      this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => { if (this.worker === worker) fail(new Error(`the heartbeat writer thread stopped (exit code ${code})`)); });
    return (this.worker = worker);
  }

  /** Waits for the writes in flight, then closes the thread's connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close'); // after the writes already posted: the thread takes messages in order
    await exited;
    for (const w of this.waiting.values()) w.reject(new Error('the database is closed'));
    this.waiting.clear();
  }
}
