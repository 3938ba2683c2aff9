// Terminal backups: a terminal uploads its encrypted backup in chunks (asking again tells it which
// chunks the server has, so a dropped link resumes), the server verifies the SHA-256 of what arrived
// against what the terminal declared and refuses a backup that does not verify; operators list and
// download them; the retention job prunes what the policy no longer keeps.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/time.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import type { BackupKind } from '../db/schema.ts';
import { chunkCount, expectedChunkBytes, missingChunks } from '../shared/chunk-store.ts';
import type { BackupStore } from './backup-store.ts';
import type { EscrowKey } from './escrow-key.ts';
import { backupsToPrune, RETENTION } from './retention.ts';
import type { BackupRow, TerminalDataRepository } from './terminal-data.repository.ts';
import type { BackupStart, BackupView, EscrowKeyView, UploadStatus } from './terminal-data.schemas.ts';

/** An upload not finished within this long is discarded (the terminal starts a new one). */
const STALE_UPLOAD_MS = 2 * 86_400_000;

export class BackupsService {
  constructor(
    private readonly repo: TerminalDataRepository,
    private readonly store: BackupStore,
    private readonly escrow: () => Promise<EscrowKey>,
    private readonly clock: Clock,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  async escrowKey(): Promise<EscrowKeyView> {
    const key = await this.escrow();
    return { keyId: key.keyId, algorithm: 'RSA-OAEP-256', publicKeySpki: key.publicKeySpki };
  }

  /** Starts an upload, or (same uploadId) says how far it got. */
  async start(terminalId: string, input: BackupStart): Promise<{ created: boolean; status: UploadStatus }> {
    const key = await this.escrow();
    if (input.keyId !== key.keyId) throw invalidField('keyId', 'terminal_data.wrong_escrow_key');
    const existing = await this.repo.findUpload(terminalId, input.uploadId);
    if (existing) {
      if (existing.sha256 !== input.sha256 || existing.size_bytes !== input.sizeBytes || existing.chunk_size !== input.chunkSize) {
        throw refused('terminal_data.upload_other_content', {}, { field: 'uploadId', retryable: false });
      }
      return { created: false, status: await this.status(existing) };
    }
    const row: BackupRow = {
      id: randomUUID(), terminal_id: terminalId, upload_id: input.uploadId, kind: input.kind, state: 'uploading', sha256: input.sha256,
      size_bytes: input.sizeBytes, chunk_size: input.chunkSize, chunk_count: chunkCount(input.sizeBytes, input.chunkSize), key_id: input.keyId,
      wrapped_key: input.wrappedKey, iv: input.iv, maintenance_job_id: input.maintenanceJobId ?? null, taken_at: input.takenAt, created_at: this.now(),
      stored_at: null, refused_reason: null, pruned_at: null,
    };
    await this.repo.insertBackup(row);
    const stored = (await this.repo.findUpload(terminalId, input.uploadId))!;
    return { created: stored.id === row.id, status: await this.status(stored) };
  }

  async uploadStatus(terminalId: string, uploadId: string): Promise<UploadStatus> {
    return this.status(await this.upload(terminalId, uploadId));
  }

  /** Keeps one chunk (a chunk sent again replaces itself: the same bytes, or the terminal's correction). */
  async putChunk(terminalId: string, uploadId: string, index: number, data: string): Promise<UploadStatus> {
    const backup = await this.upload(terminalId, uploadId);
    if (backup.state !== 'uploading') throw refused('terminal_data.upload_not_open', { state: backup.state, chunks: 'yes' }, { field: 'uploadId', retryable: false });
    if (index >= backup.chunk_count) throw invalidField('index', 'terminal_data.chunk_index', { count: backup.chunk_count });
    const bytes = Buffer.from(data, 'base64');
    const expected = expectedChunkBytes(backup, index);
    if (bytes.length !== expected) throw invalidField('data', 'terminal_data.chunk_size', { index, expected, actual: bytes.length });
    await this.store.putChunk(backup.id, index, bytes);
    return this.status(backup);
  }

  /**
   * Joins the chunks and verifies them: a backup whose SHA-256 is not the one declared is refused
   * (422-like 400 naming sha256), kept as `refused` for the record, and its bytes discarded.
   */
  async complete(terminalId: string, uploadId: string): Promise<BackupView> {
    const backup = await this.upload(terminalId, uploadId);
    if (backup.state === 'stored') return this.view(backup);
    if (backup.state !== 'uploading') throw refused('terminal_data.upload_not_open', { state: backup.state, chunks: 'no' }, { field: 'uploadId', retryable: false });
    const received = await this.store.received(backup.id);
    const missing = missingChunks(backup.chunk_count, received);
    if (missing.length) throw refused('terminal_data.chunks_missing', { count: missing.length, list: missing.slice(0, 20).join(', ') }, { field: 'received', details: { missing } });
    const joined = await this.store.assemble(backup.id, terminalId, backup.chunk_count);
    await this.store.discardUpload(backup.id);
    const now = this.now();
    if (joined.sha256 !== backup.sha256 || joined.size !== backup.size_bytes) {
      const reason = `the received bytes hash to ${joined.sha256} (${joined.size} bytes), not the declared ${backup.sha256} (${backup.size_bytes} bytes)`;
      await this.store.discardFile(terminalId, backup.id);
      await this.repo.setBackupState(backup.id, 'uploading', { state: 'refused', refused_reason: reason });
      this.log?.('terminal backup refused', { terminalId, backupId: backup.id, reason });
      throw invalidField('sha256', 'terminal_data.backup_not_verified', { hash: joined.sha256, size: joined.size, declared: backup.sha256, declaredSize: Number(backup.size_bytes) });
    }
    await this.repo.setBackupState(backup.id, 'uploading', { state: 'stored', stored_at: now });
    return this.view((await this.repo.findBackup(backup.id))!);
  }

  async list(terminalId: string, query: { state?: BackupRow['state'] | undefined; limit?: number | undefined }): Promise<{ items: BackupView[] }> {
    const rows = await this.repo.listBackups(terminalId, query.state, query.limit ?? 100);
    const newest = rows.filter((r) => r.state === 'stored').sort((a, b) => (b.stored_at ?? '').localeCompare(a.stored_at ?? ''))[0]?.id;
    return { items: rows.map((r) => this.view(r, r.id === newest)) };
  }

  /** The encrypted bytes of a stored backup, verified first: a file changed at rest is marked corrupt, not served. */
  async download(terminalId: string, backupId: string): Promise<{ backup: BackupView; bytes: Buffer }> {
    const backup = await this.repo.findBackup(backupId);
    if (!backup || backup.terminal_id !== terminalId) return orNotFound('backup', backupId);
    if (backup.state !== 'stored') throw refused('terminal_data.backup_not_stored', { state: backup.state, action: 'download' }, { retryable: false });
    if (!(await this.verifyAtRest(backup))) throw refused('terminal_data.backup_corrupt', {}, { retryable: false });
    return { backup: this.view(backup), bytes: await this.store.read(terminalId, backupId) };
  }

  /** True when the stored file still hashes to its SHA-256; otherwise it is marked corrupt. */
  async verifyAtRest(backup: BackupRow): Promise<boolean> {
    const hash = await this.store.hashOf(backup.terminal_id, backup.id);
    if (hash === backup.sha256) return true;
    await this.repo.setBackupState(backup.id, 'stored', { state: 'corrupt', refused_reason: hash ? `stored file hashes to ${hash}, not ${backup.sha256}` : 'stored file is missing' });
    this.log?.('terminal backup corrupt at rest', { terminalId: backup.terminal_id, backupId: backup.id });
    return false;
  }

  /** The retention job: prunes what the policy does not keep, and uploads left unfinished. */
  async prune(): Promise<{ pruned: number; abandoned: number }> {
    const now = this.clock();
    const stored = await this.repo.allStored();
    const ids = backupsToPrune(stored.map((b) => ({ id: b.id, terminalId: b.terminal_id, kind: b.kind, storedAt: b.stored_at ?? '' })), now);
    const byId = new Map(stored.map((b) => [b.id, b]));
    let pruned = 0;
    for (const id of ids) {
      const b = byId.get(id)!;
      if (await this.repo.setBackupState(id, 'stored', { state: 'pruned', pruned_at: now.toISOString() })) {
        await this.store.discardFile(b.terminal_id, id);
        pruned++;
      }
    }
    let abandoned = 0;
    for (const upload of await this.repo.staleUploads(new Date(now.getTime() - STALE_UPLOAD_MS).toISOString())) {
      if (await this.repo.setBackupState(upload.id, 'uploading', { state: 'refused', refused_reason: 'upload not finished in time' })) {
        await this.store.discardUpload(upload.id);
        abandoned++;
      }
    }
    return { pruned, abandoned };
  }

  private async upload(terminalId: string, uploadId: string): Promise<BackupRow> {
    return (await this.repo.findUpload(terminalId, uploadId)) ?? orNotFound('upload', uploadId);
  }

  private async status(backup: BackupRow): Promise<UploadStatus> {
    const received = backup.state === 'uploading' ? await this.store.received(backup.id) : backup.state === 'stored' ? [...Array(backup.chunk_count).keys()] : [];
    return { backupId: backup.id, uploadId: backup.upload_id, state: backup.state, chunkCount: backup.chunk_count, received };
  }

  view(row: BackupRow, newest = false): BackupView {
    return {
      id: row.id, terminalId: row.terminal_id, kind: row.kind, state: row.state, sha256: row.sha256, sizeBytes: Number(row.size_bytes), takenAt: row.taken_at,
      storedAt: row.stored_at, maintenanceJobId: row.maintenance_job_id, refusedReason: row.refused_reason,
      keptUntil: row.state === 'stored' && !newest ? keptUntil(row.kind, row.stored_at) : null,
    };
  }
}

/** For pre-maintenance and manual backups, the day retention drops them (weekly ones go when 4 newer exist). */
function keptUntil(kind: BackupKind, storedAt: string | null): string | null {
  if (!storedAt || kind === 'weekly') return null;
  const days = kind === 'pre_maintenance' ? RETENTION.preMaintenanceDays : RETENTION.manualDays;
  return new Date(Date.parse(storedAt) + days * 86_400_000).toISOString();
}
