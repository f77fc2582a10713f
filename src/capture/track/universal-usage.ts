import type { TokenUsage } from '../../core/record.js';
import { tokenUsageFromAnthropic } from '../../tokens/anthropic-usage.js';
import { tokenUsageFromGemini } from '../../tokens/gemini-usage.js';
import { tokenUsageFromOpenAI } from '../../tokens/openai-usage.js';
import { asRecord } from '../request-fields.js';

const ANTHROPIC_NAMES = /anthropic|claude|bedrock/i;

/**
 * Usage from a client of unknown make. The SDK adapters name the format; here it has to be read
 * from the shape, and `input_tokens` is ambiguous (Anthropic: cache excluded; OpenAI Responses:
 * cache included): Anthropic's cache fields or the provider's name decide.
 */
export function universalUsage(usage: unknown, provider: string): TokenUsage | undefined {
  const record = asRecord(usage);
  if (!record) return undefined;
  if ('promptTokenCount' in record || 'candidatesTokenCount' in record || 'prompt_token_count' in record) {
    return tokenUsageFromGemini(record);
  }
  if ('prompt_tokens' in record || 'completion_tokens' in record) return tokenUsageFromOpenAI(record);
  if ('input_tokens' in record || 'output_tokens' in record) {
    const anthropic =
      'cache_read_input_tokens' in record || 'cache_creation_input_tokens' in record || ANTHROPIC_NAMES.test(provider);
    return anthropic ? tokenUsageFromAnthropic(record) : tokenUsageFromOpenAI(record);
  }
  // The AI SDK's flat usage (v5) and camelCase variants.
  const input = numberOf(record.inputTokens ?? record.promptTokens);
  const output = numberOf(record.outputTokens ?? record.completionTokens);
  if (input === undefined && output === undefined) return undefined;
  return {
    input: input ?? 0,
    output: output ?? 0,
    total: numberOf(record.totalTokens) ?? (input ?? 0) + (output ?? 0),
    cacheRead: numberOf(record.cachedInputTokens) ?? 0,
    cacheWrite: 0,
    reasoning: numberOf(record.reasoningTokens) ?? 0,
  };
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
