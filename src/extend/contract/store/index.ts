import type { Store } from '../../../core/store.js';
import type { ContractTestApi } from '../test-api.js';
import { describeLifecycleContract } from './lifecycle.js';
import { describeListContract } from './list.js';
import { describeSummaryContract } from './summary.js';
import { describeRankedSummaryContract } from './ranked-summary.js';
import { describeRollupContract } from './rollups.js';
import { describeWriteContract } from './write.js';

export interface StoreContractOptions {
  /**
   * For stores that answer summaries from histograms (rollups): the relative error their latency
   * percentiles may have. Counts, tokens and costs stay exact. Default 0.
   */
  percentileTolerance?: number;
}

/**
 * The behaviour every Store must have: writes idempotent by id, list filters and cursors,
 * summaries with exact decimal costs, repricing with history, byTrace, and close. `factory`
 * returns a fresh, empty store for each test; the suite closes it after the test. Expected values
 * are computed by the suite's own code (expectations.ts), never read back from a store.
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { describeStoreContract } from 'llm-ledger/extend/contract';
 * describeStoreContract({ describe, it, expect, beforeEach, afterEach }, 'my store', () => new MyStore());
 */
export function describeStoreContract(
  t: ContractTestApi,
  name: string,
  factory: () => Promise<Store> | Store,
  options: StoreContractOptions = {},
): void {
  const tolerance = options.percentileTolerance ?? 0;
  t.describe(`Store contract: ${name}`, () => {
    let store: Store;

    t.beforeEach(async () => {
      store = await factory();
    });

    t.afterEach(async () => {
      await store.close();
    });

    const current = () => store;
    describeWriteContract(t, current);
    describeListContract(t, current);
    describeSummaryContract(t, current, tolerance);
    describeRankedSummaryContract(t, current, tolerance);
    describeRollupContract(t, current, tolerance);
    describeLifecycleContract(t, current);
  });
}
