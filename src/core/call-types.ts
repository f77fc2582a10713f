import type { CallCost, CallParams, CallRecord, RequestMode, ResponseMessage, TokenSource } from './record.js';
import type { TokenCountsInput } from './token-input.js';

/* The shapes a caller sees: what starts a call, what it reports while running and when it ends. */

/** What a call is, known when it starts. Only `model` is required. */
export interface CallInit {
  model: string;
  provider?: string;
  callType?: string;
  systemPrompt?: string | null;
  messages?: readonly unknown[];
  tools?: readonly unknown[] | null;
  toolChoice?: unknown;
  params?: CallParams;
  requestMode?: RequestMode;
  // attribution; inherited from the surrounding context when omitted
  id?: string;
  traceId?: string;
  parentId?: string | null;
  sessionId?: string;
  userId?: string;
  tenantId?: string;
  requestId?: string;
  tags?: readonly string[];
  metadata?: Record<string, unknown>;
  /** When it fires before the call is finalized, the call is recorded as cancelled. */
  signal?: AbortSignal;
  /** For importing past calls; defaults to now. */
  startedAt?: Date | string | number;
}

/** Read-only view of a call that has started; handlers receive it in `onStart`. */
export interface CallStart {
  readonly id: string;
  readonly traceId: string;
  readonly parentId: string | null;
  readonly sessionId: string | null;
  readonly userId: string | null;
  readonly tenantId: string | null;
  readonly requestId: string | null;
  readonly callType: string;
  readonly provider: string;
  readonly model: string;
  readonly requestMode: RequestMode;
  readonly systemPrompt: string | null;
  readonly messages: readonly unknown[];
  readonly tools: readonly unknown[] | null;
  readonly params: CallParams;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds. */
  readonly startedAtMs: number;
}

/** Progress while a call runs (streaming). */
export interface CallProgress {
  /** Appends streamed text to the response; the first piece sets time to first token. */
  appendText?: string;
  /** Marks the first token without text (tool-call deltas, audio). */
  firstToken?: boolean;
  responseMessage?: ResponseMessage;
  responseModel?: string;
  finishReason?: string;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
}

export interface CallResult {
  /** A string is taken as the assistant's text. */
  responseMessage?: ResponseMessage | string | null;
  responseModel?: string | null;
  finishReason?: string | null;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
  /**
   * A cost the caller computed (the Python examples' `estimated_cost`): a decimal string or number
   * ≥ 0 (at most 15 integer digits and 20 decimals), or a whole CallCost. Anything else is refused.
   */
  cost?: string | number | CallCost;
  /**
   * `partial` for a stream that ended before the provider said it was done. Anything else is a
   * problem: `error` and `cancelled` are recorded as given but belong to `fail()` and `cancel()`.
   */
  status?: 'success' | 'partial';
  metadata?: Record<string, unknown>;
  ttftMs?: number;
  /**
   * The answer was served from the response cache: the record is written with `cacheHit: true`,
   * cost '0', tokens 0 and `costSaved` (what the original call cost, null when unpriced).
   */
  cacheHit?: { costSaved: string | null };
  /**
   * The tool calls the model asked for, beside `responseMessage`: OpenAI's raw `tool_calls`,
   * Anthropic `tool_use` blocks, Gemini `functionCall` parts or `{ id, name, arguments }`; stored
   * as `responseMessage.toolCalls` in the shape the SDK wrappers store.
   */
  toolCalls?: readonly unknown[];
  /** OpenAI's snake_case name for `toolCalls`. */
  tool_calls?: readonly unknown[];
}

export interface FailureDetails {
  errorType?: string;
  errorMessage?: string;
  httpStatus?: number | null;
  retryAfterMs?: number | null;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
  responseMessage?: ResponseMessage | string | null;
  /** Output had started arriving when it failed. */
  partial?: boolean;
  metadata?: Record<string, unknown>;
}

export interface CallHandle extends CallStart {
  readonly finalized: boolean;
  /** The record, once finalized. */
  readonly record: CallRecord | undefined;
  update(progress: CallProgress): void;
  /** A string is taken as the assistant's text: `call.complete('Hello!')`. */
  complete(result?: CallResult | string): CallRecord;
  fail(error: unknown, details?: FailureDetails): CallRecord;
  cancel(reason?: unknown, details?: FailureDetails): CallRecord;
}
