export { createLedger, openStore, resolveLedgerConfig, DEFAULT_DATABASE_PATH } from './create-ledger.js';
export { getDefaultLedger, setDefaultLedger } from './integrations/default-ledger.js';
export type { CreateLedgerOptions, CreatedLedger, ResolvedLedgerConfig } from './create-ledger.js';
export { Ledger, DEFAULT_SETTINGS } from './core/ledger.js';
export type {
  LedgerSettings,
  LedgerComponents,
  LedgerParts,
  LedgerStats,
  WrapDefaults,
  ClientWrapper,
  CallGate,
} from './core/ledger.js';
export {
  wrapClient,
  wrapOpenAI,
  wrapAnthropic,
  wrapGemini,
  trackLLMCall,
  classifyError,
  ProviderStreamError,
} from './capture/index.js';
export type {
  CaptureDefaults,
  CaptureLedger,
  TrackLLMCallOptions,
  TrackedCall,
  ErrorClass,
  ClassifiedError,
  OpenAILike,
  AnthropicLike,
  GeminiLike,
} from './capture/index.js';
export type {
  CallHandle,
  CallInit,
  CallOwner,
  CallProgress,
  CallResult,
  CallStart,
  Clock,
  FailureDetails,
  Pricer,
} from './core/call.js';
export type { CallContext } from './core/context.js';
export { CallType, EMPTY_TOKENS } from './core/record.js';
export type {
  CallCost,
  CallParams,
  CallRecord,
  CallStatus,
  CostStatus,
  KnownCallType,
  RequestMode,
  ResponseMessage,
  TokenSource,
  TokenUsage,
  ToolCall,
  UsageBucket,
} from './core/record.js';
export type { TokenCountsInput } from './core/token-input.js';
export { normalizeTokenCounts } from './core/token-input.js';
export type { LedgerHandler, HandlerStats } from './core/handlers.js';
export type { LedgerLogger } from './core/logger.js';
export { consoleLogger, silentLogger } from './core/logger.js';
export { redactSecrets, SECRET_REDACTION_RULES } from './core/secret-redaction.js';
export type { Problem, ProblemKind } from './core/problem-reporter.js';
export {
  LedgerError,
  ConfigError,
  ValidationError,
  CallAlreadyFinalizedError,
  StoreError,
  StoreReadOnlyError,
  LedgerClosedError,
  PriceDataError,
  isLedgerError,
} from './core/errors.js';
export type { LedgerErrorCode } from './core/errors.js';
export { GROUP_KEYS, MAX_SUMMARY_TOP, SUMMARY_RANK_KEYS } from './core/store.js';
export type {
  Store,
  CallFilter,
  ListQuery,
  CallPage,
  GroupKey,
  SummaryQuery,
  SummaryRankKey,
  SummaryTop,
  SummaryRow,
  SummaryTokens,
  CostUpdate,
} from './core/store.js';
export type { PackedBatch, PackedPart } from './core/packed-batch.js';
export { MemoryStore } from './stores/memory.js';
export { SqliteStore } from './stores/sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './stores/sqlite/sqlite-store.js';
export type { SentimentAnalysisInit, TextTaskInit, EmbeddingInit, TaskInit } from './core/task-inits.js';
export type { Decimal } from './core/money.js';
export type { ConfigFile, ModelEntry } from './config/schema.js';
export * from './pricing/index.js';
export { readPriceData, type ReadPriceDataOptions } from './price-data/read-price-data.js';
export { loadSavedCatalog, priceDataPath, savePriceData, PRICE_DATA_FILE_NAME } from './price-data/price-data-file.js';
export { startPriceUpdates, type PriceUpdater, type PriceUpdaterOptions } from './price-data/price-updater.js';
export * from './tokens/index.js';
export * from './observe/index.js';
export * from './meters/index.js';
export type { Spool, SpoolState, Durability } from './core/spool.js';
export {
  FileSpool,
  SpoolInUseError,
  openProcessSpool,
  installShutdownHooks,
  DeadLetterDirectory,
  readDeadLetterFile,
} from './delivery/index.js';
export type { FileSpoolOptions, Closable, ShutdownHookOptions, DeadLetterLine } from './delivery/index.js';
export type { DeadLetterFile } from './core/dead-letters.js';
export {
  ResponseCache,
  MemoryCacheBackend,
  SqliteCacheBackend,
  defaultCacheKey,
  cacheKeyFields,
  canonicalJson,
  CACHE_KEY_IGNORED_FIELDS,
  CACHE_KEY_HEADERS,
} from './cache/index.js';
export type {
  CacheBackend,
  CachedResponse,
  CacheKeyInput,
  CacheKeyHook,
  CacheEvent,
  CacheStats,
  MemoryCacheOptions,
  SqliteCacheOptions,
} from './cache/index.js';
export type { CacheOptions } from './open-cache.js';
export { trackModelLoad } from './capture/track-model-load.js';
export type { StreamProgressOptions } from './capture/stream-capture.js';
export type { LedgerEvent } from './core/handlers.js';
// Moved to `llm-ledger/extend`; deprecated here for one minor version.
export * from './root-deprecated.js';
