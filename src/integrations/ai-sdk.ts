/**
 * `llm-ledger/ai-sdk`: records the calls of Vercel AI SDK models (`ai` 5, 6 and 7) through
 * middleware, one record per model call.
 *
 * @example
 * import { generateText, wrapLanguageModel } from 'ai';
 * import { openai } from '@ai-sdk/openai';
 * import { createLedger } from 'llm-ledger';
 * import { ledgerMiddleware } from 'llm-ledger/ai-sdk';
 *
 * const ledger = createLedger();
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: ledgerMiddleware({ ledger }) });
 * const { text } = await generateText({ model, prompt: 'Write a haiku about ledgers.' });
 */
export {
  ledgerMiddleware,
  type LedgerLanguageModelMiddleware,
  type LedgerMiddlewareOptions,
  type WrapCallOptions,
} from './ai-sdk/language-model-middleware.js';
export {
  ledgerEmbeddingMiddleware,
  type LedgerEmbeddingMiddlewareOptions,
  type LedgerEmbeddingModelMiddleware,
  type WrapEmbedOptions,
} from './ai-sdk/embedding-model-middleware.js';
import { convertAISDKUsage } from './ai-sdk/convert-usage.js';
export { convertAISDKUsage, type ConvertedUsage } from './ai-sdk/convert-usage.js';
/** @deprecated Renamed `convertAISDKUsage` (acronyms are upper case across the API); the old name goes away in the next minor version. */
export const convertAiSdkUsage = convertAISDKUsage;
export type { AttributionOptions } from './ai-sdk/call-init.js';
