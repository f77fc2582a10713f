import { formatScaled, parseDecimal, type Decimal } from '../../core/money.js';

/**
 * Counters keep cost as an integer number of 10^-12 currency units (picodollars for USD), because
 * Redis hashes (HINCRBY, or the meter scripts' exact decimal sums) and SQLite INTEGER hold 64-bit
 * integers exactly, and nothing else.
 *
 * Why 12: catalog prices are quoted per million tokens with at most 6 decimals, so a per-token
 * price has at most 12, and any call's cost (tokens x price) is a whole number of units: the
 * counters equal the records' exact costs. The price of 12 digits is range: a signed 64-bit
 * counter holds 9,223,372 currency units per subject and window; beyond that the backend refuses
 * the increment loudly (Redis: the script fails, "counter would overflow 64 bits"; SQLite: a CHECK
 * constraint).
 *
 * An amount with more than 12 decimals is rounded up (towards +infinity): a reservation never
 * holds less than the estimate, and usage is never under-counted.
 */
export const COST_SCALE = 12;

/**
 * Integer units of 10^-12 for a decimal amount, rounded up when it has more decimals.
 *
 * @example
 * costToUnits('0.0000063'); // 6300000n
 * costToUnits('1e-13');     // 1n (rounded up)
 */
export function costToUnits(amount: string | number | Decimal): bigint {
  if (typeof amount === 'string' && PLAIN_AMOUNT.test(amount)) return plainToUnits(amount);
  const decimal = typeof amount === 'object' ? amount : parseDecimal(amount);
  if (decimal.scale <= COST_SCALE) return decimal.units * 10n ** BigInt(COST_SCALE - decimal.scale);
  const divisor = 10n ** BigInt(decimal.scale - COST_SCALE);
  const quotient = decimal.units / divisor;
  // BigInt division truncates towards zero: a positive remainder needs one more unit (ceiling).
  return decimal.units % divisor > 0n ? quotient + 1n : quotient;
}

/** Unsigned, no exponent, at most COST_SCALE decimals: how record costs arrive (`0.000198`). */
const PLAIN_AMOUNT = /^\d+(?:\.\d{0,12})?$/;
const PADDING = '0'.repeat(COST_SCALE);

/**
 * The units of a PLAIN_AMOUNT as one BigInt of its digits, padded to the scale: every settlement
 * converts its record's cost, and the general parse (regex captures, a power of ten) is a visible
 * share of a settle.
 */
function plainToUnits(amount: string): bigint {
  const dot = amount.indexOf('.');
  if (dot === -1) return BigInt(amount + PADDING);
  const fraction = amount.length - dot - 1;
  return BigInt(amount.slice(0, dot) + amount.slice(dot + 1) + PADDING.slice(fraction));
}

/**
 * The exact decimal string of a number of units.
 *
 * @example
 * unitsToCost(6300000n); // '0.0000063'
 */
export function unitsToCost(units: bigint): string {
  return formatScaled(units, COST_SCALE);
}

/** Whether converting `amount` to units loses nothing. */
export function fitsCostScale(amount: string): boolean {
  const decimal = parseDecimal(amount);
  return decimal.scale <= COST_SCALE || decimal.units % 10n ** BigInt(decimal.scale - COST_SCALE) === 0n;
}
