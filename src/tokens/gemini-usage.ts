import type { TokenUsage } from '../core/record.js';
import { pickCount } from './read-count.js';

/**
 * Gemini's `usageMetadata` (`@google/genai`, REST; snake_case from Vertex also read):
 * `promptTokenCount` INCLUDES `cachedContentTokenCount`; `thoughtsTokenCount` is NOT part of
 * `candidatesTokenCount` (billed output = candidates + thoughts); `toolUsePromptTokenCount` is
 * billed as input. Normalized: input = prompt + toolUsePrompt, output = candidates + thoughts,
 * reasoning = thoughts, cacheRead = cachedContent. Audio and image come from the modality details.
 *
 * @example
 * tokenUsageFromGemini({ promptTokenCount: 20, cachedContentTokenCount: 0, candidatesTokenCount: 30,
 *   thoughtsTokenCount: 12, totalTokenCount: 62 });
 * // { input: 20, output: 42, total: 62, cacheRead: 0, cacheWrite: 0, reasoning: 12 }
 */
export function tokenUsageFromGemini(usageMetadata: unknown): TokenUsage {
  const prompt = pickCount(usageMetadata, 'promptTokenCount', 'prompt_token_count') ?? 0;
  const toolUsePrompt = pickCount(usageMetadata, 'toolUsePromptTokenCount', 'tool_use_prompt_token_count') ?? 0;
  const candidates = pickCount(usageMetadata, 'candidatesTokenCount', 'candidates_token_count') ?? 0;
  const thoughts = pickCount(usageMetadata, 'thoughtsTokenCount', 'thoughts_token_count') ?? 0;
  const input = prompt + toolUsePrompt;
  const output = candidates + thoughts;
  const tokens: TokenUsage = {
    input,
    output,
    total: pickCount(usageMetadata, 'totalTokenCount', 'total_token_count') ?? input + output,
    cacheRead: pickCount(usageMetadata, 'cachedContentTokenCount', 'cached_content_token_count') ?? 0,
    cacheWrite: 0,
    reasoning: thoughts,
  };
  const promptDetails = modalityCounts(usageMetadata, 'promptTokensDetails', 'prompt_tokens_details');
  const candidateDetails = modalityCounts(usageMetadata, 'candidatesTokensDetails', 'candidates_tokens_details');
  const cacheDetails = modalityCounts(usageMetadata, 'cacheTokensDetails', 'cache_tokens_details');
  if (promptDetails.AUDIO) tokens.inputAudio = promptDetails.AUDIO;
  // Cached audio is part of both the cached content and the prompt's audio, billed at its own price.
  if (cacheDetails.AUDIO) tokens.cacheAudioRead = cacheDetails.AUDIO;
  if (promptDetails.IMAGE) tokens.inputImage = promptDetails.IMAGE;
  if (candidateDetails.AUDIO) tokens.outputAudio = candidateDetails.AUDIO;
  return tokens;
}

/** `[{ modality: 'AUDIO', tokenCount: 12 }]` -> `{ AUDIO: 12 }`. */
function modalityCounts(usageMetadata: unknown, ...keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  if (typeof usageMetadata !== 'object' || usageMetadata === null) return counts;
  const record = usageMetadata as Record<string, unknown>;
  const list = keys.map((key) => record[key]).find(Array.isArray) as unknown[] | undefined;
  for (const entry of list ?? []) {
    if (typeof entry !== 'object' || entry === null) continue;
    const modality = (entry as Record<string, unknown>).modality;
    const count = pickCount(entry, 'tokenCount', 'token_count');
    if (typeof modality === 'string' && count !== undefined) counts[modality] = (counts[modality] ?? 0) + count;
  }
  return counts;
}
