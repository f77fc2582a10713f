import type { CallInit } from './call-types.js';
import type { Clock, Pricer } from './call-owner.js';
import type { CallContext } from './context.js';
import type { Pingable } from './health.js';
import type { HandlerStats, LedgerHandler } from './handlers.js';
import type { Ledger } from './ledger.js';
import type { LedgerLogger } from './logger.js';
import type { LedgerSettings } from './ledger-settings.js';
import type { Problem } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import type { DeadLetterFile } from './dead-letters.js';
import type { Durability, Spool } from './spool.js';
import type { Store } from './store.js';
import type { WriteQueueStats } from './write-queue-options.js';
import type { CallTokenEstimator } from '../tokens/call-token-estimator.js';

/* What a Ledger is built from, and the shapes of the adapters that plug into it. */

export interface LedgerParts {
  settings: LedgerSettings;
  store: Store;
  handlers?: readonly LedgerHandler[];
  logger: LedgerLogger;
  pricer?: Pricer;
  /** The token fallback chain for calls without provider usage (createLedger builds it from its options). */
  tokenEstimator?: CallTokenEstimator;
  clock?: Clock;
  /** The meter's connection check (a Redis ping), reported by `health()`. */
  meter?: Pingable;
  /** Sees every internal problem (store failures, handler errors, sanitized input). */
  onError?: (problem: Problem) => void;
  /** What `ledger.wrap()` delegates to. createLedger plugs in capture: the core imports no adapter. */
  wrapClient?: ClientWrapper;
  /** Budgets and rate limits around each call (the meter); the core holds only this shape. */
  gate?: CallGate;
  /** Runs last in `close()` (closes the meter). */
  onClose?: () => Promise<void>;
  /** Durable local storage used while the store is down or the queue is full; closed by `close()`. */
  spool?: Spool;
  /** Takes the records still pending at `close()` that neither the store nor the spool took. */
  deadLetterFile?: DeadLetterFile;
  /** `sync` (needs `spool`): each record is fsynced to the spool before complete() returns. Default `batched`. */
  durability?: Durability;
}

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

export type ClientWrapper = <C extends object>(ledger: Ledger, client: C, defaults?: WrapDefaults) => C;

export interface LedgerStats extends WriteQueueStats {
  handlers: HandlerStats;
  /** Values that were refused or had to be sanitized (bad token counts, dates, costs, unknown keys). */
  invalidInput: number;
  /** Calls started with an id another recent call of this ledger already had (recorded under a new id). */
  duplicateIds: number;
}
