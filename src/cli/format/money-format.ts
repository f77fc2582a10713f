import { formatDecimal, isZero, parseDecimal, toFixedDecimal, tryParseDecimal } from '../../core/money.js';

/** `--exact`, taken by every command that displays costs: amounts as stored, not rounded. */
export const EXACT_OPTION = { exact: { type: 'boolean' } } as const;

/** The decimals a display uses: `default_rounding_decimals`, or every digit with `--exact`. */
export function displayDecimals(values: { exact?: boolean }, roundingDecimals: number): number | 'exact' {
  return values.exact ? 'exact' : roundingDecimals;
}

/**
 * Display form of an exact amount, rounded only here (to `default_rounding_decimals`): "$0.000450".
 * An amount too small to show at `decimals` places keeps two significant digits ("$0.00000012"),
 * so a real cost never reads as zero. `exact` shows every stored digit. JSON output and exports
 * are never rounded by this.
 */
export function formatCost(amount: string | null | undefined, currency: string, decimals: number | 'exact'): string {
  if (amount === null || amount === undefined) return 'unpriced';
  // A malformed stored amount is shown as such rather than failing the whole listing.
  const value = tryParseDecimal(amount);
  if (value === undefined) return 'invalid';
  let text = decimals === 'exact' ? formatDecimal(value) : toFixedDecimal(value, decimals);
  if (decimals !== 'exact' && !isZero(value) && isZero(parseDecimal(text))) {
    const digits = (value.units < 0n ? -value.units : value.units).toString().length;
    text = toFixedDecimal(value, value.scale - digits + 2);
  }
  if (currency !== 'USD') return `${text} ${currency}`;
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}
