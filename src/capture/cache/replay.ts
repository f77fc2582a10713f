import type { CachedResponse } from '../../cache/cached-response.js';
import type { ReplaySpec } from './cache-ticket.js';

const HIT_HEADER = 'x-llm-ledger-cache';

/**
 * The HTTP response a provider would have sent for a cached answer: the JSON body, or the stream's
 * chunks as server-sent events (`event:` named by the chunk's `type`, as Anthropic and the OpenAI
 * Responses API send them). The SDK parses it into its own objects and stream type.
 */
export function replayResponse(entry: CachedResponse, spec: ReplaySpec): Response {
  if (!entry.streamed) {
    return new Response(JSON.stringify(entry.body), {
      status: 200,
      headers: { 'content-type': 'application/json', [HIT_HEADER]: 'hit' },
    });
  }
  let text = '';
  for (const chunk of entry.chunks ?? []) {
    const type = (chunk as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && !/[\r\n]/.test(type)) text += `event: ${type}\n`;
    text += `data: ${JSON.stringify(chunk)}\n\n`;
  }
  if (spec.sseDone) text += 'data: [DONE]\n\n';
  return new Response(text, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', [HIT_HEADER]: 'hit' },
  });
}
