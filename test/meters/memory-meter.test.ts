import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { describeMeterContract } from './meter-contract.js';

describeMeterContract('memory', async () => ({ backend: new MemoryMeterBackend() }));
