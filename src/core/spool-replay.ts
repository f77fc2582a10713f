import type { StoreError } from './errors.js';
import type { CallRecord } from './record.js';
import type { Spool } from './spool.js';
import type { Store } from './store.js';
import { toStoreError } from './store-write-error.js';

/** What the write queue does with each outcome of a store write. */
export interface WriteOutcomes {
  /** Records from the spool the store took. */
  replayed(count: number): void;
  /** Keeps what is pending for a later attempt and schedules it; returns the error to throw. */
  retryLater(error: StoreError): StoreError;
  deadLetter(record: CallRecord, error: StoreError): void;
}

/** Writes the spool's records to the store in order; a retryable failure leaves them there. */
export async function replaySpool(
  spool: Spool | undefined,
  store: Store,
  batchSize: number,
  outcomes: WriteOutcomes,
): Promise<StoreError | undefined> {
  let refused: StoreError | undefined;
  while (spool && spool.state.pending > 0) {
    const batch = spool.peek(batchSize);
    try {
      if (batch.length > 0) await store.write(batch);
      outcomes.replayed(batch.length);
    } catch (cause) {
      const error = toStoreError(cause, batch.length, store.kind);
      if (error.retryable) throw outcomes.retryLater(error);
      // Isolate the bad record(s); a replayed duplicate of a good one is harmless (ids).
      for (const record of batch) {
        try {
          await store.write([record]);
          outcomes.replayed(1);
        } catch (singleCause) {
          const single = toStoreError(singleCause, 1, store.kind);
          if (single.retryable) throw outcomes.retryLater(single);
          refused = single;
          outcomes.deadLetter(record, single);
        }
      }
    }
    spool.acknowledge();
  }
  return refused;
}
