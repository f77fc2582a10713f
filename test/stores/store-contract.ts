import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { describeLifecycleContract } from './contract-lifecycle.js';
import { describeListContract } from './contract-list.js';
import { describeSummaryContract } from './contract-summary.js';
import { describeRollupContract } from './contract-rollups.js';
import { describeWriteContract } from './contract-write.js';

export { buildDataset, seeded } from './contract-data.js';

/**
 * The behaviour every Store must have. Each backend's test file calls this with a factory that
 * returns a fresh, empty store; the suite closes it after each test. Expected values are computed
 * by the test's own code (contract-expectations.ts), never read back from a store.
 *
 * Stores that answer summaries from rollups declare `percentileTolerance`: the relative error
 * their latency percentiles may have (counts, tokens and costs stay exact).
 *
 * @example
 * describeStoreContract('memory', () => new MemoryStore());
 */
export interface StoreContractOptions {
  percentileTolerance?: number;
}

export function describeStoreContract(
  name: string,
  factory: () => Promise<Store> | Store,
  options: StoreContractOptions = {},
): void {
  const tolerance = options.percentileTolerance ?? 0;
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    const current = () => store;
    describeWriteContract(current);
    describeListContract(current);
    describeSummaryContract(current, tolerance);
    describeRollupContract(current, tolerance);
    describeLifecycleContract(current);
  });
}
