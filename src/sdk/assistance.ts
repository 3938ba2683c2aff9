// Remote assistance on the terminal. When the server asks (a collect_logs or screenshot command), the
// POS application hands over its log lines or the screen as PNG bytes; the SDK keeps the newest part
// under the size the command allows, compresses logs (gzip), and uploads the file in chunks through the
// same resumable upload as backups: after a dropped link the next heartbeat resumes it, sending only
// the chunks the server lacks. A show_message command puts an operator's message on the screen
// (onMessage) until the staff acknowledge it (acknowledgeMessage), which the server records.
import type { PendingCommand } from '../protocol/index.ts';
import type { ArtifactStart, ArtifactView, CollectPayload, ScreenMessageView, ShowMessagePayload } from '../protocol/index.ts';
import { sha256Hex } from '../protocol/index.ts';
import { uploadInChunks, type ChunkPort } from './chunked-upload.ts';
import { PosFleetError } from './errors.ts';

export interface AssistanceHandlers {
  /** The application's log lines, oldest first (text or lines). */
  logs?: () => string | readonly string[] | Promise<string | readonly string[]>;
  /** The screen as it is now, PNG bytes. */
  screenshot?: () => Uint8Array | Promise<Uint8Array>;
  /** Bytes per uploaded chunk (default 256 KiB). */
  chunkSize?: number;
}

export interface ScreenMessage {
  id: string;
  text: string;
  sentAt: string;
}

export type AssistanceEvent =
  | { type: 'file_stored'; kind: ArtifactStart['kind']; fileId: string; sizeBytes: number; truncated: boolean }
  | { type: 'file_interrupted'; kind: ArtifactStart['kind']; reason: string }
  | { type: 'file_failed'; kind: ArtifactStart['kind']; reason: string };

export interface AssistancePort extends ChunkPort {
  reportResult(commandId: string, status: 'succeeded' | 'failed', output: Record<string, unknown>): Promise<unknown>;
  now(): Date;
}

interface PendingFile {
  commandId: string;
  start: ArtifactStart;
  bytes: Uint8Array;
}

const DEFAULT_CHUNK = 256 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const ASSISTANCE_COMMANDS = ['collect_logs', 'screenshot', 'show_message'] as const;

/** gzip with the platform's CompressionStream (browsers, Node 18+, React Native with a polyfill). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The newest lines whose gzip fits in maxBytes: the whole log when it fits, else the oldest lines are
 * left out (halving what is cut until it fits), with a first line saying so.
 */
export async function cappedLogs(lines: readonly string[], maxBytes: number): Promise<{ text: Uint8Array; gzipped: Uint8Array; truncated: boolean }> {
  const encode = (ls: readonly string[]) => new TextEncoder().encode(ls.join('\n') + (ls.length ? '\n' : ''));
  let keep = lines.length;
  for (;;) {
    const kept = lines.slice(lines.length - keep);
    const truncated = keep < lines.length;
    const text = encode(truncated ? [`[posfleet] ${lines.length - keep} older lines left out to stay under ${maxBytes} bytes`, ...kept] : kept);
    const gzipped = await gzip(text);
    if (gzipped.length <= maxBytes || keep === 0) return { text, gzipped, truncated };
    keep = Math.floor(keep * Math.min(0.9, maxBytes / gzipped.length));
  }
}

