import type { PeriodInput } from '../counters/period.js';
import type { Subject } from '../counters/subject.js';

export type LimitMode = 'hard' | 'soft';

/**
 * A budget as given to `limits.set()`. `maxCost` is an exact decimal in the meter's currency
 * (a string keeps every digit); at least one maximum is required.
 */
export interface BudgetInput {
  /** `user:u-42`, `tenant:acme`, `model:gpt-4o`, `apiKey:key-1`, or `user:*` for each user separately. */
  subject: string | Subject;
  /** Default `cycle` (the meter's billing cycle). */
  period?: PeriodInput;
  maxCost?: string | number;
  maxTokens?: number;
  maxRequests?: number;
  /** `hard` (default): calls that would exceed it throw QuotaExceededError; `soft`: an alert is emitted. */
  mode?: LimitMode;
}

/** A budget as registered: plain, frozen, and what QuotaExceededError and alerts carry as `limit`. */
export interface Budget {
  readonly subject: string;
  readonly period: string;
  readonly maxCost: string | null;
  readonly maxTokens: number | null;
  readonly maxRequests: number | null;
  readonly mode: LimitMode;
}

/** Requests and tokens per minute for a subject (or each subject of a dimension, with `*`). */
export interface RateLimitInput {
  subject: string | Subject;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface RateLimit {
  readonly subject: string;
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
}
