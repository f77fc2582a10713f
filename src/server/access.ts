import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../core/errors.js';

/** A token the server accepts; with `tenantId`, every query it makes is forced to that tenant. */
export interface ServerToken {
  token: string;
  tenantId?: string;
}

/** Who a request is: `tenantId` null means every tenant (an unscoped token, or no token on loopback). */
export interface Access {
  tenantId: string | null;
}

const FULL_ACCESS: Access = Object.freeze({ tenantId: null });

interface HashedToken {
  hash: Buffer;
  access: Access;
}

/**
 * Checks the tokens once at start and keeps only their SHA-256 hashes: a request's token is hashed
 * and compared with every known hash in constant time (equal lengths, no early exit), so the
 * response time says nothing about how much of a token was right. Tokens are never logged.
 */
export class TokenChecker {
  private readonly hashed: HashedToken[];

  constructor(tokens: readonly ServerToken[]) {
    this.hashed = tokens.map((entry, index) => {
      if (typeof entry !== 'object' || entry === null || typeof entry.token !== 'string') {
        throw new ConfigError({
          source: 'options',
          path: `tokens[${index}]`,
          expected: '{ token: string, tenantId? }',
        });
      }
      if (entry.token.length < 16) {
        throw new ConfigError({
          source: 'options',
          path: `tokens[${index}].token`,
          expected: 'a token of at least 16 characters (such as `openssl rand -hex 24`)',
          received: `${entry.token.length} characters`,
        });
      }
      if (entry.tenantId !== undefined && (typeof entry.tenantId !== 'string' || entry.tenantId === '')) {
        throw new ConfigError({ source: 'options', path: `tokens[${index}].tenantId`, expected: 'a non-empty string' });
      }
      return { hash: sha256(entry.token), access: Object.freeze({ tenantId: entry.tenantId ?? null }) };
    });
  }

  /** True when requests need a token. */
  get required(): boolean {
    return this.hashed.length > 0;
  }

  /** The access of a request's `Authorization` header, or null when it is missing or wrong. */
  check(authorization: string | undefined): Access | null {
    if (!this.required) return FULL_ACCESS;
    const presented = bearerToken(authorization);
    if (presented === undefined) return null;
    const hash = sha256(presented);
    let found: Access | null = null;
    for (const known of this.hashed) {
      // Every hash is compared, whatever matched before.
      if (timingSafeEqual(hash, known.hash) && found === null) found = known.access;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** True for 127.0.0.0/8, ::1, `localhost` and the IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * Refuses a bind address other than loopback without a token: anyone on the network could read
 * every prompt and response otherwise.
 */
export function assertSafeBinding(host: string, tokens: readonly ServerToken[]): void {
  if (tokens.length > 0 || isLoopbackHost(host)) return;
  throw new ConfigError({
    source: 'options',
    path: 'host',
    expected:
      'a loopback address (127.0.0.1, ::1, localhost), or a token: --token, LLM_LEDGER_TOKEN or --tenant-token TENANT=TOKEN',
    received: `${host} without a token`,
  });
}
