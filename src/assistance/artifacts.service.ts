// Files a terminal uploads when asked — its logs (gzip) or a screenshot (PNG) — over the same chunked,
// resumable upload as its backups (src/shared/chunk-store.ts): the terminal declares the file, sends
// the chunks the server lacks, and completes; the server checks the SHA-256 and that the file is what
// it says (a gzip stream, a PNG) and keeps it under the retention setting, linked to the incident the
// command was sent for. Operators ask for one, list them per terminal and incident, and download them.
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Scope } from '../access/roles.ts';
import type { ArtifactKind } from '../db/schema.ts';
import { chunkCount, expectedChunkBytes, missingChunks, type ChunkStore } from '../shared/chunk-store.ts';
import { AppError, fromCatalogue, invalidField, orNotFound, refused } from '../shared/errors.ts';
import { formatMessage } from '../shared/messages/format.ts';
import type { Clock } from '../shared/time.ts';
import type { ArtifactRow, AssistanceRepository } from './assistance.repository.ts';
import { artifactFileName, artifactsToPrune, keptUntil } from './assistance.rules.ts';
import {
  DEFAULT_ARTIFACT_MAX_BYTES, type ArtifactRequestInput, type ArtifactStart, type ArtifactUploadStatus, type ArtifactView, type CollectPayload,
} from './assistance.schemas.ts';

/** An upload not finished within this long is discarded (the terminal starts a new one). */
const STALE_UPLOAD_MS = 2 * 86_400_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const COMMAND_OF: Record<ArtifactKind, 'collect_logs' | 'screenshot'> = { logs: 'collect_logs', screenshot: 'screenshot' };

/** The commands of the terminal protocol (the device capability), as far as assistance needs them. */
export interface CommandQueue {
  queueCommandOnce(terminalId: string, input: { type: 'collect_logs' | 'screenshot' | 'show_message'; payload?: Record<string, unknown> }, createdBy: string): Promise<{ command: { id: string }; created: boolean }>;
  findCommand(terminalId: string, commandId: string): Promise<{ type: string; payload: unknown; createdBy: string | null } | undefined>;
}

/** Incidents (the diagnostics capability): the one a file is asked for must be visible and about the terminal. */
export interface IncidentLookup {
  visible(id: string, scope: Scope): Promise<{ id: string; terminal_id: string | null }>;
}

export interface ArtifactSettings {
  retentionDays: number;
}

