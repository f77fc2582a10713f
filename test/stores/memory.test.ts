import { MemoryStore } from '../../src/stores/memory.js';
import { describeStoreContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

describeStoreContract(vitestApi, 'memory', () => new MemoryStore());
