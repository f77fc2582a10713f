import type { LedgerHandler } from '../../core/handlers.js';
import type { CallRecord } from '../../core/record.js';
import type { Meter } from '../meter.js';

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
      // Not returned: during an outage a settlement waits for retries longer than the ledger's
      // handler timeout. It never rejects, and `meter.flush()` waits for it.
      void meter.settle(record);
    },
    flush() {
      return meter.flush();
    },
  };
}
