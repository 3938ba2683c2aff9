// Backups of the terminal's own data, and their restore. The POS application hands the SDK its data
// (the configuration it runs with and its settings blob: pending offline transactions, counters, local
// users); the SDK refuses data holding anything like a card number, encrypts it here (AES-256-GCM, a
// random data key wrapped with the server's escrow key), and uploads it in chunks, asking the server
// which chunks it has after a dropped link so that only the missing ones are sent again. A restore
// (a swapped-in spare, a terminal reinstalled after a factory reset) arrives with the data key wrapped
// for a one-time key made here; the SDK verifies, decrypts, hands the data back and confirms.
import { findPans, type PanFinding } from '../protocol/index.ts';
import { importPublicKey, open, restoreKeyPair, seal, sha256Hex, type CryptoKey } from '../protocol/index.ts';
import type {
  BackupStart, BackupView, EscrowKeyView, RestoreOffer, RestoreView,
} from '../protocol/index.ts';
import { uploadInChunks } from './chunked-upload.ts';
import { PosFleetError } from './errors.ts';

export type BackupKind = BackupStart['kind'];

/** What a backup holds: opaque to PosFleet, handed back as it was given on restore. */
export interface TerminalData {
  /** The configuration the terminal runs with (its effective parameters). */
  configuration: unknown;
  /** The application's own data: pending offline transactions, counters, local users... Never card data. */
  settings: unknown;
}

export interface RestoredData extends TerminalData {
  /** This terminal: the data is re-bound to it (a spare gets the faulty terminal's data as its own). */
  serialNumber: string;
  /** The terminal the backup was taken on. */
  sourceSerialNumber: string;
  reason: 'swap' | 'factory_reset' | 'manual';
  takenAt: string;
}

export interface BackupHandlers {
  /** The data to back up now. */
  collect(): TerminalData | Promise<TerminalData>;
  /** Puts restored data in place; throwing fails the restore (the server is told). */
  restore(data: RestoredData): Promise<void>;
  /** Bytes per uploaded chunk (default 256 KiB). */
  chunkSize?: number;
}

export type BackupEvent =
  | { type: 'stored'; backupId: string; kind: BackupKind; sizeBytes: number }
  | { type: 'refused'; kind: BackupKind; reason: string }
  | { type: 'restored'; restoreId: string; reason: RestoredData['reason']; sourceSerialNumber: string }
  | { type: 'restore_failed'; restoreId: string; reason: string };

export interface BackupPort {
  getJson<T>(path: string): Promise<T>;
  postJson<T>(path: string, body: unknown): Promise<T>;
  putJson<T>(path: string, body: unknown): Promise<T>;
  fetchRaw(path: string): Promise<Response>;
  serialNumber: string;
  now(): Date;
}

const FORMAT = 'posfleet-terminal-backup/1';
const DEFAULT_CHUNK = 256 * 1024;

interface PendingUpload {
  start: BackupStart;
  ciphertext: Uint8Array;
}

/** The error for data that holds something like a card number: nothing was encrypted or sent. */
export class CardDataInBackupError extends PosFleetError {
  constructor(readonly findings: PanFinding[]) {
    super('card_data_in_backup', `the backup was refused: it holds what looks like a card number at ${findings.map((f) => `${f.path} (${f.masked})`).join(', ')}; card data must never be backed up`, { field: findings[0]?.path });
  }
}

export class BackupAgent {
  private escrow: { keyId: string; key: CryptoKey } | undefined;
  private pending: PendingUpload | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private restoringNow = false;

  constructor(private readonly port: BackupPort, private readonly handlers: BackupHandlers, private readonly onEvent: (event: BackupEvent) => void = () => {}) {}

  /** An upload that did not finish (a dropped link); resumed by the next backup() or resume(). */
  get unfinished(): boolean {
    return this.pending !== undefined;
  }

  /** True while restored data is being put in place: payments wait. */
  get restoring(): boolean {
    return this.restoringNow;
  }

  /**
   * Takes a backup now and uploads it; an unfinished upload of the same kind is finished instead of
   * starting another. Backups run one at a time.
   */
  backup(kind: BackupKind, maintenanceJobId?: string): Promise<BackupView> {
    const run = this.running.catch(() => {}).then(async () => {
      if (this.pending) {
        const finished = await this.send(this.pending);
        if (finished.kind === kind) return finished;
      }
      return this.send(await this.prepare(kind, maintenanceJobId));
    });
    this.running = run;
    return run;
  }

  /** Finishes an unfinished upload, if any. */
  resume(): Promise<BackupView | undefined> {
    const run = this.running.catch(() => {}).then(() => (this.pending ? this.send(this.pending) : undefined));
    this.running = run;
    return run;
  }

