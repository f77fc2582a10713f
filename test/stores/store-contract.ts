import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { describeLifecycleContract } from './contract-lifecycle.js';
import { describeListContract } from './contract-list.js';
import { describeSummaryContract } from './contract-summary.js';
import { describeWriteContract } from './contract-write.js';

export { buildDataset, seeded } from './contract-data.js';

/**
 * The behaviour every Store must have. Each backend's test file calls this with a factory that
 * returns a fresh, empty store; the suite closes it after each test. Expected values are computed
 * by the test's own code (contract-expectations.ts), never read back from a store.
 *
 * @example
 * describeStoreContract('memory', () => new MemoryStore());
 */
export function describeStoreContract(name: string, factory: () => Promise<Store> | Store): void {
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
    describeSummaryContract(current);
    describeLifecycleContract(current);
  });
}
