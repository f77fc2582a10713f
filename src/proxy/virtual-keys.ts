import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * One virtual key: what a client sends instead of a provider key. The proxy attributes its calls,
 * applies its limit and sends the provider the secret held here, so clients never see provider keys.
 */
export interface VirtualKey {
  /** What the client sends (`Authorization: Bearer <key>`, `x-api-key`, `x-goog-api-key`). */
  key: string;
  /** A label for logs and metrics; never the key itself. */
  name?: string;
  user?: string;
  tenant?: string;
  tags?: string[];
  /** The provider secret per upstream name (`openai`, `anthropic`, `gemini`, `groq`...). */
  upstreams: Record<string, string>;
  /**
   * Requests per minute for this key, counted by this proxy process. Budgets and shared rate
   * limits are the ledger's `limits:` on the key's user or tenant, enforced for every call.
   */
  requestsPerMinute?: number;
}

const virtualKeySchema = z
  .object({
    key: z.string().min(8, 'a virtual key must be at least 8 characters'),
    name: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).optional(),
    upstreams: z.record(z.string(), z.string().min(1)),
    requests_per_minute: z.number().int().positive().optional(),
  })
  .strict();

const keyFileSchema = z.object({ keys: z.array(virtualKeySchema) }).strict();

/** Reads a key file (YAML or JSON: `keys: [{ key, user, tenant, upstreams: { openai: sk-... }, requests_per_minute }]`). */
export function loadVirtualKeys(path: string): VirtualKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError({ source: path, path: '', expected: 'a readable virtual key file', cause: error });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError({ source: path, path: '', expected: 'YAML or JSON', received: (error as Error).message });
  }
  const parsed = keyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // The message names the field, never the values: they are secrets.
    throw new ConfigError({
      source: path,
      path: issue.path.join('.'),
      expected: `${issue.message}; a key file is keys: [{ key, name?, user?, tenant?, tags?, upstreams: { openai: ... }, requests_per_minute? }]`,
    });
  }
  return parsed.data.keys.map((entry) => ({
    key: entry.key,
    name: entry.name,
    user: entry.user,
    tenant: entry.tenant,
    tags: entry.tags,
    upstreams: entry.upstreams,
    requestsPerMinute: entry.requests_per_minute,
  }));
}

/** Virtual keys by key, each with the times of its latest requests (a sliding one-minute window). */
export class VirtualKeyTable {
  private readonly byKey = new Map<string, { entry: VirtualKey; times: number[]; next: number }>();

  constructor(keys: readonly VirtualKey[]) {
    for (const entry of keys) {
      if (this.byKey.has(entry.key)) {
        throw new ConfigError({
          source: 'virtual keys',
          path: entry.name ?? '(unnamed)',
          expected: 'every key to be unique; this one appears twice',
        });
      }
      this.byKey.set(entry.key, { entry, times: [], next: 0 });
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  find(key: string): VirtualKey | undefined {
    return this.byKey.get(key)?.entry;
  }

  /**
   * Counts one request; returns the milliseconds to wait when the key had its requests per minute
   * in the last 60 seconds. A ring of the latest request times: O(1), no window edge to game.
   */
  admit(key: VirtualKey, now: number): number | undefined {
    const state = this.byKey.get(key.key);
    const limit = key.requestsPerMinute;
    if (!state || limit === undefined) return undefined;
    if (state.times.length < limit) {
      state.times.push(now);
      return undefined;
    }
    const oldest = state.times[state.next]!;
    if (now - oldest < 60_000) return 60_000 - (now - oldest);
    state.times[state.next] = now;
    state.next = (state.next + 1) % limit;
    return undefined;
  }
}

/** The key a client sent, wherever its SDK puts it; and the header it came in. */
export function clientKeyOf(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams | undefined,
): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) return authorization.slice(7).trim();
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'] ?? headers['api-key'];
  if (typeof apiKey === 'string') return apiKey.trim();
  return query?.get('key') ?? undefined;
}
