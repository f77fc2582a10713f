import type { CallInit } from './call-types.js';
import type { CallContext } from './context.js';
import type { HandlerStats } from './handlers.js';
import type { CallRecord } from './record.js';
import type { WriteQueueStats } from './write-queue-options.js';

/* The shapes shared by the Ledger and its helpers: wrap defaults, the call gate, the stats. */

/** Defaults a wrapped client applies to every call; attribution from `ledger.context()` wins over them. */
export interface WrapDefaults extends Omit<CallContext, 'metadata'> {
  metadata?: Record<string, unknown>;
  /** Default `CHAT` (`EMBEDDING` for embedding endpoints). */
  callType?: string;
  /** Overrides the provider detected from the client (`openai`, `azure`, `anthropic`, `gemini`...). */
  provider?: string;
  /** A stream left unread this long is recorded as `partial` (`metadata.streamEnd: 'abandoned'`). Default 5 min; 0 = off. */
  streamIdleTimeoutMs?: number;
  /** OpenAI streams: ask for usage and hide the extra chunk. Default true; false for servers that reject it. */
  includeStreamUsage?: boolean;
  /** The response cache for this client: false never, true even when the ledger's cache is opt-in. */
  cache?: boolean;
}

/**
 * Admits a call before the provider is contacted (reserving its estimate against every budget and
 * rate limit, or throwing QuotaExceededError / RateLimitedError), and settles it once final.
 */
export interface CallGate {
  admit(init: CallInit): Promise<CallInit & { id: string }>;
  settle(record: CallRecord): void;
  release(id: string): void;
  /** Resolves once every settlement of a call finished before it is applied (or kept for replay). */
  flush?(): Promise<void>;
}

export interface LedgerStats extends WriteQueueStats {
  handlers: HandlerStats;
  /** Values that were refused or had to be sanitized (bad token counts, dates, costs, unknown keys). */
  invalidInput: number;
  /** Calls started with an id another recent call of this ledger already had (recorded under a new id). */
  duplicateIds: number;
}
