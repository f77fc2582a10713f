import type { LedgerHandler } from '../core/handlers.js';
import type { CallRecord } from '../core/record.js';
import type { Meter } from './meter.js';

/**
 * A ledger handler that settles every finished call on the meter: usage counted per subject and
 * period, any reservation with the record's id released. Failed and cancelled calls count what
 * they used. Off the caller's path (handlers run after the call), idempotent per record id.
 *
 * @example
 * ledger.addHandler(createMeterHandler(meter));
 */
export function createMeterHandler(meter: Meter): LedgerHandler {
  return {
    name: 'meter',
    onEnd(record: CallRecord) {
      return meter.settle(record);
    },
  };
}