export class AssistanceAgent {
  private readonly pending = new Map<string, PendingFile>();
  private readonly seen = new Set<string>();
  private readonly shownMessages = new Map<string, ScreenMessage>();
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly port: AssistancePort,
    private readonly handlers: AssistanceHandlers,
    private readonly onMessage: ((message: ScreenMessage) => void) | undefined,
    private readonly onEvent: (event: AssistanceEvent) => void = () => {},
  ) {}

  /** Whether this agent takes the command (the others stay with the application). */
  takes(command: PendingCommand): boolean {
    if (command.type === 'collect_logs') return !!this.handlers.logs;
    if (command.type === 'screenshot') return !!this.handlers.screenshot;
    if (command.type === 'show_message') return !!this.onMessage;
    return false;
  }

  /** Messages on the screen, not yet acknowledged. */
  get messages(): readonly ScreenMessage[] {
    return [...this.shownMessages.values()];
  }

  /** Files whose upload a dropped link interrupted. */
  get unfinished(): number {
    return this.pending.size;
  }

  /** After each heartbeat answer: carries out the new commands, then resumes interrupted uploads (one at a time, in the background). */
  handle(commands: readonly PendingCommand[]): Promise<unknown> {
    const fresh = commands.filter((c) => this.takes(c) && !this.seen.has(c.id));
    for (const c of fresh) this.seen.add(c.id);
    if (!fresh.length && !this.pending.size) return this.running;
    const run = this.running.catch(() => {}).then(async () => {
      for (const command of fresh) await this.carryOut(command);
      for (const file of [...this.pending.values()]) await this.send(file);
    });
    this.running = run.catch(() => {});
    return run;
  }

  /** Waits for what handle() started (tests, a clean shutdown). */
  idle(): Promise<unknown> {
    return this.running;
  }

  /** Staff acknowledged the message on the screen; the server records when and by whom. */
  async acknowledge(messageId: string, by: string): Promise<ScreenMessageView> {
    const view = await this.port.postJson<ScreenMessageView>(`/device/v1/messages/${encodeURIComponent(messageId)}/acknowledge`, { by });
    this.shownMessages.delete(messageId);
    return view;
  }

  private async carryOut(command: PendingCommand): Promise<void> {
    try {
      if (command.type === 'show_message') {
        const payload = command.payload as unknown as ShowMessagePayload;
        const message: ScreenMessage = { id: payload.messageId, text: payload.text, sentAt: payload.sentAt };
        this.shownMessages.set(message.id, message);
        this.onMessage!(message);
        await this.port.postJson(`/device/v1/messages/${encodeURIComponent(message.id)}/shown`, {});
        await this.port.reportResult(command.id, 'succeeded', { shown: true });
        return;
      }
      const file = await this.prepare(command);
      this.pending.set(command.id, file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (command.type !== 'show_message') this.onEvent({ type: 'file_failed', kind: command.type === 'screenshot' ? 'screenshot' : 'logs', reason });
      await this.port.reportResult(command.id, 'failed', { reason: reason.slice(0, 1000) }).catch(() => {});
    }
  }

  private async prepare(command: PendingCommand): Promise<PendingFile> {
    const payload = command.payload as Partial<CollectPayload>;
    const maxBytes = typeof payload.maxBytes === 'number' ? payload.maxBytes : 2 * 1024 * 1024;
    const chunkSize = Math.max(1024, Math.min(512 * 1024, this.handlers.chunkSize ?? DEFAULT_CHUNK));
    const takenAt = this.port.now().toISOString();
    const base = { uploadId: crypto.randomUUID(), commandId: command.id, chunkSize, takenAt };
    if (command.type === 'screenshot') {
      const png = await this.handlers.screenshot!();
      if (!PNG_SIGNATURE.every((b, i) => png[i] === b)) throw new PosFleetError('not_png', 'the screenshot handler did not return PNG bytes');
      if (png.length > maxBytes) throw new PosFleetError('screenshot_too_large', `the screenshot is ${png.length} bytes, more than the ${maxBytes} allowed`);
      const bytes = new Uint8Array(png);
      return { commandId: command.id, bytes, start: { ...base, kind: 'screenshot', encoding: 'identity', sha256: await sha256Hex(bytes), sizeBytes: bytes.length, originalBytes: bytes.length, truncated: false } };
    }
    const raw = await this.handlers.logs!();
    const lines = typeof raw === 'string' ? raw.split('\n') : raw;
    const { text, gzipped, truncated } = await cappedLogs(lines, maxBytes);
    const bytes = new Uint8Array(gzipped);
    return { commandId: command.id, bytes, start: { ...base, kind: 'logs', encoding: 'gzip', sha256: await sha256Hex(bytes), sizeBytes: bytes.length, originalBytes: text.length, truncated } };
  }

  /** Uploads what the server lacks; a dropped link keeps the file for the next heartbeat. */
  private async send(file: PendingFile): Promise<void> {
    try {
      const stored = await uploadInChunks<ArtifactView>(this.port, { startPath: '/device/v1/files', start: file.start, bytes: file.bytes });
      this.pending.delete(file.commandId);
      this.onEvent({ type: 'file_stored', kind: stored.kind, fileId: stored.id, sizeBytes: stored.sizeBytes, truncated: stored.truncated });
      await this.port.reportResult(file.commandId, 'succeeded', { fileId: stored.id, sizeBytes: stored.sizeBytes, truncated: stored.truncated }).catch(() => {});
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof PosFleetError && error.retryable) {
        this.onEvent({ type: 'file_interrupted', kind: file.start.kind, reason });
        return;
      }
      this.pending.delete(file.commandId);
      this.onEvent({ type: 'file_failed', kind: file.start.kind, reason });
      await this.port.reportResult(file.commandId, 'failed', { reason: reason.slice(0, 1000) }).catch(() => {});
    }
  }
}
