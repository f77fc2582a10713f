/**
 * The call record: one immutable row per LLM call, written when the call ends.
 * camelCase here, snake_case in SQL (`llm_request_logs`).
 */

/** Well-known call types. `callType` is an open string; these are the common ones. */
export const CallType = {
  CHAT: 'CHAT',
  RAG_QUERY: 'RAG_QUERY',
  RAG_SYNTHESIS: 'RAG_SYNTHESIS',
  SENTIMENT_ANALYSIS: 'SENTIMENT_ANALYSIS',
  EXTRACTION: 'EXTRACTION',
  SUMMARIZATION: 'SUMMARIZATION',
  CLASSIFICATION: 'CLASSIFICATION',
  EMBEDDING: 'EMBEDDING',
} as const;
export type KnownCallType = (typeof CallType)[keyof typeof CallType];

export type CallStatus = 'success' | 'error' | 'partial' | 'cancelled';
export type RequestMode = 'sync' | 'streaming';
/** Where token counts came from: the provider's usage, a real tokenizer, or a heuristic. */
export type TokenSource = 'provider' | 'tokenizer' | 'estimate';
/**
 * `unpriced`: the model is unknown, or has no price for anything the call used; cost is null,
 * never 0. `estimated`: a price, a count or a model match was guessed, or part of the usage has no
 * price (`unpricedBuckets`).
 */
export type CostStatus = 'priced' | 'estimated' | 'unpriced';

/**
 * Token buckets with inclusive semantics: `input` counts every input token, cache reads and
 * writes included; `output` counts every output token, reasoning included.
 * Uncached input = input - cacheRead - cacheWrite.
 */
export interface TokenUsage {
  input: number;
  output: number;
  total: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  /** Cache writes with a one-hour lifetime, a subset of `cacheWrite`, where the provider says. */
  cacheWrite1h?: number;
  /** Audio input tokens, cached ones included (a subset of `input`). */
  inputAudio?: number;
  /** Cached audio input tokens: a subset of both `cacheRead` and `inputAudio`. */
  cacheAudioRead?: number;
  outputAudio?: number;
  inputImage?: number;
  /**
   * Units that are not tokens, for models priced by them (transcription, OCR, search). Each is a
   * count of the call, inclusive like the token buckets: `audioSeconds` counts every second of
   * audio the call was billed for, `inputAudioSeconds` the input part of it.
   */
  audioSeconds?: number;
  inputAudioSeconds?: number;
  /** Document pages processed (OCR); `annotatedPages` is the part processed with annotations. */
  pages?: number;
  annotatedPages?: number;
  /** Web searches the provider ran for the call (server-side search tools). */
  webSearches?: number;
}

/** The optional buckets of `TokenUsage`, in display order. */
export const OPTIONAL_USAGE_BUCKETS = [
  'cacheWrite1h',
  'inputAudio',
  'cacheAudioRead',
  'outputAudio',
  'inputImage',
  'audioSeconds',
  'inputAudioSeconds',
  'pages',
  'annotatedPages',
  'webSearches',
] as const satisfies ReadonlyArray<keyof TokenUsage>;
export type OptionalUsageBucket = (typeof OPTIONAL_USAGE_BUCKETS)[number];

export type UsageBucket = 'input' | 'cacheRead' | 'cacheWrite' | 'output' | 'reasoning' | 'request' | (string & {});

export interface CallCost {
  /** Exact decimal string in `currency`; null when unpriced. */
  total: string | null;
  /** Exact decimal string per priced bucket (uncached input under `input`, text output under `output`). */
  breakdown: Partial<Record<UsageBucket, string>>;
  currency: string;
  /** Names the price source, its version and data date, plus a hash of user overrides. */
  pricingVersion: string | null;
  status: CostStatus;
  /**
   * Buckets the call used that the model has no price for (`input` for a model priced only per
   * audio hour): not charged, so `total` is only the priced part and `status` is `estimated`
   * (`unpriced`, with a null total, when nothing the call used is priced). Absent when none.
   */
  unpricedBuckets?: string[];
  /**
   * `provider/model` of the catalog entry whose prices were applied, when the call's model was
   * matched by a guess (a dated snapshot priced as its family, an id found at another provider):
   * the cost is then `estimated`. Absent for exact, alias, pattern and config matches.
   */
  pricedAs?: string;
}

export interface ToolCall {
  id?: string;
  type?: string;
  function?: { name: string; arguments: string };
  [key: string]: unknown;
}

export interface ResponseMessage {
  role: string;
  content: unknown;
  toolCalls?: ToolCall[];
  [key: string]: unknown;
}

/** Request parameters as sent; well-known ones are named, anything else is kept too. */
export interface CallParams {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  serviceTier?: string;
  reasoningEffort?: string;
  stop?: string | string[];
  [key: string]: unknown;
}

export interface CallRecord {
  // identity
  id: string;
  traceId: string;
  parentId: string | null;
  sessionId: string | null;
  userId: string | null;
  tenantId: string | null;
  requestId: string | null;
  callType: string;
  tags: string[];
  metadata: Record<string, unknown>;
  // request
  provider: string;
  model: string;
  systemPrompt: string | null;
  messages: unknown[];
  tools: unknown[] | null;
  toolChoice: unknown;
  params: CallParams;
  // response
  responseModel: string | null;
  responseMessage: ResponseMessage | null;
  finishReason: string | null;
  // usage and cost
  tokens: TokenUsage;
  /** null when no usage is known at all (a call that failed before any response). */
  tokenSource: TokenSource | null;
  cost: CallCost | null;
  /** Earlier costs of this call, oldest first, kept when it is repriced with newer prices. */
  costHistory: CallCost[];
  // timing and outcome
  /** ISO 8601, UTC, millisecond precision. */
  startedAt: string;
  endedAt: string;
  latencyMs: number;
  /** Time to first token, for streamed calls. */
  ttftMs: number | null;
  requestMode: RequestMode;
  streamed: boolean;
  /** A stream that ended before the provider said it was done. */
  partial: boolean;
  status: CallStatus;
  errorType: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
  retryAfterMs: number | null;
  /**
   * What the caller gave that was refused or had to be sanitized ("tokens: input is negative
   * (-5); recorded as 0"), one line each; absent when nothing was. Lets a report find the
   * records that were touched.
   */
  problems?: string[];
  /**
   * The answer came from the response cache: the provider was not contacted, so `cost.total` is
   * '0' and the token counts are 0. Absent for every other call.
   */
  cacheHit?: true;
  /**
   * What a cache hit saved: the cost of the call whose answer was served (an exact decimal
   * string in `cost.currency`), null when that call was unpriced. Set only with `cacheHit`.
   */
  costSaved?: string | null;
}

export const EMPTY_TOKENS: Readonly<TokenUsage> = Object.freeze({
  input: 0,
  output: 0,
  total: 0,
  cacheRead: 0,
  cacheWrite: 0,
  reasoning: 0,
});

/** Shared by records that have none: records are immutable, so one frozen instance serves all. */
export const NO_TAGS: readonly string[] = Object.freeze([]);
export const NO_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});
export const NO_COST_HISTORY: readonly CallCost[] = Object.freeze([]);
