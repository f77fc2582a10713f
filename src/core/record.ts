/**
 * The call record: one immutable row per LLM call, written when the call ends.
 * camelCase here, snake_case in SQL (`llm_request_logs`).
 */

/** Well-known call types. `callType` is an open string; these are the ones the seeds name. */
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
/** `unpriced` means the model is unknown: cost is null, never 0. */
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
  inputAudio?: number;
  outputAudio?: number;
  inputImage?: number;
}

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
