// The one error the terminal SDK throws: what the server (or the network) said, and whether trying again may help.

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