  private async prepare(kind: BackupKind, maintenanceJobId: string | undefined): Promise<PendingUpload> {
    const data = await this.handlers.collect();
    const findings = findPans({ configuration: data.configuration, settings: data.settings }, '$');
    if (findings.length) {
      const error = new CardDataInBackupError(findings);
      this.onEvent({ type: 'refused', kind, reason: error.message });
      throw error;
    }
    const takenAt = this.port.now().toISOString();
    const plaintext = new TextEncoder().encode(JSON.stringify({ format: FORMAT, serialNumber: this.port.serialNumber, takenAt, kind, configuration: data.configuration, settings: data.settings }));
    const escrow = await this.escrowKey();
    const sealed = await seal(plaintext, escrow.key);
    const chunkSize = Math.max(1024, Math.min(512 * 1024, this.handlers.chunkSize ?? DEFAULT_CHUNK));
    const start: BackupStart = {
      uploadId: crypto.randomUUID(), kind, sha256: sealed.sha256, sizeBytes: sealed.ciphertext.length, chunkSize, keyId: escrow.keyId,
      wrappedKey: sealed.wrappedKey, iv: sealed.iv, takenAt, ...(maintenanceJobId && { maintenanceJobId }),
    };
    this.pending = { start, ciphertext: sealed.ciphertext };
    return this.pending;
  }

  private async escrowKey(): Promise<{ keyId: string; key: CryptoKey }> {
    if (!this.escrow) {
      const view = await this.port.getJson<EscrowKeyView>('/device/v1/backup-key');
      this.escrow = { keyId: view.keyId, key: await importPublicKey(view.publicKeySpki) };
    }
    return this.escrow;
  }

  /** Sends what the server lacks (the shared chunked upload), then forgets the upload once it is stored. */
  private async send(upload: PendingUpload): Promise<BackupView> {
    const { start, ciphertext } = upload;
    try {
      const stored = await uploadInChunks<BackupView>(this.port, { startPath: '/device/v1/backups', start, bytes: ciphertext });
      this.pending = undefined;
      this.onEvent({ type: 'stored', backupId: stored.id, kind: stored.kind, sizeBytes: stored.sizeBytes });
      return stored;
    } catch (error) {
      if (!(error instanceof PosFleetError && error.retryable)) {
        // Refused for good (did not verify, a stale escrow key): a new backup is taken next time.
        this.pending = undefined;
        if (error instanceof PosFleetError && error.field === 'keyId') this.escrow = undefined;
        this.onEvent({ type: 'refused', kind: start.kind, reason: error instanceof Error ? error.message : String(error) });
      }
      throw error;
    }
  }

  /**
   * Asks the server whether this terminal has data to restore (a swap, an operator's request, or with
   * `fresh` its own newest backup after a factory reset) and restores it. Null when there is none.
   */
  async restore(fresh: boolean): Promise<RestoreView | null> {
    const keys = await restoreKeyPair();
    const { restore } = await this.port.postJson<RestoreOffer>('/device/v1/restore/offer', { publicKeySpki: keys.publicKeySpki, fresh });
    if (!restore) return null;
    this.restoringNow = true;
    const resultPath = `/device/v1/restores/${encodeURIComponent(restore.restoreId)}/result`;
    try {
      let data: RestoredData;
      try {
        const response = await this.port.fetchRaw(`/device/v1/restores/${encodeURIComponent(restore.restoreId)}/data`);
        if (!response.ok) throw new PosFleetError(`http_${response.status}`, `the backup download answered ${response.status}: ${await response.text()}`, { status: response.status });
        const ciphertext = new Uint8Array(await response.arrayBuffer());
        const hash = await sha256Hex(ciphertext);
        if (hash !== restore.sha256) throw new PosFleetError('backup_does_not_verify', `the downloaded backup hashes to ${hash}, not ${restore.sha256}`);
        const plaintext = await open(ciphertext, restore.iv, restore.wrappedKey, keys.privateKey);
        const content = JSON.parse(new TextDecoder().decode(plaintext)) as { format?: string; takenAt: string } & TerminalData;
        if (content.format !== FORMAT) throw new PosFleetError('backup_format', `the backup's format ${String(content.format)} is not ${FORMAT}`);
        data = {
          configuration: content.configuration, settings: content.settings, serialNumber: this.port.serialNumber,
          sourceSerialNumber: restore.sourceSerialNumber, reason: restore.reason, takenAt: content.takenAt,
        };
        await this.handlers.restore(data);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.onEvent({ type: 'restore_failed', restoreId: restore.restoreId, reason });
        await this.port.postJson(resultPath, { status: 'failed', detail: reason.slice(0, 1000) }).catch(() => {});
        throw error;
      }
      const confirmed = await this.port.postJson<RestoreView>(resultPath, { status: 'restored' });
      this.onEvent({ type: 'restored', restoreId: restore.restoreId, reason: restore.reason, sourceSerialNumber: restore.sourceSerialNumber });
      return confirmed;
    } finally {
      this.restoringNow = false;
    }
  }
}

