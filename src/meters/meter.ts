import type { CallRecord } from '../core/record.js';
import type { LimitField } from './errors.js';
import type { CallEstimate, EstimatableCall } from './limits/call-estimate.js';
import type { Limits } from './limits/limit-registry.js';
import type { Budget } from './limits/limit-types.js';
import type { PeriodInput } from './counters/period.js';
import type { Subject } from './counters/subject.js';

/** The record fields a meter reads: a full CallRecord fits. */
export type MeterableRecord = Pick<
  CallRecord,
  'id' | 'userId' | 'tenantId' | 'provider' | 'model' | 'metadata' | 'tokens' | 'cost' | 'startedAt'
> &
  Partial<Pick<CallRecord, 'cacheHit'>>;

/** A call about to be made. `id` becomes the record's id, which links the reservation to its settlement. */
export interface ReserveCall extends EstimatableCall {
  readonly id: string;
}

/** What `reserve` held for a call; released by `settle(record)` with the same id, or on expiry. */
export interface Reservation {
  readonly id: string;
  readonly estimate: CallEstimate;
  readonly expiresAt: Date;
  /** Soft limits this call crosses. */
  readonly alerts: readonly LimitAlert[];
}

/** A soft limit crossed: emitted to `onAlert` listeners and logged, once per window and limit. */
export interface LimitAlert {
  readonly subject: string;
  readonly limit: Budget;
  readonly field: LimitField;
  readonly used: string;
  readonly reserved: string;
  readonly estimate: string;
  readonly max: string;
  readonly windowStart: Date;
  readonly resetsAt: Date;
}

/** One subject's usage in one window. Cost amounts are exact decimal strings. */
export interface MeterUsage {
  readonly subject: string;
  readonly period: string;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly requests: number;
  readonly tokens: {
    readonly input: number;
    readonly cacheRead: number;
    readonly cacheWrite: number;
    readonly output: number;
    readonly reasoning: number;
    readonly total: number;
  };
  readonly cost: string;
  readonly currency: string;
  /** Calls of unpriced models: their cost is unknown and not included in `cost`. */
  readonly unpricedRequests: number;
  /** Held by reservations of calls still running. */
  readonly reserved: { readonly cost: string; readonly tokens: number; readonly requests: number };
}

export interface MeterStats {
  /** Records whose usage was applied. */
  applied: number;
  /** Settlements skipped because their record was already applied (replays, duplicates). */
  duplicates: number;
  reservations: number;
  quotaRejections: number;
  rateLimitRejections: number;
  /** Calls let through without a reservation because the backend was down (fail-open). */
  unreserved: number;
  /** Settlements waiting for the backend to come back. */
  pendingReplay: number;
  /** Settlements kept on disk (the meter's spool) until the backend takes them: they survive a restart. */
  spooled: number;
  replayed: number;
  /** Settlements dropped because the replay queue was full. */
  droppedReplay: number;
  /** Backend operations that failed (each retry counts). */
  backendErrors: number;
  /**
   * Settled calls that used more tokens or cost than their reservation held (the provider went
   * past the estimate: no `max_tokens`, or an input count that was low). Each is how a hard
   * budget can be overspent: by the excess of the calls in flight at the time.
   */
  exceededReservation: number;
  /**
   * Whether the backend is known to be down (the circuit breaker is open): reserves and reads do
   * not wait for it, settlements are kept for replay.
   */
  backendDown: boolean;
  /** Calls let through unreserved while the backend was down: their usage went past every budget check. */
  overspend: { calls: number; tokens: number; cost: string };
}

/** Where a record is counted by `count()`: one subject in one period, outside the meter's defaults. */
export interface CountTarget {
  subject: string | Subject;
  period?: PeriodInput;
}

/**
 * Usage counters per subject and period, budgets and rate limits. One implementation
 * (`BackedMeter`) over three backends: memory, SQLite and Redis.
 *
 * @example
 * const meter = createMeter({ backend: 'redis://127.0.0.1:6379', periods: ['day', 'cycle'] });
 * meter.limits.set({ subject: 'user:*', period: 'cycle', maxCost: '25', mode: 'hard' });
 * const reservation = await meter.reserve({ id: callId, model: 'gpt-4o', userId: 'u-42', messages });
 * // ... call the provider, record the call ...
 * await meter.settle(record);
 * await meter.get('user:u-42', 'cycle'); // { requests, tokens, cost: '0.0123', reserved, ... }
 */
export interface Meter {
  /** `memory`, `sqlite` or `redis`. */
  readonly kind: string;
  readonly currency: string;
  readonly limits: Limits;
  /**
   * Checks every budget and rate limit that applies to the call and reserves its estimate,
   * atomically. Throws QuotaExceededError (hard budget) or RateLimitedError; returns null when no
   * limit applies (nothing is reserved) or the backend is down and the meter fails open.
   */
  reserve(call: ReserveCall, estimate?: CallEstimate): Promise<Reservation | null>;
  /** Releases a reservation whose call was never made. */
  release(id: string): Promise<void>;
  /**
   * Counts a finished call: its usage goes to every metered subject and period, its reservation
   * (if any) is released. Idempotent per record id; never rejects (failures are retried, then
   * replayed when the backend is back).
   */
  settle(record: MeterableRecord): Promise<void>;
  /**
   * Counts a record for one subject in one period (as the per-user token callbacks do). A counter
   * holds a record once: counting it again, or on a counter its settlement reached (by this meter
   * or another on the same backend, before or after), adds nothing.
   */
  count(record: MeterableRecord, target: CountTarget): Promise<void>;
  get(subject: string | Subject, period?: PeriodInput, at?: Date | number): Promise<MeterUsage>;
  /** Subscribes to soft-limit alerts; returns the unsubscribe function. */
  onAlert(listener: (alert: LimitAlert) => void): () => void;
  /** Waits for pending settlements and tries the replay queue once. */
  flush(): Promise<void>;
  stats(): MeterStats;
  close(): Promise<void>;
}
