import type { CallCost, CallRecord } from './record.js';

export interface Clock {
  /** Wall clock, epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export interface Pricer {
  /** Returns the record's cost, or null to leave it unset. Must not throw for unknown models. */
  price(record: CallRecord): CallCost | null;
}

/** What a call needs from the ledger that started it. */
export interface CallOwner {
  readonly clock: Clock;
  readonly maxFieldChars: number;
  readonly baseCurrency: string;
  readonly pricer: Pricer | undefined;
  /** Reports sanitized input, or throws a ValidationError when the ledger is fail-closed. */
  invalid(field: string, message: string): void;
  finalize(record: CallRecord, error: unknown): void;
}
