/**
 * The field name for an amount in a currency: `cost_usd` for dollars, `cost_eur`
 * for euros. Amounts under it are the ledger's exact decimal strings, never floats, so a log
 * line always agrees with the stored total.
 *
 * @example
 * costKey('USD'); // 'cost_usd'
 * costKey('EUR', 'total_cost'); // 'total_cost_eur'
 */
export function costKey(currency: string, prefix = 'cost'): string {
  return `${prefix}_${currency.toLowerCase()}`;
}
