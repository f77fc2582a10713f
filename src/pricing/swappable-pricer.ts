import type { LedgerPricer } from './create-pricer.js';

/** A pricer whose prices can be replaced while the ledger runs (a newer catalog loaded in the background). */
export interface SwappablePricer extends LedgerPricer {
  /** The pricer every call is priced by now. */
  readonly current: LedgerPricer;
  /** Makes `next` price every later call. One assignment: a call is priced wholly by the old or the new pricer. */
  replace(next: LedgerPricer): void;
}

/**
 * Wraps a pricer so that it can be swapped atomically: the ledger keeps one pricer object for its
 * life, and each method reads the current one once, so no call mixes two catalogs.
 *
 * @example
 * const pricer = swappablePricer(createPricer());
 * const ledger = createLedger({ pricer });
 * pricer.replace(createPricer({ catalog: newerCatalog }));
 */
export function swappablePricer(initial: LedgerPricer): SwappablePricer {
  let current = initial;
  return {
    get current() {
      return current;
    },
    replace(next) {
      current = next;
    },
    get baseCurrency() {
      return current.baseCurrency;
    },
    get pricingVersion() {
      return current.pricingVersion;
    },
    get catalog() {
      return current.catalog;
    },
    get configModels() {
      return current.configModels;
    },
    price: (record) => current.price(record),
    calculate: (input) => current.calculate(input),
    quote: (input) => current.quote(input),
    explain: (model, options) => current.explain(model, options),
    stats: () => current.stats(),
  };
}
