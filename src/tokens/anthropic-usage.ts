import type { TokenUsage } from '../core/record.js';
import { pickCount, pickObject } from './read-count.js';

/**
 * Anthropic's `usage` (Messages API, also Bedrock and Vertex Claude) is EXCLUSIVE: `input_tokens`
 * counts only the uncached input, beside `cache_read_input_tokens` and
 * `cache_creation_input_tokens`. Normalized here to our inclusive buckets:
 * input = input_tokens + cache reads + cache writes. Thinking tokens are inside `output_tokens`;
 * `server_tool_use.web_search_requests` becomes `webSearches`.
 *
 * @example
 * tokenUsageFromAnthropic({ input_tokens: 20, cache_creation_input_tokens: 1500,
 *   cache_read_input_tokens: 3000, output_tokens: 80 });
 * // { input: 4520, output: 80, total: 4600, cacheRead: 3000, cacheWrite: 1500, reasoning: 0 }
 */
export function tokenUsageFromAnthropic(usage: unknown): TokenUsage {
  const creation = pickObject(usage, 'cache_creation');
  const fiveMinutes = pickCount(creation, 'ephemeral_5m_input_tokens');
  const oneHour = pickCount(creation, 'ephemeral_1h_input_tokens');
  const cacheWrite =
    pickCount(usage, 'cache_creation_input_tokens') ??
    (fiveMinutes !== undefined || oneHour !== undefined ? (fiveMinutes ?? 0) + (oneHour ?? 0) : 0);
  const cacheRead = pickCount(usage, 'cache_read_input_tokens') ?? 0;
  const input = (pickCount(usage, 'input_tokens') ?? 0) + cacheRead + cacheWrite;
  const output = pickCount(usage, 'output_tokens') ?? 0;
  const tokens: TokenUsage = {
    input,
    output,
    total: input + output,
    cacheRead,
    cacheWrite,
    reasoning: pickCount(pickObject(usage, 'output_tokens_details'), 'thinking_tokens', 'reasoning_tokens') ?? 0,
  };
  if (oneHour) tokens.cacheWrite1h = oneHour;
  // The server-side web search tool is billed per search, beside the tokens.
  const searches = pickCount(pickObject(usage, 'server_tool_use'), 'web_search_requests');
  if (searches) tokens.webSearches = searches;
  return tokens;
}

/**
 * Merges streamed Anthropic usage: `message_start` carries the input side and a placeholder
 * `output_tokens`; each `message_delta.usage` is CUMULATIVE and may correct any field, so the
 * last value seen of each field wins. Pass the raw objects in arrival order.
 */
export function mergeAnthropicUsage(...usages: unknown[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const usage of usages) {
    if (typeof usage !== 'object' || usage === null) continue;
    for (const [key, value] of Object.entries(usage as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      merged[key] =
        typeof value === 'object' && typeof merged[key] === 'object' && merged[key] !== null
          ? { ...(merged[key] as Record<string, unknown>), ...(value as Record<string, unknown>) }
          : value;
    }
  }
  return merged;
}
