import { performance } from 'node:perf_hooks';
import type { InputReporter } from './call-identity.js';
import type { CallOwner, Clock, Pricer } from './call-owner.js';
import type { HandlerSet } from './handlers.js';
import type { CallGate } from './ledger-parts.js';
import type { LedgerSettings } from './ledger-settings.js';
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
}

/**
 * What every call of one ledger shares, built once: a finalized record goes to the write queue,
 * then to the handlers, then settles its reservation with the gate.
 */
export function createCallOwner(parts: CallOwnerParts): CallOwner {
  const { settings, queue, handlerSet, gate, reporter } = parts;
  return {
    clock: parts.clock ?? systemClock,
    maxFieldChars: settings.maxFieldChars,
    baseCurrency: settings.baseCurrency,
    pricer: parts.pricer,
    invalid: (field, message) => reporter.invalid(field, message),
    finalize(record, error) {
      queue.push(record);
      handlerSet.end(record, error);
      gate?.settle(record);
    },
  };
}
