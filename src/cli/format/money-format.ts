import { isZero, parseDecimal, toFixedDecimal, tryParseDecimal } from '../../core/money.js';

/**
 * Display form of an exact amount, rounded only here: "$0.000450". An amount too small to show
 * at `decimals` places keeps two significant digits ("$0.00000012"), so a real cost never reads as zero.
 */
export function formatCost(amount: string | null | undefined, currency: string, decimals: number): string {
  if (amount === null || amount === undefined) return 'unpriced';
  // A malformed stored amount is shown as such rather than failing the whole listing.
  const value = tryParseDecimal(amount);
  if (value === undefined) return 'invalid';
  let text = toFixedDecimal(value, decimals);
  if (!isZero(value) && isZero(parseDecimal(text))) {
    const digits = (value.units < 0n ? -value.units : value.units).toString().length;
    text = toFixedDecimal(value, value.scale - digits + 2);
  }
  if (currency !== 'USD') return `${text} ${currency}`;
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}
