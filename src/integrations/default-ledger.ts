import type { Ledger } from '../core/ledger.js';
import { createLedger } from '../create-ledger.js';

let shared: Ledger | undefined;

/**
 * The ledger integrations use when the caller passes none: created on first use from
 * `llm_config.yaml` and the environment (SQLite at the default path unless configured), once per
 * process, with shutdown hooks so its pending records are flushed on exit. It lets the task
 * helpers be called in one line, without a ledger argument.
 */
export function defaultLedger(): Ledger {
  shared ??= createLedger();
  return shared;
}

/** Replaces the process-wide default (tests, or an app that built its own ledger first). */
export function setDefaultLedger(ledger: Ledger | undefined): void {
  shared = ledger;
}
