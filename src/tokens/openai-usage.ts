import type { TokenUsage } from '../core/record.js';
import { pickCount, pickObject } from './read-count.js';

/**
 * OpenAI's usage objects (Chat Completions, Responses, Realtime) and the many OpenAI-compatible
 * APIs (Azure, DeepSeek, xAI, Groq, OpenRouter) already use INCLUSIVE counts: `prompt_tokens`
 * includes `cached_tokens`, `completion_tokens` includes `reasoning_tokens`. They map onto our
 * buckets without subtraction; subtracting here and again at pricing is the double count peers make.
 *
 * @example
 * tokenUsageFromOpenAi({ prompt_tokens: 120, completion_tokens: 45, total_tokens: 165,
 *   prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 20 } });
 * // { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 20 }
 */
export function tokenUsageFromOpenAi(usage: unknown): TokenUsage {
  const inputDetails = pickObject(usage, 'prompt_tokens_details', 'input_tokens_details', 'input_token_details');
  const outputDetails = pickObject(usage, 'completion_tokens_details', 'output_tokens_details', 'output_token_details');
  const input = pickCount(usage, 'prompt_tokens', 'input_tokens') ?? 0;
  const output = pickCount(usage, 'completion_tokens', 'output_tokens') ?? 0;
  const tokens: TokenUsage = {
    input,
    output,
    total: pickCount(usage, 'total_tokens') ?? input + output,
    // DeepSeek reports cache hits as prompt_cache_hit_tokens (prompt_tokens = hits + misses).
    cacheRead: pickCount(inputDetails, 'cached_tokens') ?? pickCount(usage, 'prompt_cache_hit_tokens') ?? 0,
    cacheWrite: 0,
    reasoning: pickCount(outputDetails, 'reasoning_tokens') ?? 0,
  };
  const inputAudio = pickCount(inputDetails, 'audio_tokens');
  const outputAudio = pickCount(outputDetails, 'audio_tokens');
  const inputImage = pickCount(inputDetails, 'image_tokens');
  if (inputAudio) tokens.inputAudio = inputAudio;
  if (outputAudio) tokens.outputAudio = outputAudio;
  if (inputImage) tokens.inputImage = inputImage;
  return tokens;
}
