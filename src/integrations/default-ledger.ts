import type { Ledger } from '../core/ledger.js';
import { processGlobal } from '../core/process-global.js';
import { createLedger } from '../create-ledger.js';

const shared = processGlobal<Ledger>('default-ledger');

/**
 * The ledger the integrations and task helpers use when the caller passes none: the one set with
 * `setDefaultLedger`, else created on first use (never at import) from `llm_config.yaml` and the
 * environment (SQLite at the default path unless configured), once per process and shared by every
 * copy of the package, with shutdown hooks so its pending records are flushed on exit.
 */
export function getDefaultLedger(): Ledger {
  let ledger = shared.get();
  if (!ledger) {
    ledger = createLedger();
    shared.set(ledger);
  }
  return ledger;
}

/**
 * Chooses the process-wide default ledger (an application that built its own), or clears it
 * (`undefined`: the next use creates one from the configuration).
 *
 * @example
 * setDefaultLedger(createLedger({ store: new SqliteStore({ path: 'data/ledger.db' }) }));
 */
export function setDefaultLedger(ledger: Ledger | undefined): void {
  shared.set(ledger);
}
