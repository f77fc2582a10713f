import { processGlobal } from '../core/process-global.js';
import { createMeter } from './create-meter.js';
import type { Meter } from './meter.js';

const shared = processGlobal<Meter>('default-meter');

/**
 * The meter the token callback factories use when none is passed: set with `setDefaultMeter`, else
 * created on first use (never at import) from the environment (`LLM_LEDGER_METER`, or `REDIS_HOST`,
 * `REDIS_PORT`, `REDIS_PASSWORD`, `REDIS_DB`), else in memory. One per process, shared by every
 * copy of the package.
 *
 * @example
 * setDefaultMeter(createMeter({ backend: 'redis://cache:6379/0' }));
 */
export function getDefaultMeter(): Meter {
  let meter = shared.get();
  if (!meter) {
    meter = createMeter();
    shared.set(meter);
  }
  return meter;
}

/** Chooses the process-wide default meter, or clears it (`undefined`: the next use creates one). */
export function setDefaultMeter(meter: Meter | undefined): void {
  shared.set(meter);
}
