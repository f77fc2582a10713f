import type { TokenUsage } from '../../core/record.js';
import { asRecord } from '../../capture/request-fields.js';

/**
 * LangChain's `usage_metadata` (`AIMessage.usage_metadata`) into our buckets. Both are inclusive:
 * `input_tokens` counts cache reads and writes, `output_tokens` counts reasoning. Returns
 * undefined when the message carries no usage.
 *
 * @example
 * tokensFromUsageMetadata({ input_tokens: 120, output_tokens: 45, total_tokens: 165,
 *   input_token_details: { cache_read: 64 }, output_token_details: { reasoning: 10 } });
 * // { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 10 }
 */
export function tokensFromUsageMetadata(usage: unknown): TokenUsage | undefined {
  const fields = asRecord(usage);
  if (!fields) return undefined;
  const input = count(fields.input_tokens);
  const output = count(fields.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const inputDetails = asRecord(fields.input_token_details);
  const outputDetails = asRecord(fields.output_token_details);
  const tokens: TokenUsage = {
    input: input ?? 0,
    output: output ?? 0,
    total: Math.max(count(fields.total_tokens) ?? 0, (input ?? 0) + (output ?? 0)),
    cacheRead: count(inputDetails?.cache_read) ?? 0,
    cacheWrite: count(inputDetails?.cache_creation) ?? 0,
    reasoning: count(outputDetails?.reasoning) ?? 0,
  };
  const inputAudio = count(inputDetails?.audio);
  if (inputAudio) tokens.inputAudio = inputAudio;
  const outputAudio = count(outputDetails?.audio);
  if (outputAudio) tokens.outputAudio = outputAudio;
  const inputImage = count(inputDetails?.image);
  if (inputImage) tokens.inputImage = inputImage;
  return tokens;
}

/**
 * The older `LLMResult.llmOutput.tokenUsage` (`{ promptTokens, completionTokens, totalTokens }`),
 * used by completion LLMs and integrations that set no `usage_metadata`.
 */
export function tokensFromLlmOutput(llmOutput: unknown): TokenUsage | undefined {
  const output = asRecord(llmOutput);
  const usage = asRecord(output?.tokenUsage) ?? asRecord(output?.token_usage);
  if (!usage) return undefined;
  const input = count(usage.promptTokens ?? usage.prompt_tokens);
  const completion = count(usage.completionTokens ?? usage.completion_tokens);
  if (input === undefined && completion === undefined) return undefined;
  return {
    input: input ?? 0,
    output: completion ?? 0,
    total: Math.max(count(usage.totalTokens ?? usage.total_tokens) ?? 0, (input ?? 0) + (completion ?? 0)),
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
  };
}

/**
 * Corrects the usage LangChain aggregates from a streamed Anthropic reply. `@langchain/anthropic`
 * turns `message_start` into a chunk whose `output_tokens` is Anthropic's placeholder (often 1)
 * and `message_delta` into one whose `output_tokens` is the CUMULATIVE count, then sums the
 * chunks: the placeholder is counted on top of the real total. The last count seen wins, as on
 * the wire. `chunkUsages` are the per-chunk `usage_metadata` values, in arrival order.
 */
export function correctStreamedUsage(
  provider: string,
  aggregated: TokenUsage,
  chunkUsages: readonly TokenUsage[],
): TokenUsage {
  if (provider !== 'anthropic' || chunkUsages.length < 2) return aggregated;
  const last = chunkUsages[chunkUsages.length - 1]!;
  // A message_delta chunk carries no input of its own (LangChain sets it to 0).
  if (last.input !== 0 || last.output === 0) return aggregated;
  const output = last.output;
  return {
    ...aggregated,
    output,
    total: aggregated.input + output,
    reasoning: Math.min(aggregated.reasoning, output),
  };
}

/** Adds per-chunk usage the way LangChain's `mergeUsageMetadata` does, for runs that never ended. */
export function sumUsage(usages: readonly TokenUsage[]): TokenUsage | undefined {
  if (usages.length === 0) return undefined;
  const sum: TokenUsage = { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  for (const usage of usages) {
    sum.input += usage.input;
    sum.output += usage.output;
    sum.total += usage.total;
    sum.cacheRead += usage.cacheRead;
    sum.cacheWrite += usage.cacheWrite;
    sum.reasoning += usage.reasoning;
  }
  return sum;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}
