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
  // Without a spool (or with a full one), they go to the dead-letter file for `llm-ledger replay`.
  const saved = queue.pending > 0 ? queue.saveToDeadLetterFile() : undefined;
  if (saved) {
    reporter.report({
      kind: 'store',
      subject: store.kind,
      error: new LedgerError(
        `${saved.count} records could not be written before close (${queue.error?.message ?? 'the store failed'}); they were saved to ${saved.path}: write them back with \`llm-ledger replay ${saved.path}\``,
      ),
    });
  }
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