export class ArtifactsService {
  constructor(
    private readonly repo: AssistanceRepository,
    private readonly store: ChunkStore,
    private readonly commands: CommandQueue,
    private readonly incidents: IncidentLookup,
    private readonly serialOf: (terminalId: string) => Promise<string>,
    private readonly clock: Clock,
    private readonly settings: ArtifactSettings,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  /** An operator asks a terminal for its logs or a screenshot (for an incident, when given). */
  async request(terminalId: string, input: ArtifactRequestInput, scope: Scope, by: string): Promise<{ commandId: string; created: boolean }> {
    if (input.incidentId) {
      const incident = await this.incidents.visible(input.incidentId, scope);
      if (incident.terminal_id !== terminalId) throw invalidField('incidentId', 'assistance.incident_other_terminal');
    }
    const payload: CollectPayload = { maxBytes: input.maxBytes ?? DEFAULT_ARTIFACT_MAX_BYTES, ...(input.incidentId && { incidentId: input.incidentId }) };
    const { command, created } = await this.commands.queueCommandOnce(terminalId, { type: COMMAND_OF[input.kind], payload: { ...payload } }, by);
    return { commandId: command.id, created };
  }

  /** Starts an upload, or (same uploadId) says how far it got. */
  async start(terminalId: string, input: ArtifactStart): Promise<{ created: boolean; status: ArtifactUploadStatus }> {
    const existing = await this.repo.findUpload(terminalId, input.uploadId);
    if (existing) {
      if (existing.sha256 !== input.sha256 || existing.size_bytes !== input.sizeBytes || existing.chunk_size !== input.chunkSize) {
        throw refused('assistance.upload_other_content', {}, { field: 'uploadId', retryable: false });
      }
      return { created: false, status: await this.status(existing) };
    }
    if (input.encoding !== (input.kind === 'logs' ? 'gzip' : 'identity')) throw invalidField('encoding', 'assistance.encoding_wrong', { kind: input.kind });
    let incidentId: string | null = null;
    let requestedBy: string | null = null;
    let maxBytes = DEFAULT_ARTIFACT_MAX_BYTES;
    if (input.commandId) {
      const command = await this.commands.findCommand(terminalId, input.commandId);
      if (!command) return orNotFound('command', input.commandId);
      if (command.type !== COMMAND_OF[input.kind]) throw invalidField('commandId', 'assistance.command_other_kind', { type: command.type, expected: COMMAND_OF[input.kind] });
      const payload = (command.payload ?? {}) as Partial<CollectPayload>;
      incidentId = typeof payload.incidentId === 'string' ? payload.incidentId : null;
      if (typeof payload.maxBytes === 'number') maxBytes = payload.maxBytes;
      requestedBy = command.createdBy;
    }
    if (input.sizeBytes > maxBytes) throw invalidField('sizeBytes', 'assistance.file_too_large', { size: input.sizeBytes, max: maxBytes });
    const row: ArtifactRow = {
      id: randomUUID(), terminal_id: terminalId, upload_id: input.uploadId, command_id: input.commandId ?? null, incident_id: incidentId, kind: input.kind,
      state: 'uploading', content_type: input.kind === 'logs' ? 'text/plain; charset=utf-8' : 'image/png', encoding: input.encoding, sha256: input.sha256,
      size_bytes: input.sizeBytes, original_bytes: input.originalBytes, truncated: input.truncated ? 1 : 0, chunk_size: input.chunkSize,
      chunk_count: chunkCount(input.sizeBytes, input.chunkSize), requested_by: requestedBy, taken_at: input.takenAt, created_at: this.clock().toISOString(),
      stored_at: null, refused_reason: null, pruned_at: null,
    };
    await this.repo.insertArtifact(row);
    const stored = (await this.repo.findUpload(terminalId, input.uploadId))!;
    return { created: stored.id === row.id, status: await this.status(stored) };
  }

  async uploadStatus(terminalId: string, uploadId: string): Promise<ArtifactUploadStatus> {
    return this.status(await this.upload(terminalId, uploadId));
  }

  /** Keeps one chunk (a chunk sent again replaces itself). */
  async putChunk(terminalId: string, uploadId: string, index: number, data: string): Promise<ArtifactUploadStatus> {
    const artifact = await this.upload(terminalId, uploadId);
    if (artifact.state !== 'uploading') throw refused('assistance.upload_not_open', { state: artifact.state, action: 'chunk' }, { field: 'uploadId', retryable: false });
    if (index >= artifact.chunk_count) throw invalidField('index', 'assistance.chunk_index', { count: artifact.chunk_count });
    const bytes = Buffer.from(data, 'base64');
    const expected = expectedChunkBytes(artifact, index);
    if (bytes.length !== expected) throw invalidField('data', 'assistance.chunk_size', { index, expected, actual: bytes.length });
    await this.store.putChunk(artifact.id, index, bytes);
    return this.status(artifact);
  }

  /** Joins and verifies the chunks: a file that does not hash to what was declared, or is not what it says, is refused. */
  async complete(terminalId: string, uploadId: string): Promise<ArtifactView> {
    const artifact = await this.upload(terminalId, uploadId);
    if (artifact.state === 'stored') return this.view(artifact);
    if (artifact.state !== 'uploading') throw refused('assistance.upload_not_open', { state: artifact.state, action: 'complete' }, { field: 'uploadId', retryable: false });
    const missing = missingChunks(artifact.chunk_count, await this.store.received(artifact.id));
    if (missing.length) {
      const said = { count: missing.length, list: missing.slice(0, 20).join(', ') };
      // AppError itself (not refused): the missing chunks' numbers also go in `details` for the terminal; the message is the catalogue's.
      throw new AppError('conflict', formatMessage('en', 'assistance.chunks_missing', said) ?? 'chunks missing', 'received', { missing }).says('assistance.chunks_missing', said);
    }
    const joined = await this.store.assemble(artifact.id, terminalId, artifact.chunk_count);
    await this.store.discardUpload(artifact.id);
    const declared = { declared: artifact.sha256, declaredSize: artifact.size_bytes, sha256: joined.sha256, size: joined.size };
    const problem = joined.sha256 !== artifact.sha256 || joined.size !== artifact.size_bytes
      ? { problem: 'hash' }
      : this.contentProblem(artifact, await this.store.read(terminalId, artifact.id));
    if (problem) {
      const { detail, ...said } = problem as { detail?: string; problem: string };
      const refusal = invalidField('sha256', 'assistance.file_not_verified', { ...declared, ...said });
      await this.store.discardFile(terminalId, artifact.id);
      await this.repo.setArtifactState(artifact.id, 'uploading', { state: 'refused', refused_reason: refusal.message });
      this.log?.('terminal file refused', { terminalId, artifactId: artifact.id, reason: refusal.message, detail });
      throw refusal;
    }
    await this.repo.setArtifactState(artifact.id, 'uploading', { state: 'stored', stored_at: this.clock().toISOString() });
    return this.view((await this.repo.findArtifact(artifact.id))!);
  }

  /** Logs must be one gzip stream whose text is as long as declared; a screenshot must be a PNG. */
  private contentProblem(artifact: ArtifactRow, bytes: Buffer): { problem: string; size?: number; declaredSize?: number; detail?: string } | null {
    if (artifact.kind === 'screenshot') return bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? null : { problem: 'not_png' };
    try {
      const text = gunzipSync(bytes, { maxOutputLength: Math.max(artifact.original_bytes, 1) });
      return text.length === artifact.original_bytes ? null : { problem: 'unpacked_size', size: text.length, declaredSize: artifact.original_bytes };
    } catch (error) {
      // zlib's words go to the log, not into the message.
      return { problem: 'not_gzip', declaredSize: artifact.original_bytes, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async listForTerminal(terminalId: string, limit = 100): Promise<{ items: ArtifactView[] }> {
    const rows = await this.repo.listForTerminal(terminalId, limit);
    return { items: await Promise.all(rows.map((r) => this.view(r))) };
  }

  async listForIncident(incidentId: string, scope: Scope): Promise<{ items: ArtifactView[] }> {
    await this.incidents.visible(incidentId, scope);
    const rows = await this.repo.listForIncident(incidentId);
    return { items: await Promise.all(rows.map((r) => this.view(r))) };
  }

  /** The stored bytes, verified first: a file changed at rest is marked corrupt, not served. */
  async download(terminalId: string, artifactId: string): Promise<{ artifact: ArtifactView; bytes: Buffer }> {
    const artifact = await this.repo.findArtifact(artifactId);
    if (!artifact || artifact.terminal_id !== terminalId) return orNotFound('file', artifactId);
    if (artifact.state !== 'stored') throw fromCatalogue('conflict', 'assistance.file_not_stored', { state: artifact.state }, { field: 'artifactId', retryable: artifact.state === 'uploading' });
    const hash = await this.store.hashOf(terminalId, artifactId);
    if (hash !== artifact.sha256) {
      await this.repo.setArtifactState(artifactId, 'stored', { state: 'corrupt', refused_reason: hash ? `stored file hashes to ${hash}, not ${artifact.sha256}` : 'stored file is missing' });
      throw fromCatalogue('conflict', 'assistance.file_not_stored', { state: 'corrupt' }, { field: 'artifactId' });
    }
    return { artifact: await this.view(artifact), bytes: await this.store.read(terminalId, artifactId) };
  }

  /** The retention job: removes files older than the setting, and uploads left unfinished. */
  async prune(): Promise<{ pruned: number; abandoned: number }> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - this.settings.retentionDays * 86_400_000).toISOString();
    const old = await this.repo.storedBefore(cutoff);
    const ids = new Set(artifactsToPrune(old.map((a) => ({ id: a.id, storedAt: a.stored_at ?? '' })), now, this.settings.retentionDays));
    let pruned = 0;
    for (const a of old.filter((x) => ids.has(x.id))) {
      if (await this.repo.setArtifactState(a.id, 'stored', { state: 'pruned', pruned_at: now.toISOString() })) {
        await this.store.discardFile(a.terminal_id, a.id);
        pruned++;
      }
    }
    let abandoned = 0;
    for (const upload of await this.repo.staleUploads(new Date(now.getTime() - STALE_UPLOAD_MS).toISOString())) {
      if (await this.repo.setArtifactState(upload.id, 'uploading', { state: 'refused', refused_reason: 'upload not finished in time' })) {
        await this.store.discardUpload(upload.id);
        abandoned++;
      }
    }
    return { pruned, abandoned };
  }

  private async upload(terminalId: string, uploadId: string): Promise<ArtifactRow> {
    return (await this.repo.findUpload(terminalId, uploadId)) ?? orNotFound('upload', uploadId);
  }

  private async status(row: ArtifactRow): Promise<ArtifactUploadStatus> {
    const received = row.state === 'uploading' ? await this.store.received(row.id) : row.state === 'stored' ? [...Array(row.chunk_count).keys()] : [];
    return { artifactId: row.id, uploadId: row.upload_id, state: row.state, chunkCount: row.chunk_count, received };
  }

  private async view(row: ArtifactRow): Promise<ArtifactView> {
    return {
      id: row.id, terminalId: row.terminal_id, incidentId: row.incident_id, commandId: row.command_id, kind: row.kind, state: row.state,
      contentType: row.content_type, encoding: row.encoding, fileName: artifactFileName(await this.serialOf(row.terminal_id), row.kind, row.taken_at, row.encoding),
      sha256: row.sha256, sizeBytes: Number(row.size_bytes), originalBytes: Number(row.original_bytes), truncated: !!row.truncated, requestedBy: row.requested_by,
      takenAt: row.taken_at, storedAt: row.stored_at, keptUntil: row.state === 'stored' && row.stored_at ? keptUntil(row.stored_at, this.settings.retentionDays) : null,
      refusedReason: row.refused_reason,
    };
  }
}
