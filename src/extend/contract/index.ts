/**
 * `llm-ledger/extend/contract`: the behaviour suites our own stores, meter backends and cache
 * backends pass, for those who write one. Each takes the test functions of the caller's runner
 * (`{ describe, it, expect, beforeEach, afterEach }` from vitest or Jest), so nothing here
 * imports a test runner.
 */
export type { ContractTestApi, ContractExpect, ContractAssertion, ContractMatchers } from './test-api.js';
export { describeStoreContract, type StoreContractOptions } from './store/index.js';
export { describeMeterContract, type MeterBackendFactory } from './meter-contract.js';
export { describeCacheBackendContract, type CacheBackendFixture } from './cache-contract.js';
