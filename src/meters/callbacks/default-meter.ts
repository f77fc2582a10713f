import { createMeter } from '../create-meter.js';
import type { Meter } from '../meter.js';

let defaultMeter: Meter | undefined;

/**
 * The meter the token callback factories use when none is passed: set with `setDefaultMeter`, else
 * created on first use from the environment (`LLM_LEDGER_METER`, or `REDIS_HOST`, `REDIS_PORT`,
 * `REDIS_PASSWORD`, `REDIS_DB`), else in memory.
 *
 * @example
 * setDefaultMeter(createMeter({ backend: 'redis://cache:6379/0' }));
 */
export function getDefaultMeter(): Meter {
  return (defaultMeter ??= createMeter());
}

export function setDefaultMeter(meter: Meter | undefined): void {
  defaultMeter = meter;
}
