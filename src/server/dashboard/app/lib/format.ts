import {
  addDecimal,
  formatDecimal,
  parseDecimal,
  tryParseDecimal,
  ZERO,
  type Decimal,
} from '../../../../core/money.js';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

export function formatInt(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : INTEGER.format(value);
}

/** Groups the integer digits of a decimal string: "1234567.5" becomes "1,234,567.5". */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An exact amount for people: thousands separators, the currency, at least two decimals and every
 * further digit the amount has, so a cost of 0.00000015 is shown as $0.00000015, never $0.00.
 * Nothing passes through floating point.
 */
export function formatMoney(amount: string | null | undefined, currency = 'USD'): string {
  if (amount === null || amount === undefined) return '—';
  const parsed = tryParseDecimal(amount);
  if (parsed === undefined) return amount;
  const text = formatDecimal(parsed);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const decimals = fraction.padEnd(2, '0');
  const symbol = CURRENCY_SYMBOLS[currency];
  const number = `${groupDigits(whole)}.${decimals}`;
  const withUnit = symbol ? `${symbol}${number}` : `${number} ${currency}`;
  return negative ? `-${withUnit}` : withUnit;
}

/** Exact sum of decimal strings; null entries (unpriced) are skipped. */
export function sumMoney(values: Iterable<string | null | undefined>): string {
  let total: Decimal = ZERO;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    total = addDecimal(total, parseDecimal(value));
  }
  return formatDecimal(total);
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value < 1000) return `${INTEGER.format(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(2)} s`;
  return `${ONE_DECIMAL.format(value / 60_000)} min`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const ratio = (part / whole) * 100;
  return `${ratio === 0 || ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}%`;
}

/** ISO time as "2026-12-06 01:10:05" in UTC (the day and hour groups are UTC too). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A compact token count for axis labels and badges: 1.2k, 3.4M. */
export function formatCompact(value: number): string {
  if (Math.abs(value) < 1000) return INTEGER.format(value);
  if (Math.abs(value) < 1_000_000) return `${ONE_DECIMAL.format(value / 1000)}k`;
  return `${ONE_DECIMAL.format(value / 1_000_000)}M`;
}

/**
 * Values that are data (arguments, metadata) as text, never as markup. A string is shown exactly as
 * stored (tool arguments are the model's own text, even when it is not valid JSON); anything else
 * as indented JSON.
 */
export function dataText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}
