import { MemoryStore } from '../../src/stores/memory.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', () => new MemoryStore());
