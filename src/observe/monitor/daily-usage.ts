import { addDecimal, formatDecimal, ZERO, type Decimal } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';

/** One user's usage on one UTC day (like Python's `track_daily_usage`). */
export interface DailyUsageRow {
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** null for calls without a user; `(other)` pools users beyond the tracking cap. */
  userId: string | null;
  requestCount: number;
  /** Exact decimal sum of the priced calls, in `currency`. */
  totalCost: string;
  currency: string;
  /** `totalCost / requestCount`, rounded half up to 9 decimals; "0" without requests. */
  averageCostPerRequest: string;
  /** Calls whose cost is unknown (or in another currency): not in `totalCost`. */
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
}

interface UserTotals {
  calls: number;
  cost: Decimal;
  unpriced: number;
  input: number;
  output: number;
}

export const OTHER_USERS = '(other)';

/**
 * Per-user totals for the current day. Costs are summed exactly (BigInt decimals): the
 * per-user daily threshold compares these sums, never floats.
 */
export class DailyUsage {
  private users = new Map<string | null, UserTotals>();

  constructor(
    private readonly currency: string,
    private readonly maxUsers: number,
  ) {}

  /**
   * Adds a call, with its cost already parsed (null when unknown or in another currency), and
   * returns its user's cost so far today.
   */
  add(record: CallRecord, amount: Decimal | null): { userId: string | null; cost: Decimal } {
    let userId = record.userId;
    let totals = this.users.get(userId);
    if (!totals) {
      // Past the cap, new users share one row: memory stays bounded on a busy day.
      if (this.users.size >= this.maxUsers) userId = OTHER_USERS;
      totals = this.users.get(userId);
      if (!totals) {
        totals = { calls: 0, cost: ZERO, unpriced: 0, input: 0, output: 0 };
        this.users.set(userId, totals);
      }
    }
    totals.calls += 1;
    totals.input += record.tokens.input;
    totals.output += record.tokens.output;
    if (amount !== null) totals.cost = addDecimal(totals.cost, amount);
    else totals.unpriced += 1;
    return { userId, cost: totals.cost };
  }

  rows(day: string): DailyUsageRow[] {
    const rows: DailyUsageRow[] = [];
    for (const [userId, totals] of this.users) {
      rows.push({
        day,
        userId,
        requestCount: totals.calls,
        totalCost: formatDecimal(totals.cost),
        currency: this.currency,
        averageCostPerRequest: formatDecimal(divide(totals.cost, totals.calls, 9)),
        unpricedCalls: totals.unpriced,
        inputTokens: totals.input,
        outputTokens: totals.output,
      });
    }
    return rows.sort((a, b) => (a.userId ?? '').localeCompare(b.userId ?? ''));
  }

  reset(): void {
    this.users = new Map();
  }

  get size(): number {
    return this.users.size;
  }
}

/** `value / count` rounded half up to `places` decimals (an average cannot always be exact). */
function divide(value: Decimal, count: number, places: number): Decimal {
  if (count === 0) return ZERO;
  // value = units / 10^scale; scaling by 10^places before the integer division keeps `places` digits.
  const scaled = value.units * 10n ** BigInt(places);
  const divisor = BigInt(count);
  let quotient = scaled / divisor;
  const remainder = scaled % divisor;
  if (remainder * 2n >= divisor) quotient += 1n;
  return { units: quotient, scale: value.scale + places };
}

/** The UTC day of an epoch-millisecond time, as YYYY-MM-DD. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
