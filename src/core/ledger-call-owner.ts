import { performance } from 'node:perf_hooks';
import type { InputReporter } from './call-identity.js';
import type { CallOwner, Clock, Pricer } from './call-owner.js';
import type { HandlerSet } from './handlers.js';
import type { CallGate } from './ledger-parts.js';
import type { LedgerSettings } from './ledger-settings.js';
import type { CallRecord } from './record.js';
import type { WriteQueue } from './write-queue.js';

const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

export interface CallOwnerParts {
  settings: Readonly<LedgerSettings>;
  clock: Clock | undefined;
  pricer: Pricer | undefined;
  /** The ledger: counts the problem, then reports it or throws (fail-closed). */
  reporter: InputReporter;
  queue: WriteQueue;
  handlerSet: HandlerSet;
  gate: CallGate | undefined;
  /** Takes a record whose delivery must wait (its parent's trace is being looked up); false otherwise. */
  intercept?: (record: CallRecord, error: unknown) => boolean;
}

/** Where a finalized record goes: the write queue, then the handlers, then the gate's settlement. */
export function deliverRecord(
  parts: Pick<CallOwnerParts, 'queue' | 'handlerSet' | 'gate'>,
  record: CallRecord,
  error: unknown,
): void {
  parts.queue.push(record);
  parts.handlerSet.end(record, error);
  parts.gate?.settle(record);
}

/**
 * What every call of one ledger shares, built once: a finalized record goes to the write queue,
 * then to the handlers, then settles its reservation with the gate.
 */
export function createCallOwner(parts: CallOwnerParts): CallOwner {
  const { settings, queue, handlerSet, gate, reporter, intercept } = parts;
  return {
    clock: parts.clock ?? systemClock,
    maxFieldChars: settings.maxFieldChars,
    baseCurrency: settings.baseCurrency,
    pricer: parts.pricer,
    invalid: (field, message) => reporter.invalid(field, message),
    finalize(record, error) {
      if (intercept !== undefined && intercept(record, error)) return;
      queue.push(record);
      handlerSet.end(record, error);
      gate?.settle(record);
    },
  };
}
