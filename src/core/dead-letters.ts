import { StoreError } from './errors.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import type { Spool } from './spool.js';
import type { Store } from './store.js';

/**
 * Where records go when neither the store nor the spool can take them: refused for good without
 * a spool, or still pending at `close()`. The file implementation is in
 * src/delivery/dead-letter-file.ts; the core sees only this shape.
 */
export interface DeadLetterFile {
  /** Appends the records with the reason, on stable storage when it returns; returns the file's path. Throws on I/O failure. */
  write(records: readonly CallRecord[], reason: string): string;
}

/** Dead letters kept in memory for inspection when no dead-letter sink is configured. */
const MAX_KEPT_DEAD_LETTERS = 1_000;

/**
 * Records the store refused for good (a non-retryable error on the record alone): kept for
 * inspection, reported, and handed to the spool's dead-letter file and the `onDeadLetter` sink.
 */
export class DeadLetters {
  private readonly list: CallRecord[] = [];

  constructor(
    private readonly store: Store,
    private readonly reporter: ProblemReporter,
    private readonly spool: Spool | undefined,
    private readonly onDeadLetter: ((records: readonly CallRecord[], error: StoreError) => void) | undefined,
    private readonly file: DeadLetterFile | undefined,
  ) {}

  /** The last dead letters (at most 1,000). */
  get records(): readonly CallRecord[] {
    return this.list;
  }

  add(record: CallRecord, error: StoreError): void {
    if (this.list.length >= MAX_KEPT_DEAD_LETTERS) this.list.shift();
    this.list.push(record);
    this.reporter.report({
      kind: 'store',
      subject: this.store.kind,
      error: new StoreError(
        `The ${this.store.kind} store refused record ${record.id} for good; it was set aside as a dead letter: ${error.message}`,
        { retryable: false, cause: error },
      ),
    });
    try {
      // Kept on disk, not only in memory where the process's exit would lose it.
      if (this.spool) this.spool.deadLetter([record], error.message);
      else this.file?.write([record], error.message);
      this.onDeadLetter?.([record], error);
    } catch (sinkError) {
      this.reporter.report({ kind: 'store', subject: 'dead-letter', error: sinkError });
    }
  }
}
