import type { IncomingHttpHeaders } from 'node:http';

export type UpstreamFailureKind = 'http' | 'network' | 'timeout' | 'too_large' | 'invalid_response';

/**
 * What an upstream did wrong, as recorded: its HTTP status and error body (read by the same
 * classification as SDK errors: `status`, `error.type`, `retry-after` in `headers`), or the
 * connection's failure. The client receives the upstream's own answer, never this object.
 */
export class UpstreamError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly kind: UpstreamFailureKind,
    readonly status: number | undefined,
    message: string,
    readonly headers?: IncomingHttpHeaders,
    readonly error?: unknown,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    // Not `TimeoutError`: that name means an abort by the caller's own signal.
    this.name = kind === 'timeout' ? 'UpstreamTimeoutError' : 'UpstreamError';
    this.code = (cause as { code?: string } | undefined)?.code ?? (kind === 'timeout' ? 'ETIMEDOUT' : undefined);
  }
}

export function upstreamFailure(
  kind: Exclude<UpstreamFailureKind, 'http'>,
  message: string,
  cause?: unknown,
): UpstreamError {
  return new UpstreamError(kind, undefined, message, undefined, undefined, cause);
}
