/**
 * `llm-ledger/langchain`: records every chat model and LLM call inside LangChain.js chains, agents
 * and graphs. `runWithUsage` / `streamWithUsage` are task helpers (like Python's `run_with_usage` /
 * `stream_with_usage`); `LedgerCallbackHandler` is the callback handler they use, for your own
 * `invoke` / `stream` calls. Needs `@langchain/core`.
 */
export { LedgerCallbackHandler, type LedgerCallbackHandlerOptions } from './langchain/callback-handler.js';
export type { RunInterruption } from './langchain/model-run.js';
export { LedgerLangChainCache, type LedgerLangChainCacheOptions } from './langchain/langchain-cache.js';
export { runWithUsage, type InvokableRunnable, type RunWithUsageOptions } from './langchain/run-with-usage.js';
export {
  streamWithUsage,
  type StreamableRunnable,
  type StreamWithUsageOptions,
} from './langchain/stream-with-usage.js';
export type { LangChainCallback, TaskUsageOptions } from './langchain/task-options.js';
