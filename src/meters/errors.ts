import { ERROR_KIND, errorKind, LedgerError, StoreError, type LedgerErrorCode } from '../core/errors.js';
import type { Budget } from './limits/limit-types.js';

/**
 * Codes these errors carry at runtime. `QUOTA_EXCEEDED` and `RATE_LIMITED` are not yet members
 * of the core's `LedgerErrorCode` union; until they are, they pass through this one cast.
 */
function meterCode(code: 'QUOTA_EXCEEDED' | 'RATE_LIMITED'): LedgerErrorCode {
  return code as string as LedgerErrorCode;
}

/** Which quantity of a budget was exceeded. */
export type LimitField = 'cost' | 'tokens' | 'requests';

/**
 * A hard budget would be exceeded by this call's reservation: the provider was not contacted.
 * Amounts are exact decimal strings: cost in the meter's currency, tokens and requests as integers.
 *
 * @example
 * try {
 *   await metered.logCall({ model: 'gpt-4o', userId: 'u-42', messages }, run);
 * } catch (error) {
 *   if (error instanceof QuotaExceededError) reply(429, `budget used until ${error.resetsAt.toISOString()}`);
 * }
 */
export class QuotaExceededError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('QuotaExceededError');

  /** `user:u-42`: the subject whose budget is exhausted. */
  readonly subject: string;
  /** The limit as set, such as `{ subject: 'user:*', period: 'month', maxCost: '25', mode: 'hard' }`. */
  readonly limit: Budget;
  readonly field: LimitField;
  /** Settled usage in the current window. */
  readonly used: string;
  /** Held by reservations of calls still running. */
  readonly reserved: string;
  /** This call's estimate. */
  readonly estimate: string;
  /** The limit's maximum for `field`. */
  readonly max: string;
  /** When the window ends and the budget starts again. */
  readonly resetsAt: Date;

  constructor(args: {
    subject: string;
    limit: Budget;
    field: LimitField;
    used: string;
    reserved: string;
    estimate: string;
    max: string;
    resetsAt: Date;
  }) {
    super(
      `Budget exceeded for ${args.subject}: ${args.field} used ${args.used} + reserved ${args.reserved} + ` +
        `this call's estimate ${args.estimate} is over the limit ${args.max}; it resets at ${args.resetsAt.toISOString()}`,
      { code: meterCode('QUOTA_EXCEEDED') },
    );
    this.name = 'QuotaExceededError';
    this.subject = args.subject;
    this.limit = args.limit;
    this.field = args.field;
    this.used = args.used;
    this.reserved = args.reserved;
    this.estimate = args.estimate;
    this.max = args.max;
    this.resetsAt = args.resetsAt;
  }
}

/**
 * A rate limit (requests or tokens per minute) has no room for this call now; it will in
 * `retryAfterMs` milliseconds, if nothing else takes the room first.
 *
 * @example
 * catch (error) {
 *   if (error instanceof RateLimitedError) await sleep(error.retryAfterMs);
 * }
 */
export class RateLimitedError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('RateLimitedError');

  readonly subject: string;
  readonly kind: 'requests' | 'tokens';
  /** Requests or tokens allowed per minute. */
  readonly perMinute: number;
  readonly retryAfterMs: number;

  constructor(args: { subject: string; kind: 'requests' | 'tokens'; perMinute: number; retryAfterMs: number }) {
    super(
      `Rate limit for ${args.subject}: at most ${args.perMinute} ${args.kind} per minute; retry in ${args.retryAfterMs} ms`,
      { code: meterCode('RATE_LIMITED') },
    );
    this.name = 'RateLimitedError';
    this.subject = args.subject;
    this.kind = args.kind;
    this.perMinute = args.perMinute;
    this.retryAfterMs = args.retryAfterMs;
  }
}

/**
 * The meter's backend (Redis, SQLite) could not be reached or failed; `retryable` is true. Thrown
 * by `reserve` only when the meter fails closed, and by `get`.
 *
 * @example
 * if (error instanceof MeterUnavailableError) reply(503, 'usage limits cannot be checked right now');
 */
export class MeterUnavailableError extends StoreError {
  static override readonly [ERROR_KIND]: string = errorKind('MeterUnavailableError');

  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.name = 'MeterUnavailableError';
  }
}

/**
 * The meter was closed; it accepts no more operations.
 *
 * @example
 * await meter.close();
 * await meter.get('user:u-42'); // throws MeterClosedError
 */
export class MeterClosedError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('MeterClosedError');

  constructor() {
    super('The meter is closed; create a new one with createMeter()', { code: 'LEDGER_CLOSED' });
    this.name = 'MeterClosedError';
  }
}
