// The terminal SDK a POS application embeds: enrolment, the heartbeat loop, commands, and whether the
// terminal may take payments right now. It speaks /device/v1 over fetch and nothing Node-specific.
import type { Command, CommandResultInput, EnrolResponse, HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../device/device.schemas.ts';

/** What the POS application reports; the SDK adds the sequence number and the time it was sent. */
export type HeartbeatContent = Omit<HeartbeatReport, 'seq' | 'sentAt'>;
export type TerminalMode = HeartbeatAnswer['mode'];
export type Locale = 'zh-CN' | 'en';
/** not_enrolled → idle ⇄ running; revoked after a 401 until the terminal enrols again. */
export type TerminalStatus = 'not_enrolled' | 'idle' | 'running' | 'revoked';
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What a POS application should keep across restarts (given back through the constructor). */
export interface SavedState {
  credential: string;
  /** The last sequence number handed out; null before the first heartbeat. */
  lastSeq: number | null;
  /** Kept so that a locked terminal is still locked after a reboot, before its first answer. */
  mode: TerminalMode;
}

export interface RetryPolicy {
  /** Tries per call, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One try gives up after this long and counts as a network error. */
  timeoutMs: number;
}

export interface TerminalClientOptions {
  /** PosFleet server URL, e.g. https://posfleet.example.com */
  server: string;
  serialNumber: string;
  credential?: string;
  lastSeq?: number | null;
  mode?: TerminalMode;
  fetch?: FetchLike;
  /** Called whenever SavedState changes; a returned promise is awaited before the next request. */
  store?: (state: SavedState) => void | Promise<void>;
  onStatusChange?: (status: TerminalStatus) => void;
  /** Failures of the heartbeat loop, which keeps going (except after a 401). */
  onError?: (error: unknown) => void;
  locale?: Locale;
  retry?: Partial<RetryPolicy>;
  now?: () => Date;
  /** Source of back-off jitter in [0, 1). */
  random?: () => number;
}

export interface StartOptions {
  /** Wait this long before the first heartbeat, so a fleet switched on together does not beat together. */
  firstDelayMs?: number;
  /** Beat at this interval instead of the one the server asks for (simulators, tests). */
  intervalSeconds?: number;
}

export interface CallOptions {
  /** Aborting ends back-off waits early; a request already sent is still answered. */
  signal?: AbortSignal;
}

/** A failed call: `status` is the HTTP status, or undefined when the server was not reached. */
export class PosFleetError extends Error {
  override readonly name = 'PosFleetError';
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    /** The server's error code (validation_error, unauthenticated, ...), or network_error, revoked, not_enrolled. */
    readonly code: string,
    message: string,
    details: { status?: number; field?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.field = details.field;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Network failures, server faults and rate limits may pass; any other 4xx will fail again. */
  get retryable(): boolean {
    if (this.status === undefined) return this.code === 'network_error';
    return this.status >= 500 || this.status === 429;
  }
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 15_000 };
const DEFAULT_INTERVAL_SECONDS = 60;

const MODE_MESSAGES: Record<Exclude<TerminalMode, 'normal'>, Record<Locale, string>> = {
  maintenance: { 'zh-CN': '功能维护中', en: 'Under maintenance' },
  locked: { 'zh-CN': '终端已锁定，请联系服务商', en: 'Terminal locked, contact your provider' },
};

/** What the cashier is told when the terminal's mode refuses payments; undefined in normal mode. */
export function transactionMessage(mode: TerminalMode, locale: Locale): string | undefined {
  return mode === 'normal' ? undefined : MODE_MESSAGES[mode][locale];
}

/** Full-jitter exponential back-off: anywhere up to base·2^attempt, capped, never sooner than Retry-After. */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: number, retryAfterMs = 0): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.max(retryAfterMs, Math.floor(random * ceiling));
}

export class PosFleetTerminal {
  readonly serialNumber: string;
  private readonly server: string;
  private readonly fetchImpl: FetchLike;
  private readonly retry: RetryPolicy;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly locale: Locale;
  private readonly options: TerminalClientOptions;

