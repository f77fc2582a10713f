import { isIdText, MAX_ID_CHARS } from '../core/call-identity.js';
import { suggestKey } from '../core/key-suggestions.js';

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
  cache?: 'on' | 'off';
}

const LEDGER_PREFIX = 'x-ledger-';
const METADATA_PREFIX = 'x-ledger-metadata-';
/** The request headers the proxy reads, for "did you mean" help. */
const KNOWN_HEADERS = [
  'x-ledger-user',
  'x-ledger-tenant',
  'x-ledger-session',
  'x-ledger-tags',
  'x-ledger-cache',
  'x-ledger-metadata-<key>',
];
/** W3C trace context: version-traceid-parentid-flags; an all-zero id is invalid. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads attribution from the raw header list, or says what is wrong with it (answered 400 by the
 * proxy). A header the proxy cannot read exactly is refused, never guessed at or dropped: dropped
 * or altered attribution would record the call under no one, or someone else, and with budgets
 * set, let it past the limits of the user it was for. So an unknown `x-ledger-*` name (a typo), a
 * single-valued header sent twice (Node would join the copies with a comma), an empty value, one
 * longer than an id may be, bytes that are not UTF-8 and an `x-ledger-cache` other than on or off
 * are each refused, naming the header and the fix. Non-ASCII values are read as UTF-8 (Node hands
 * header bytes over one character per byte). An invalid `traceparent` is ignored, as the W3C Trace
 * Context spec requires of a receiver: the call starts a trace of its own.
 */
export function attributionOf(rawHeaders: readonly string[]): HeaderAttribution | string {
  const found: HeaderAttribution = {};
  let traceparents = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const first = rawHeaders[index]!.charCodeAt(0) | 0x20;
    if (first !== 0x78 /* x */ && first !== 0x74 /* t */) continue;
    const name = rawHeaders[index]!.toLowerCase();
    if (name === 'traceparent') {
      traceparents++;
      const match = TRACEPARENT.exec(rawHeaders[index + 1]!.trim().toLowerCase());
      if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) {
        found.traceId = match[1];
        found.parentId = match[2];
      }
      continue;
    }
    if (!name.startsWith(LEDGER_PREFIX)) continue;
    const value = textOf(name, rawHeaders[index + 1]!);
    if (typeof value !== 'string') return value.problem;
    const problem = take(found, name, value);
    if (problem !== undefined) return problem;
  }
  // Two trace contexts name no single parent: neither is used.
  if (traceparents > 1) {
    delete found.traceId;
    delete found.parentId;
  }
  return found;
}

/** Stores one header's value in `found`, or says why it cannot be. */
function take(found: HeaderAttribution, name: string, value: string): string | undefined {
  switch (name) {
    case 'x-ledger-user':
      return once(found, 'userId', name, value, 'user');
    case 'x-ledger-tenant':
      return once(found, 'tenantId', name, value, 'tenant');
    case 'x-ledger-session':
      return once(found, 'sessionId', name, value, 'session');
    case 'x-ledger-tags': {
      // A comma-separated list (sent once or repeated); empty elements are skipped, as HTTP lists allow.
      const tags = value
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag.length > 0);
      if (tags.length === 0) return `${name} names no tag: leave it out, or send tags separated by commas`;
      const tooLong = tags.find((tag) => tag.length > MAX_ID_CHARS);
      if (tooLong !== undefined) return `a tag in ${name} is longer than ${MAX_ID_CHARS} characters`;
      (found.tags ??= []).push(...tags);
      return undefined;
    }
    case 'x-ledger-cache': {
      if (found.cache !== undefined) return twice(name);
      const setting = value.trim().toLowerCase();
      if (setting !== 'on' && setting !== 'off') return `${name} must be on or off, not ${JSON.stringify(value)}`;
      found.cache = setting;
      return undefined;
    }
    default: {
      if (name.startsWith(METADATA_PREFIX) && name.length > METADATA_PREFIX.length) {
        // No prototype: `x-ledger-metadata-__proto__` is a key like any other, not a setter.
        const metadata = (found.metadata ??= Object.create(null) as Record<string, string>);
        const key = name.slice(METADATA_PREFIX.length);
        if (Object.hasOwn(metadata, key)) return twice(name);
        metadata[key] = value;
        return undefined;
      }
      if (name === 'x-ledger-metadata' || name === METADATA_PREFIX) {
        return `${name} names no metadata key: send x-ledger-metadata-<key>: <value>`;
      }
      const suggestion = suggestKey(name, KNOWN_HEADERS);
      return (
        `unknown header ${name}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; ` +
        `the proxy reads ${KNOWN_HEADERS.join(', ')} and traceparent`
      );
    }
  }
}

function once(
  found: HeaderAttribution,
  field: 'userId' | 'tenantId' | 'sessionId',
  name: string,
  value: string,
  what: string,
): string | undefined {
  if (found[field] !== undefined) return twice(name);
  if (!isIdText(value)) return `${name} is longer than ${MAX_ID_CHARS} characters: a ${what} id is a key, not content`;
  found[field] = value;
  return undefined;
}

function twice(name: string): string {
  return `${name} is sent more than once: send it once`;
}

/** The header's value as text (UTF-8 bytes decoded), or why it cannot be read. */
function textOf(name: string, raw: string): string | { problem: string } {
  if (raw.length === 0) return { problem: `${name} is empty: leave the header out instead` };
  for (let index = 0; index < raw.length; index++) {
    if (raw.charCodeAt(index) > 0x7f) {
      try {
        return UTF8.decode(Buffer.from(raw, 'latin1'));
      } catch {
        return { problem: `${name} is not UTF-8 text: send its value UTF-8 encoded` };
      }
    }
  }
  return raw;
}

/** Headers the proxy consumes and never forwards. */
export function isLedgerHeader(name: string): boolean {
  return name.startsWith(LEDGER_PREFIX) || name === 'traceparent' || name === 'tracestate';
}
