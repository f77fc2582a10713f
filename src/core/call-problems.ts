import type { FieldOwner } from './record-fields.js';

/**
 * What one call's caller got wrong, collected while the call runs and listed on its record
 * (`record.problems`), so a report can find the records that were touched. Each problem is also
 * passed to the ledger, which counts it (`stats().invalidInput`), reports it once through the
 * logger and `onError`, or throws a ValidationError when the ledger is fail-closed.
 */
export class CallProblems implements FieldOwner {
  /** Allocated on the first problem: a well-formed call carries none. */
  list: string[] | undefined;

  constructor(
    private readonly reporter: { invalid(field: string, message: string): void },
    readonly maxFieldChars: number,
  ) {}

  invalid(field: string, message: string): void {
    const line = `${field}: ${message}`;
    // Stored as given back by every store: well-formed text (a key may hold a lone surrogate).
    (this.list ??= []).push(line.isWellFormed() ? line : line.toWellFormed());
    this.reporter.invalid(field, message);
  }
}
