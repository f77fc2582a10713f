import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { createCallTokenEstimator, type EstimateRequest } from '../../src/tokens/call-token-estimator.js';

/** The default token chain, as a ledger without `tokenEstimation` options counts. */
const chain = createCallTokenEstimator();

/*
 * Tables load when this module is imported, before a test pools any connection to the wire server:
 * loading holds the event loop for a second or more on a busy machine, long enough for the
 * server to close an idle kept-alive socket that the next request would then reuse (ECONNRESET).
 */
chain.estimate({ model: 'gpt-4o', outputText: 'warm up' });

/** Output tokens the chain counts for `text` answered by `model`. */
export function chainOutputTokens(model: string, text: string, provider?: string): number {
  return chain.estimate({ model, provider, outputText: text }).output;
}

/** The chain's whole estimate of a request (input, output, source, method, ratio). */
export function chainEstimate(request: EstimateRequest) {
  return chain.estimate(request);
}

/**
 * An independent reference: js-tiktoken, counting a chat as OpenAI's cookbook does (3 tokens per
 * message, its role and text, 3 to prime the reply) and a text as ordinary text.
 */
const references = new Map<'o200k_base' | 'cl100k_base', Tiktoken>([['o200k_base', getEncoding('o200k_base')]]);
export function tiktokenCount(text: string, encoding: 'o200k_base' | 'cl100k_base' = 'o200k_base'): number {
  let reference = references.get(encoding);
  if (!reference) references.set(encoding, (reference = getEncoding(encoding)));
  return reference.encode(text, [], []).length;
}

export function tiktokenChatCount(
  messages: ReadonlyArray<{ role: string; content: string }>,
  encoding: 'o200k_base' | 'cl100k_base' = 'o200k_base',
): number {
  let total = 3;
  for (const message of messages)
    total += 3 + tiktokenCount(message.role, encoding) + tiktokenCount(message.content, encoding);
  return total;
}
