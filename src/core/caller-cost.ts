import { formatDecimal, parseDecimal, type Decimal } from './money.js';
import type { CallCost, CostStatus } from './record.js';
import type { FieldOwner } from './record-fields.js';

/* A cost the caller computed (`complete({ cost })`), checked before it replaces the catalog's price. */

/** Digits after the point a caller's amount may have: far below a millionth of a cent. */
export const MAX_COST_SCALE = 20;
/** Digits before the point: a quadrillion of anything is not the cost of one call. */
export const MAX_COST_INTEGER_DIGITS = 15;

const COST_STATUSES: ReadonlySet<string> = new Set<CostStatus>(['priced', 'estimated', 'unpriced']);
const CURRENCY = /^[A-Z]{3}$/;

/**
 * A cost the caller computed, as given in `complete({ cost })`: a decimal string or number ≥ 0
 * with at most MAX_COST_SCALE decimals and MAX_COST_INTEGER_DIGITS integer digits, or a whole
 * CallCost whose amounts follow the same rule. Anything else is refused: undefined is returned,
 * and the call is priced from the catalog instead.
 */
export function callerCost(currency: string, problems: FieldOwner, cost: unknown): CallCost | undefined {
  if (typeof cost === 'string' || typeof cost === 'number') {
    const total = amount(cost);
    if (total !== undefined) {
      return { total, breakdown: {}, currency, pricingVersion: 'caller', status: 'priced' };
    }
    problems.invalid('cost', `${describeAmount(cost)} is not ${AMOUNT}; the call is priced from the catalog instead`);
    return undefined;
  }
  const reason = costObjectProblem(cost);
  if (reason === undefined) return canonicalCost(cost as CallCost);
  problems.invalid('cost', `${reason}; the call is priced from the catalog instead`);
  return undefined;
}

const AMOUNT = `a decimal amount ≥ 0 (at most ${MAX_COST_INTEGER_DIGITS} integer digits and ${MAX_COST_SCALE} decimals)`;

/**
 * An amount already in canonical form within the bounds: no sign, no leading zero, no trailing
 * zero after the point, at most MAX_COST_INTEGER_DIGITS and MAX_COST_SCALE digits. What a caller
 * passes is nearly always this (our own formatting, a price table's output), and it is returned
 * as given: parsing it into a decimal and formatting it back allocated more than the record's own
 * fields on every call.
 */
const CANONICAL_AMOUNT = new RegExp(
  `^(?:0|[1-9]\\d{0,${MAX_COST_INTEGER_DIGITS - 1}})(?:\\.\\d{0,${MAX_COST_SCALE - 1}}[1-9])?$`,
);

/** The amount as a canonical decimal string, or undefined when it is not an acceptable amount. */
function amount(value: unknown): string | undefined {
  if (typeof value === 'string' && CANONICAL_AMOUNT.test(value)) return value;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'string' && (value.length === 0 || value.length > 64 || value.trim() !== value))
    return undefined;
  let decimal: Decimal;
  try {
    decimal = parseDecimal(value);
  } catch {
    return undefined;
  }
  if (decimal.units < 0n || decimal.scale > MAX_COST_SCALE) return undefined;
  const text = formatDecimal(decimal);
  const integerDigits = text.split('.')[0]!.length;
  return integerDigits > MAX_COST_INTEGER_DIGITS ? undefined : text;
}

/** Why a CallCost object is not acceptable, or undefined when it is. */
function costObjectProblem(cost: unknown): string | undefined {
  if (typeof cost !== 'object' || cost === null || Array.isArray(cost)) {
    return `expected ${AMOUNT} or a CallCost object, got ${cost === null ? 'null' : Array.isArray(cost) ? 'an array' : typeof cost}`;
  }
  const given = cost as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!COST_KEYS.has(key)) return `unknown key "${key.slice(0, 60)}" in cost (known: ${[...COST_KEYS].join(', ')})`;
  }
  if (!(given.total === null || amount(given.total) !== undefined)) {
    return `cost.total ${describeAmount(given.total)} is not ${AMOUNT}, nor null`;
  }
  if (typeof given.status !== 'string' || !COST_STATUSES.has(given.status)) {
    return `cost.status must be one of ${[...COST_STATUSES].join(', ')}`;
  }
  if ((given.total === null) !== (given.status === 'unpriced')) {
    return 'cost.total is null exactly when cost.status is "unpriced"';
  }
  if (typeof given.currency !== 'string' || !CURRENCY.test(given.currency)) {
    return 'cost.currency must be a three-letter ISO 4217 code such as "USD"';
  }
  if (!(given.pricingVersion === null || typeof given.pricingVersion === 'string')) {
    return 'cost.pricingVersion must be a string or null';
  }
  const breakdown = given.breakdown;
  if (typeof breakdown !== 'object' || breakdown === null || Array.isArray(breakdown)) {
    return 'cost.breakdown must be an object of decimal amounts per bucket';
  }
  for (const [bucket, value] of Object.entries(breakdown)) {
    if (amount(value) !== value)
      return `cost.breakdown.${bucket.slice(0, 60)} ${describeAmount(value)} is not ${AMOUNT}`;
  }
  return undefined;
}

/** A checked CallCost with its amounts in canonical form ("0.50" becomes "0.5"), as a copy. */
function canonicalCost(cost: CallCost): CallCost {
  const breakdown: CallCost['breakdown'] = {};
  for (const [bucket, value] of Object.entries(cost.breakdown)) breakdown[bucket] = amount(value);
  return {
    total: cost.total === null ? null : (amount(cost.total) ?? null),
    breakdown,
    currency: cost.currency,
    pricingVersion: cost.pricingVersion,
    status: cost.status,
  };
}

const COST_KEYS: ReadonlySet<string> = new Set(['total', 'breakdown', 'currency', 'pricingVersion', 'status']);

function describeAmount(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value).toWellFormed();
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