  private credential: string | undefined;
  private lastSeq: number | null;
  private serverLastSeq = 0;
  private currentMode: TerminalMode;
  private commands: PendingCommand[] = [];
  private intervalSeconds = DEFAULT_INTERVAL_SECONDS;
  private currentStatus: TerminalStatus;
  private loop: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(options: TerminalClientOptions) {
    this.options = options;
    this.serialNumber = options.serialNumber;
    this.server = options.server.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.locale = options.locale ?? 'zh-CN';
    this.credential = options.credential;
    this.lastSeq = options.lastSeq ?? null;
    this.currentMode = options.mode ?? 'normal';
    this.currentStatus = this.credential ? 'idle' : 'not_enrolled';
  }

  get status(): TerminalStatus {
    return this.currentStatus;
  }

  /** The mode of the last answer: normal, maintenance or locked. */
  get mode(): TerminalMode {
    return this.currentMode;
  }

  /** Commands the server handed out and whose result has not been reported yet. */
  get pendingCommands(): readonly PendingCommand[] {
    return this.commands;
  }

  /** Whether the POS application may take a payment now, and what to show the cashier if not. */
  canTransact(): { allowed: boolean; message?: string } {
    const message = transactionMessage(this.currentMode, this.locale);
    return message === undefined ? { allowed: true } : { allowed: false, message };
  }

  /** Trades a one-time enrolment code for this terminal's credential (replacing any earlier one). */
  async enrol(code: string, options: CallOptions = {}): Promise<{ terminalId: string }> {
    // A retry after a lost answer costs one more use of a multi-use code; the newer credential wins.
    const answer = await this.post<EnrolResponse>('/device/v1/enrol', { serialNumber: this.serialNumber, code }, undefined, options.signal);
    this.credential = answer.credential;
    this.serverLastSeq = answer.lastSeq;
    if (this.lastSeq !== null) this.lastSeq = Math.max(this.lastSeq, answer.lastSeq);
    this.intervalSeconds = answer.heartbeatIntervalSeconds;
    await this.save();
    this.setStatus(this.loop ? 'running' : 'idle');
    return { terminalId: answer.terminalId };
  }

  /** Sends one heartbeat with the next sequence number and returns the server's answer. */
  async heartbeat(content: HeartbeatContent, options: CallOptions = {}): Promise<HeartbeatAnswer> {
    this.requireCredential();
    const seq = this.takeSeq();
    await this.save();
    return this.sendHeartbeat({ ...content, seq, sentAt: this.now().toISOString() }, options);
  }

  /**
   * Sends an already numbered report, retrying network failures and 5xx/429 with the same seq: the
   * server stores a seq once, so a retry of a heartbeat it did receive is answered `duplicate: true`.
   * Low level: it does not advance the counter (heartbeat() does).
   */
  async sendHeartbeat(report: HeartbeatReport, options: CallOptions = {}): Promise<HeartbeatAnswer> {
    const answer = await this.authorised(() => this.post<HeartbeatAnswer>('/device/v1/heartbeat', report, this.requireCredential(), options.signal));
    this.intervalSeconds = answer.heartbeatIntervalSeconds;
    this.commands = answer.commands;
    if (answer.mode !== this.currentMode) {
      this.currentMode = answer.mode;
      await this.save();
    }
    return answer;
  }

  /** Reports how a command went. Safe to repeat: the server keeps the first result. */
  async reportCommandResult(commandId: string, status: CommandResultInput['status'], output?: Record<string, unknown>, options: CallOptions = {}): Promise<Command> {
    const body: CommandResultInput = output === undefined ? { status } : { status, output };
    const path = `/device/v1/commands/${encodeURIComponent(commandId)}/result`;
    const command = await this.authorised(() => this.post<Command>(path, body, this.requireCredential(), options.signal));
    this.commands = this.commands.filter((c) => c.id !== commandId);
    return command;
  }

