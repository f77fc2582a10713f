import { ConfigError } from '../core/errors.js';
import type { CatalogModel } from './catalog-types.js';

/**
 * Checks that every currency a price is written in can be converted to the base currency, and
 * returns the conversion: one unit of a currency in base units (exact decimal string). A missing
 * rate is a ConfigError at load, naming the key to add, never a wrong number later.
 */
export function currencyConverter(
  baseCurrency: string,
  fxRates: ReadonlyMap<string, string>,
  models: Iterable<CatalogModel>,
  source: string,
): (currency: string) => string {
  const needed = new Map<string, string>();
  for (const model of models) {
    for (const period of model.periods) {
      if (period.currency !== baseCurrency && !needed.has(period.currency)) {
        needed.set(period.currency, model.origin === 'config' ? `models.${model.id}` : 'the built-in catalog');
      }
    }
  }
  for (const [currency, user] of needed) {
    if (!fxRates.has(currency)) {
      throw new ConfigError({
        source,
        path: `pricing.fx_rates.${currency}`,
        expected: `the value of one ${currency} in ${baseCurrency} (${user} is priced in ${currency}, the ledger's base currency is ${baseCurrency})`,
        received: 'no rate',
      });
    }
  }
  return (currency) => {
    if (currency === baseCurrency) return '1';
    const rate = fxRates.get(currency);
    // Unreachable after the check above, unless a model is added later: refuse rather than guess.
    if (rate === undefined) throw new RangeError(`No exchange rate from ${currency} to ${baseCurrency}`);
    return rate;
  };
}
