import { StoreError } from './errors.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import type { Spool } from './spool.js';
import type { Store } from './store.js';

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
      this.spool?.deadLetter([record], error.message);
      this.onDeadLetter?.([record], error);
    } catch (sinkError) {
      this.reporter.report({ kind: 'store', subject: 'dead-letter', error: sinkError });
    }
  }
}
