// Cross-node truth for what a node caches. On PostgreSQL, database triggers (migration 0020) announce
// on the `posfleet_invalidate` channel whatever ends a cached answer: a revoked terminal credential or a
// deleted terminal (`terminal:<id>`), a revoked API token or a changed account (`access`), a model's
// fault-rule thresholds (`model:<id>`). Each node
// listens on one connection of its own and forgets the entries at once. When that connection breaks,
// notices may have been missed: once listening again the node forgets everything (`all`), as it does when
// it first listens (entries read before then heard nothing). `listening` tells the caches whether they may
// trust their entries long (src/shared/revocable-cache.ts): a connection that dies silently (no reset, as
// behind a lost network path) is found by a probe every PROBE_MS that must be answered within
// PROBE_TIMEOUT_MS, so it stops counting as listening within about 5 s.
import pg from 'pg';

export const INVALIDATION_CHANNEL = 'posfleet_invalidate';
/** The listening connection's name in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'posfleet invalidation listener';
const PROBE_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

export type Invalidation = { kind: 'terminal'; terminalId: string } | { kind: 'model'; modelId: string } | { kind: 'access' } | { kind: 'all' };

/** A notice's payload as the triggers write it; undefined for one this version does not know. */
export function parseInvalidation(payload: string | undefined): Invalidation | undefined {
  if (payload === 'access') return { kind: 'access' };
  if (payload?.startsWith('terminal:') && payload.length > 'terminal:'.length) return { kind: 'terminal', terminalId: payload.slice('terminal:'.length) };
  if (payload?.startsWith('model:') && payload.length > 'model:'.length) return { kind: 'model', modelId: payload.slice('model:'.length) };
  return undefined;
}

export interface InvalidationListenerOptions {
  /** Waits between attempts to listen again after the connection broke: first, then doubling up to max. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often the listening connection is asked to answer, and how long it may take (else it counts as lost). */
  probeMs?: number;
  probeTimeoutMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class InvalidationListener {
  private readonly handlers: ((invalidation: Invalidation) => void)[] = [];
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = true;
  private failures = 0;
  /** True while notices are being heard. */
  listening = false;

  constructor(private readonly url: string, private readonly options: InvalidationListenerOptions = {}) {}

  on(handler: (invalidation: Invalidation) => void): this {
    this.handlers.push(handler);
    return this;
  }

  /** Starts listening; resolves once the first attempt is made (a database that is away is retried in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.probe);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private emit(invalidation: Invalidation): void {
    for (const handler of this.handlers) handler(invalidation);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
    this.client = client;
    let lost = false;
    const connectionLost = (error?: Error) => {
      if (lost || this.client !== client) return;
      lost = true;
      this.listening = false;
      clearInterval(this.probe);
      this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      if (error) this.options.log?.('cache invalidations: listening connection lost', { error: error.message });
      this.scheduleRetry();
    };
    // Unheard, a broken connection's error would end the process.
    client.on('error', connectionLost);
    client.on('end', () => connectionLost());
    client.on('notification', (message) => {
      const invalidation = message.channel === INVALIDATION_CHANNEL ? parseInvalidation(message.payload) : undefined;
      if (invalidation) this.emit(invalidation);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      connectionLost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.client !== client) return;
    this.listening = true;
    // Whatever changed while nobody listened (or before this node started): forget it all.
    if (this.failures > 0) this.options.log?.('cache invalidations: listening again');
    this.emit({ kind: 'all' });
    this.failures = 0;
    this.probe = setInterval(() => void this.ask(client, connectionLost), this.options.probeMs ?? PROBE_MS).unref();
  }

  /** The connection answers a query, so the notices sent before it have been heard; else it counts as lost. */
  private async ask(client: pg.Client, connectionLost: (error: Error) => void): Promise<void> {
    if (this.probing) return; // the last one has not been answered yet: its own timeout judges it
    this.probing = true;
    const timeoutMs = this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); });
    try {
      await Promise.race([client.query('SELECT 1'), silent]);
    } catch (error) {
      connectionLost(error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  private scheduleRetry(): void {
    const first = this.options.retryMs ?? 1_000;
    const delay = Math.min(first * 2 ** this.failures, this.options.maxRetryMs ?? 10_000);
    this.failures++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), delay);
  }
}
