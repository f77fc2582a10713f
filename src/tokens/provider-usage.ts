import type { TokenUsage } from '../core/record.js';
import { tokenUsageFromAnthropic } from './anthropic-usage.js';
import { tokenUsageFromGemini } from './gemini-usage.js';
import { tokenUsageFromOpenAI } from './openai-usage.js';

/** The usage shapes we convert: OpenAI-style (inclusive), Anthropic (exclusive), Gemini `usageMetadata`. */
export type UsageFormat = 'openai' | 'anthropic' | 'gemini';

const CONVERTERS: Readonly<Record<UsageFormat, (usage: unknown) => TokenUsage>> = {
  openai: tokenUsageFromOpenAI,
  anthropic: tokenUsageFromAnthropic,
  gemini: tokenUsageFromGemini,
};

/**
 * Converts a provider's raw usage object into our inclusive `TokenUsage`. The format is named by
 * the caller (the capture adapter knows which API it read), never sniffed: Anthropic's and
 * OpenAI Responses' objects share `input_tokens` with opposite meanings.
 *
 * @example
 * tokenUsageFrom('anthropic', message.usage);
 */
export function tokenUsageFrom(format: UsageFormat, usage: unknown): TokenUsage {
  return CONVERTERS[format](usage);
}