  /**
   * Beats until stop(), at the server's interval: `collectReport` is asked for a fresh report each
   * time. A failed heartbeat is reported to onError and the loop goes on; a 401 ends it.
   */
  start(collectReport: () => HeartbeatContent | Promise<HeartbeatContent>, options: StartOptions = {}): void {
    if (this.loop) return;
    this.requireCredential();
    const controller = new AbortController();
    this.setStatus('running');
    const done = this.run(collectReport, options, controller.signal).finally(() => {
      this.loop = undefined;
      if (this.currentStatus === 'running') this.setStatus('idle');
    });
    this.loop = { controller, done };
  }

  /** Ends the loop and waits for a heartbeat in flight to be answered. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.controller.abort();
    await loop.done;
  }

  private async run(collectReport: () => HeartbeatContent | Promise<HeartbeatContent>, options: StartOptions, signal: AbortSignal): Promise<void> {
    await sleep(options.firstDelayMs ?? 0, signal);
    while (!signal.aborted && this.currentStatus === 'running') {
      const began = Date.now();
      try {
        await this.heartbeat(await collectReport(), { signal });
      } catch (error) {
        // Errors caused by stop() itself (an abandoned back-off) are nobody's concern.
        if (!signal.aborted) this.options.onError?.(error);
      }
      const intervalMs = (options.intervalSeconds ?? this.intervalSeconds) * 1000;
      // Fixed rate: a slow heartbeat does not push every later one back.
      await sleep(Math.max(0, began + intervalMs - Date.now()), signal);
    }
  }

  /** A 401 means the credential was revoked (or the terminal removed): stop, and say so once. */
  private async authorised<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PosFleetError && error.status === 401) {
        this.setStatus('revoked');
        this.loop?.controller.abort();
      }
      throw error;
    }
  }

  /**
   * The next sequence number. With no saved counter the first one is the current time in ms (or the
   * server's last seq + 1 if that is higher). A counter that began at the clock and grew by one per
   * heartbeat (far less than once a ms) stays behind the clock, so a terminal that lost its counter
   * still moves forward, and its new heartbeats are not taken for retries of old ones.
   */
  private takeSeq(): number {
    const seq = this.lastSeq === null ? Math.max(this.serverLastSeq + 1, this.now().getTime()) : this.lastSeq + 1;
    this.lastSeq = seq;
    return seq;
  }

  private requireCredential(): string {
    if (this.currentStatus === 'revoked') {
      throw new PosFleetError('revoked', `terminal ${this.serialNumber}: its credential was revoked; enrol it again with a new code`);
    }
    if (!this.credential) throw new PosFleetError('not_enrolled', `terminal ${this.serialNumber} is not enrolled; call enrol(code) first`);
    return this.credential;
  }

  private async save(): Promise<void> {
    if (this.credential) await this.options.store?.({ credential: this.credential, lastSeq: this.lastSeq, mode: this.currentMode });
  }

  private setStatus(status: TerminalStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.options.onStatusChange?.(status);
  }

  /** POST with retries of what may pass (see PosFleetError.retryable), with back-off between tries. */
  private async post<T>(path: string, body: unknown, credential: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.postOnce<T>(path, body, credential);
      } catch (error) {
        const last = attempt + 1 >= this.retry.attempts;
        if (!(error instanceof PosFleetError) || !error.retryable || last || signal?.aborted) throw error;
        await sleep(backoffDelayMs(attempt, this.retry, this.random(), error.retryAfterMs), signal);
        if (signal?.aborted) throw error;
      }
    }
  }

  private async postOnce<T>(path: string, body: unknown, credential: string | undefined): Promise<T> {
    const url = this.server + path;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (credential) headers.authorization = `Bearer ${credential}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.retry.timeoutMs) });
      text = await response.text();
    } catch (cause) {
      throw new PosFleetError('network_error', `cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const parsed = parseBody(text);
    if (response.ok) {
      if (parsed === undefined) throw new PosFleetError('bad_response', `${url} answered ${response.status} without a JSON body`, { status: response.status });
      return parsed as T;
    }
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new PosFleetError(error?.code ?? `http_${response.status}`, error?.message ?? `${url} answered ${response.status}`, {
      status: response.status, field: error?.field, retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    });
  }
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Waits, or less if the signal aborts first. Never rejects. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
