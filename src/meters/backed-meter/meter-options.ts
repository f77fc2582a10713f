import { ValidationError } from '../../core/errors.js';
import { consoleLogger, type LedgerLogger } from '../../core/logger.js';
import type { Spool } from '../../core/spool.js';
import type { MeterBackend } from '../backend.js';
import type { EstimateOptions } from '../limits/call-estimate.js';
import type { BudgetInput, RateLimitInput } from '../limits/limit-types.js';
import type { LimitAlert } from '../meter.js';
import { cycleAnchorDay, parsePeriod, type Period, type PeriodInput } from '../counters/period.js';
import { checkDimension, type DimensionReader } from '../counters/subject.js';

export interface MeterOptions {
  backend: MeterBackend;
  /** Dimensions every call is counted under. Default `['user', 'tenant']`; dimensions that limits name are added. */
  dimensions?: readonly string[];
  /** Readers for custom dimensions; by default a dimension reads `metadata[name]`. */
  dimensionReaders?: Readonly<Record<string, DimensionReader>>;
  /** Periods every call is counted in. Default `['day', 'cycle']`. */
  periods?: readonly PeriodInput[];
  /** Billing cycle start, `YYYY-MM-DD`; cycles restart on that day each month. Default: the 1st. */
  cycleStartDate?: string;
  /** Budgets and rate limits to start with. */
  limits?: { budgets?: readonly BudgetInput[]; rates?: readonly RateLimitInput[] };
  /** Currency of costs and budgets. Default `USD`. */
  currency?: string;
  estimate?: EstimateOptions;
  clock?: { now(): number };
  /** How long a reservation holds if its call is never settled (the process died). Default 15 minutes. */
  reservationTtlMs?: number;
  /** How long counters are kept after their window ends. Default 35 days. */
  retentionMs?: number;
  /** How long an applied record id is remembered, making replays idempotent. Default 24 hours. */
  idempotencyTtlMs?: number;
  /** true (default): when the backend is down, calls go on unreserved and settlements are replayed later. */
  failOpen?: boolean;
  /** Longest wait for one backend operation. Default 2000. */
  operationTimeoutMs?: number;
  /** Attempts per settlement batch before it goes to the replay queue, and the backoff. Default 3, 100 ms, 30 s. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Settlements kept for replay at most. Default 100,000. */
  maxPendingReplay?: number;
  logger?: LedgerLogger;
  onAlert?: (alert: LimitAlert) => void;
  /**
   * Durable storage for settlements the backend cannot take (it is down): each is appended, and
   * fsynced, to the spool, then applied once when the backend is back, by this process or, after
   * a crash, by the next one opening the same spool. Closed by `close()`. Without it they are kept
   * in memory only.
   */
  spool?: Spool;
}

/** The options with every default filled in and checked. */
export interface MeterSettings {
  readonly currency: string;
  readonly cycleStartDate: string | undefined;
  readonly dimensions: readonly string[];
  readonly periods: readonly Period[];
  readonly clock: { now(): number };
  readonly logger: LedgerLogger;
  readonly estimate: EstimateOptions;
  readonly reservationTtlMs: number;
  readonly retentionMs: number;
  readonly idempotencyTtlMs: number;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly maxPendingReplay: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const systemClock = { now: () => Date.now() };

/** Fills in defaults; throws ConfigError for a bad cycle start date, dimension or period. */
export function resolveMeterOptions(options: MeterOptions): MeterSettings {
  const cycleStartDate = options.cycleStartDate;
  if (cycleStartDate !== undefined) cycleAnchorDay(cycleStartDate);
  const maxPendingReplay = options.maxPendingReplay ?? 100_000;
  if (!Number.isInteger(maxPendingReplay) || maxPendingReplay < 0) {
    throw new ValidationError(
      'maxPendingReplay',
      `expected a whole number >= 0 of settlements kept for replay (default 100000), got ${String(maxPendingReplay)}`,
    );
  }
  const periods = (options.periods ?? ['day', 'cycle']).map((period) => parsePeriod(period, cycleStartDate));
  return {
    currency: options.currency ?? 'USD',
    cycleStartDate,
    dimensions: (options.dimensions ?? ['user', 'tenant']).map((name) => checkDimension(name)),
    // `cycle` with the default start is `month`: counted once.
    periods: [...new Map(periods.map((period) => [period.name, period])).values()],
    clock: options.clock ?? systemClock,
    logger: options.logger ?? consoleLogger,
    estimate: options.estimate ?? {},
    reservationTtlMs: options.reservationTtlMs ?? 15 * MINUTE,
    retentionMs: options.retentionMs ?? 35 * DAY,
    idempotencyTtlMs: options.idempotencyTtlMs ?? DAY,
    failOpen: options.failOpen ?? true,
    timeoutMs: options.operationTimeoutMs ?? 2_000,
    retry: {
      attempts: Math.max(1, options.retry?.attempts ?? 3),
      baseDelayMs: options.retry?.baseDelayMs ?? 100,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    },
    maxPendingReplay,
  };
}
