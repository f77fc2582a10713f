// The wire server ships in the package (`llm-ledger/testing`); tests and benches import it from here.
export * from '../../../src/testing/index.js';
