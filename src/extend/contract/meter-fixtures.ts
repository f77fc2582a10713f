import type { CallRecord } from '../../core/record.js';
import type { EstimateOptions } from '../../meters/limits/call-estimate.js';
import { makeCost, makeRecord } from './records.js';

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  set(iso: string): void {
    this.time = Date.parse(iso);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** 1e-6 per input token, 2e-6 per output token; input counted as 100 tokens. */
export const FIXED_ESTIMATE: EstimateOptions = {
  priceLookup: () => ({ inputPerToken: '0.000001', outputPerToken: '0.000002' }),
  countInputTokens: () => 100,
  defaultMaxOutputTokens: 100,
};
/** What FIXED_ESTIMATE reserves for one call: 100 x 1e-6 + 100 x 2e-6. */
export const FIXED_ESTIMATE_COST = '0.0003';

/** A record started at `at`, with the given cost and tokens. */
export function usageRecord(
  at: number,
  overrides: Partial<CallRecord> & { costTotal?: string | null } = {},
): CallRecord {
  const { costTotal, ...rest } = overrides;
  return makeRecord({
    userId: 'u-1',
    tenantId: 't-1',
    startedAt: new Date(at).toISOString(),
    tokens: { input: 120, output: 30, total: 150, cacheRead: 20, cacheWrite: 5, reasoning: 10 },
    cost: makeCost(costTotal === undefined ? '0.0000063' : costTotal),
    ...rest,
  });
}
