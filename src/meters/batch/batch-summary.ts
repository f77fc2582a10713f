import type { LedgerHandler } from '../../core/handlers.js';
import { addDecimal, formatDecimal, parseDecimal, ZERO, type Decimal } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';
import type { SummaryTokens } from '../../core/store.js';

/** What a batch did, logged when it ends. */
export interface BatchSummary {
  readonly batchId: string;
  readonly name: string | null;
  /** Items processed. */
  readonly count: number;
  readonly succeeded: number;
  readonly failures: number;
  /** LLM calls recorded while the items ran. */
  readonly calls: number;
  readonly tokens: SummaryTokens;
  /** Exact decimal sum of the calls' costs. */
  readonly cost: string;
  /** Calls whose cost is unknown (unpriced model): not included in `cost`. */
  readonly unpricedCalls: number;
  readonly durationMs: number;
  /** Items per second (logged as `requests_per_second`). */
  readonly requestsPerSecond: number;
}

/** Collects the records tagged with the batch's tag, as the ledger finalizes them. */
export class BatchCollector implements LedgerHandler {
  readonly name = 'batch-summary';
  calls = 0;
  unpricedCalls = 0;
  readonly tokens: SummaryTokens = { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  private cost: Decimal = ZERO;

  constructor(private readonly tag: string) {}

  onEnd(record: CallRecord): void {
    if (!record.tags.includes(this.tag)) return;
    this.calls += 1;
    for (const key of Object.keys(this.tokens) as Array<keyof SummaryTokens>) this.tokens[key] += record.tokens[key];
    const total = record.cost?.total;
    if (total === null || total === undefined) {
      if (record.tokenSource !== null) this.unpricedCalls += 1;
    } else {
      this.cost = addDecimal(this.cost, parseDecimal(total));
    }
  }

  totalCost(): string {
    return formatDecimal(this.cost);
  }
}
