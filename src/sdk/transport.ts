// How the SDK speaks to the server: one JSON call over fetch, a timeout on each try, and retries of what
// may pass (network failures, 5xx, 429; see PosFleetError.retryable) with full-jitter exponential
// back-off, never sooner than the server's Retry-After. Nothing Node-specific.
import { PosFleetError } from './errors.ts';
import { sleep, type Timers } from './timers.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;
export type Method = 'GET' | 'POST' | 'PUT';

export interface RetryPolicy {
  /** Tries per call, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One try gives up after this long and counts as a network error. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 15_000 };

/** Full-jitter exponential back-off: anywhere up to base·2^attempt, capped, never sooner than Retry-After. */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: number, retryAfterMs = 0): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.max(retryAfterMs, Math.floor(random * ceiling));
}

export class Transport {
  private readonly server: string;

  constructor(
    server: string,
    private readonly fetchImpl: FetchLike,
    private readonly retry: RetryPolicy,
    private readonly timers: Timers,
    /** Source of back-off jitter in [0, 1). */
    private readonly random: () => number,
  ) {
    this.server = server.replace(/\/+$/, '');
  }

  /** The longest one call can take, every try and wait included. */
  get longestRequestMs(): number {
    return this.retry.attempts * (this.retry.timeoutMs + this.retry.maxDelayMs);
  }

  /** A call with retries of what may pass (see PosFleetError.retryable), with back-off between tries. */
  async request<T>(method: Method, path: string, body: unknown, credential: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, body, credential);
      } catch (error) {
        const last = attempt + 1 >= this.retry.attempts;
        if (!(error instanceof PosFleetError) || !error.retryable || last || signal?.aborted) throw error;
        await sleep(backoffDelayMs(attempt, this.retry, this.random(), error.retryAfterMs), signal, this.timers);
        if (signal?.aborted) throw error;
      }
    }
  }

  /** One fetch of `path` on the server as it is (downloads read the body themselves): no retry, no parsing. */
  fetchRaw(path: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(this.server + path, init);
  }

  private async requestOnce<T>(method: Method, path: string, body: unknown, credential: string | undefined): Promise<T> {
    const url = this.server + path;
    const headers: Record<string, string> = method === 'GET' ? {} : { 'content-type': 'application/json' };
    if (credential) headers.authorization = `Bearer ${credential}`;
    let response: Response;
    let text: string;
    try {
      const payload = method === 'GET' ? {} : { body: JSON.stringify(body) };
      response = await this.fetchImpl(url, { method, headers, ...payload, signal: AbortSignal.timeout(this.retry.timeoutMs) });
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
