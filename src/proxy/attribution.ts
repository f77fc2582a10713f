import type { IncomingHttpHeaders } from 'node:http';

/** Who a proxied call is for, read from the request's `x-ledger-*` headers. */
export interface HeaderAttribution {
  userId?: string;
  tenantId?: string;
  sessionId?: string;
  traceId?: string;
  parentId?: string;
  tags?: string[];
  metadata?: Record<string, string>;
  /** `x-ledger-cache: on|off`, for the response cache. */
  cache?: string;
}

const METADATA_PREFIX = 'x-ledger-metadata-';
/** W3C trace context: version-traceid-parentid-flags; an all-zero id is invalid. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * Reads attribution from the headers (Node has lowercased their names already). Never forwarded
 * upstream: `isLedgerHeader` says which to drop. A malformed `traceparent` is ignored, as the W3C
 * Trace Context spec requires of a receiver (the call then starts a trace of its own).
 */
export function attributionOf(headers: IncomingHttpHeaders): HeaderAttribution {
  const found: HeaderAttribution = {};
  for (const name in headers) {
    if (name.charCodeAt(0) !== 0x78 /* x */ && name !== 'traceparent') continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value === undefined || value === '') continue;
    switch (name) {
      case 'x-ledger-user':
        found.userId = value;
        break;
      case 'x-ledger-tenant':
        found.tenantId = value;
        break;
      case 'x-ledger-session':
        found.sessionId = value;
        break;
      case 'x-ledger-tags':
        found.tags = value
          .split(',')
          .map((tag) => tag.trim())
          .filter((tag) => tag.length > 0);
        break;
      case 'x-ledger-cache':
        found.cache = value.trim().toLowerCase();
        break;
      case 'traceparent': {
        const match = TRACEPARENT.exec(value.trim().toLowerCase());
        if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) {
          found.traceId = match[1];
          found.parentId = match[2];
        }
        break;
      }
      default:
        if (name.startsWith(METADATA_PREFIX) && name.length > METADATA_PREFIX.length) {
          (found.metadata ??= {})[name.slice(METADATA_PREFIX.length)] = value;
        }
    }
  }
  return found;
}

/** Headers the proxy consumes and never forwards. */
export function isLedgerHeader(name: string): boolean {
  return name.startsWith('x-ledger-') || name === 'traceparent' || name === 'tracestate';
}
