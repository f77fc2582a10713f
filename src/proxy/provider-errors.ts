import type { ServerResponse } from 'node:http';

/** The API families the proxy speaks; each answers errors in its own shape. */
export type ApiFamily = 'openai' | 'anthropic' | 'gemini';

/** What kind of error the proxy itself answers (never used for an upstream's own error). */
export type ProxyErrorKind =
  | 'invalid_request'
  | 'not_found'
  | 'too_large'
  | 'rate_limit'
  | 'quota'
  | 'authentication'
  | 'upstream_unreachable'
  | 'upstream_invalid'
  | 'upstream_timeout'
  | 'internal';

const OPENAI_TYPES: Record<ProxyErrorKind, [type: string, code: string | null]> = {
  invalid_request: ['invalid_request_error', null],
  not_found: ['invalid_request_error', 'unknown_url'],
  too_large: ['invalid_request_error', 'request_too_large'],
  rate_limit: ['requests', 'rate_limit_exceeded'],
  quota: ['insufficient_quota', 'insufficient_quota'],
  authentication: ['invalid_request_error', 'invalid_api_key'],
  upstream_unreachable: ['server_error', 'upstream_unreachable'],
  upstream_invalid: ['server_error', 'upstream_invalid_response'],
  upstream_timeout: ['server_error', 'upstream_timeout'],
  internal: ['server_error', null],
};

const ANTHROPIC_TYPES: Record<ProxyErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  quota: 'rate_limit_error',
  authentication: 'authentication_error',
  upstream_unreachable: 'api_error',
  upstream_invalid: 'api_error',
  upstream_timeout: 'timeout_error',
  internal: 'api_error',
};

const GEMINI_STATUSES: Record<ProxyErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  not_found: 'NOT_FOUND',
  too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  quota: 'RESOURCE_EXHAUSTED',
  authentication: 'UNAUTHENTICATED',
  upstream_unreachable: 'UNAVAILABLE',
  upstream_invalid: 'UNAVAILABLE',
  upstream_timeout: 'DEADLINE_EXCEEDED',
  internal: 'INTERNAL',
};

export const STATUS_OF: Record<ProxyErrorKind, number> = {
  invalid_request: 400,
  not_found: 404,
  too_large: 413,
  rate_limit: 429,
  quota: 429,
  authentication: 401,
  upstream_unreachable: 502,
  upstream_invalid: 502,
  upstream_timeout: 504,
  internal: 500,
};

/** The body the provider itself would send for such an error, so the client's SDK raises its usual error type. */
export function providerErrorBody(family: ApiFamily, kind: ProxyErrorKind, message: string): string {
  switch (family) {
    case 'openai': {
      const [type, code] = OPENAI_TYPES[kind];
      return JSON.stringify({ error: { message, type, param: null, code } });
    }
    case 'anthropic':
      return JSON.stringify({ type: 'error', error: { type: ANTHROPIC_TYPES[kind], message } });
    case 'gemini':
      return JSON.stringify({ error: { code: STATUS_OF[kind], message, status: GEMINI_STATUSES[kind] } });
  }
}

/** Answers an error the proxy raised itself (never an upstream's), in the provider's shape. */
export function sendProviderError(
  response: ServerResponse,
  family: ApiFamily,
  kind: ProxyErrorKind,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = providerErrorBody(family, kind, message);
  response.writeHead(STATUS_OF[kind], {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-ledger-proxy-error': kind,
    ...headers,
  });
  response.end(body);
}
