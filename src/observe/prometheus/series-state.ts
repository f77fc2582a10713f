import { addDecimal, parseDecimal, type Decimal } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';
import type { BucketCounts } from './bucket-histogram.js';

/**
 * Everything recorded for one label combination. Counters are plain numbers and exact
 * decimals, turned into Prometheus samples at scrape time.
 */
export class SeriesState {
  readonly calls = new Map<string, number>();
  unpriced = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Exact cost per currency: 0.1 + 0.2 stays 0.3. */
  readonly costs = new Map<string, Decimal>();
  firstChunk: BucketCounts | undefined;
  /** Calls answered from the response cache, and what they saved per currency. */
  cacheHits = 0;
  readonly savedCosts = new Map<string, Decimal>();

  constructor(
    readonly tokenInput: BucketCounts,
    readonly tokenOutput: BucketCounts,
    readonly duration: BucketCounts,
  ) {}

  countCall(status: string): void {
    this.calls.set(status, (this.calls.get(status) ?? 0) + 1);
  }

  addCost(record: CallRecord): void {
    const cost = record.cost;
    if (record.cacheHit === true) {
      this.cacheHits += 1;
      if (cost !== null && typeof record.costSaved === 'string') {
        const saved = parseDecimal(record.costSaved);
        const before = this.savedCosts.get(cost.currency);
        this.savedCosts.set(cost.currency, before === undefined ? saved : addDecimal(before, saved));
      }
    }
    if (cost === null) return;
    if (cost.total === null) {
      this.unpriced += 1;
      return;
    }
    const amount = parseDecimal(cost.total);
    const total = this.costs.get(cost.currency);
    this.costs.set(cost.currency, total === undefined ? amount : addDecimal(total, amount));
  }
}
