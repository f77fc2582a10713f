/**
 * Token counts: provider usage converters into our inclusive buckets, and fallback counting
 * (BPE tokenizer for OpenAI models, documented heuristic otherwise) for calls without usage.
 */
export { tokenUsageFromOpenAI } from './openai-usage.js';
export { tokenUsageFromAnthropic, mergeAnthropicUsage } from './anthropic-usage.js';
export { tokenUsageFromGemini } from './gemini-usage.js';
export { tokenUsageFrom, type UsageFormat } from './provider-usage.js';
export { encodingForModel, type BpeEncodingName } from './encoding-for-model.js';
export {
  estimateTokens,
  heuristicFromEnv,
  DEFAULT_CHARS_PER_TOKEN,
  DEFAULT_TOKENS_PER_WORD,
  type HeuristicOptions,
} from './heuristic.js';
export { createTokenCounter, type TokenCount, type TokenCounter, type TokenCounterOptions } from './token-counter.js';
export type { ChatInput } from './chat-request.js';
export {
  createCallTokenEstimator,
  DEFAULT_FAMILY_RATIOS,
  type CallTokenEstimator,
  type EstimateRequest,
  type TokenEstimate,
  type TokenEstimateMethod,
  type TokenEstimationOptions,
} from './call-token-estimator.js';
export { tokenFamilyOf, type ApproximatedFamily, type TokenFamily } from './model-family.js';
