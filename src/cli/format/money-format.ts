import { parseDecimal, toFixedDecimal } from '../../core/money.js';

/** Display form of an exact amount, rounded only here: "$0.000450". */
export function formatCost(amount: string | null | undefined, currency: string, decimals: number): string {
  if (amount === null || amount === undefined) return 'unpriced';
  const text = toFixedDecimal(parseDecimal(amount), decimals);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}
