import { CacheTicket } from './cache-ticket.js';
import { replayResponse } from './replay.js';

type Fetch = (url: unknown, init?: Record<string, unknown>) => Promise<unknown>;

/** The request-option key that carries a call's ticket to the client's fetch. */
export const TICKET_OPTION = 'llmLedgerCache';
const INSTALLED = Symbol.for('llm-ledger.cache.fetch');

/**
 * Routes a client's requests through the cache (openai-node and @anthropic-ai/sdk call
 * `client.fetch` for every request, with the request's `fetchOptions` merged in). A request that
 * carries a ticket waits for its lookup: a hit is answered from the entry, a miss goes to the
 * network. Requests without a ticket go straight through.
 */
export function installReplayFetch(client: object): void {
  const holder = client as { fetch?: unknown };
  const base = holder.fetch;
  if (typeof base !== 'function' || INSTALLED in base) return;
  const replaying = async function cacheAwareFetch(url: unknown, init?: Record<string, unknown>) {
    const ticket = init?.[TICKET_OPTION];
    if (!(ticket instanceof CacheTicket)) return (base as Fetch).call(undefined, url, init);
    const { [TICKET_OPTION]: _ticket, ...rest } = init!;
    const entry = await ticket.found();
    return entry ? replayResponse(entry, ticket.replay) : (base as Fetch).call(undefined, url, rest);
  };
  Object.defineProperty(replaying, INSTALLED, { value: true });
  holder.fetch = replaying;
}

/** The request options with the ticket added to `fetchOptions` (openai-node, @anthropic-ai/sdk). */
export function withTicketOption(args: unknown[], ticket: CacheTicket): unknown[] {
  const options = (args[1] ?? {}) as Record<string, unknown>;
  const fetchOptions = (options.fetchOptions ?? {}) as Record<string, unknown>;
  return [args[0], { ...options, fetchOptions: { ...fetchOptions, [TICKET_OPTION]: ticket } }, ...args.slice(2)];
}

/**
 * The Gemini request with a per-request fetch (`config.httpOptions.fetch`, which @google/genai
 * prefers to the client's) that answers a hit from the entry and sends a miss on with the fetch
 * the request would have used.
 */
export function withGeminiTicket(params: Record<string, unknown>, self: unknown, ticket: CacheTicket): unknown {
  const config = (params.config ?? {}) as Record<string, unknown>;
  const httpOptions = (config.httpOptions ?? {}) as Record<string, unknown>;
  const clientFetch = (self as { apiClient?: { clientOptions?: { httpOptions?: { fetch?: unknown } } } } | null)
    ?.apiClient?.clientOptions?.httpOptions?.fetch;
  const base = (httpOptions.fetch ?? clientFetch ?? globalThis.fetch) as Fetch;
  const fetch = async (url: unknown, init?: Record<string, unknown>) => {
    const entry = await ticket.found();
    return entry ? replayResponse(entry, ticket.replay) : base(url, init);
  };
  return { ...params, config: { ...config, httpOptions: { ...httpOptions, fetch } } };
}
