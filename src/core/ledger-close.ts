import { LedgerError } from './errors.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { Spool } from './spool.js';
import type { Store } from './store.js';
import type { WriteQueue } from './write-queue.js';

export interface ClosingParts {
  queue: WriteQueue;
  spool: Spool | undefined;
  store: Store;
  reporter: ProblemReporter;
  onClose: (() => Promise<void>) | undefined;
}

/** The last step of `ledger.close()`, after the final flush (whether or not it succeeded). */
export async function releaseLedger({ queue, spool, store, reporter, onClose }: ClosingParts): Promise<void> {
  // Whatever the store did not take is kept in the spool for the next process to replay.
  if (queue.pending > 0) queue.spoolBuffer();
  queue.close();
  try {
    spool?.close();
  } catch (error) {
    reporter.report({ kind: 'store', subject: 'spool', error });
  }
  if (queue.pending > 0) {
    reporter.report({
      kind: 'store',
      subject: store.kind,
      error: new LedgerError(`${queue.pending} records could not be written before close`),
    });
  }
  try {
    await store.close();
  } finally {
    await onClose?.();
  }
}
