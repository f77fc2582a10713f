import type { CallHandle, CallInit } from '../../core/call.js';
import type { Ledger } from '../../core/ledger.js';
import { runBatch, type BatchOptions, type BatchResult } from '../batch/run-batch.js';
import type { Limits } from '../limits/limit-registry.js';
import type { Meter } from '../meter.js';
import { createMeterHandler } from './meter-handler.js';
import { meteredCall } from './metered-call.js';

/** The metering surface of a ledger: what `ledger.meter`, `ledger.limits` and `ledger.batch` will be. */
export interface LedgerMetering {
  readonly meter: Meter;
  readonly limits: Limits;
  /** `ledger.logCall` with reservation before and settlement after. */
  logCall<T>(init: CallInit, fn: (call: CallHandle) => Promise<T> | T): Promise<T>;
  /** A batch processor over this ledger: bounded concurrency, per-item errors, summary. */
  batch<I, T>(
    items: Iterable<I>,
    fn: (item: I, index: number) => Promise<T>,
    options?: BatchOptions,
  ): Promise<BatchResult<I, T>>;
  /** Removes the settlement handler from the ledger. The meter stays open. */
  detach(): void;
}

/**
 * Connects a meter to a ledger: every finished call is settled on the meter (a ledger handler),
 * and `logCall` reserves before the provider is contacted. Until the core offers `ledger.meter`,
 * this is how a ledger gets metering.
 *
 * @example
 * const metering = attachMeter(ledger, createMeter({ backend: 'redis://127.0.0.1:6379' }));
 * metering.limits.set({ subject: 'user:*', period: 'month', maxCost: '10', mode: 'hard' });
 * await metering.logCall({ model: 'gpt-4o-mini', userId: 'u-42', messages }, run);
 * await metering.meter.get('user:u-42', 'month');
 */
export function attachMeter(
  ledger: Pick<Ledger, 'logCall' | 'addHandler' | 'removeHandler' | 'context' | 'flush' | 'logger'>,
  meter: Meter,
): LedgerMetering {
  const handler = createMeterHandler(meter);
  ledger.addHandler(handler);
  return {
    meter,
    limits: meter.limits,
    logCall: (init, fn) => meteredCall(ledger, meter, init, fn),
    batch: (items, fn, options) => runBatch(ledger, items, fn, options),
    detach: () => {
      ledger.removeHandler(handler);
    },
  };
}
