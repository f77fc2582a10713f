import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { describeMeterContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

describeMeterContract(vitestApi, 'memory', async () => ({ backend: new MemoryMeterBackend() }));
