/**
 * Exact decimal arithmetic for money: a value is `units / 10^scale` with `units` a BigInt.
 * Addition and multiplication are exact; nothing passes through binary floating point.
 * Amounts travel as decimal strings ("0.00000015") between modules and into storage.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const POWERS: bigint[] = [];
function pow10(exponent: number): bigint {
  if (exponent < 64) return (POWERS[exponent] ??= 10n ** BigInt(exponent));
  return 10n ** BigInt(exponent);
}

const MAX_EXPONENT = 1000;

export const ZERO: Decimal = Object.freeze({ units: 0n, scale: 0 });

/** Parses "12", "-0.5", "1.5e-7" or a JS number (through its shortest exact representation). */
export function parseDecimal(value: string | number | bigint): Decimal {
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Not a finite amount: ${value}`);
    value = String(value);
  }
  const match = DECIMAL_PATTERN.exec(value.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`Not a decimal number: ${JSON.stringify(value)}`);
  }
  const sign = match[1] === '-' ? -1n : 1n;
  const fraction = match[3] ?? '';
  const exponent = match[4] ? Number(match[4]) : 0;
  // "1e999999999" would allocate a billion digits: no amount of money needs more than this.
  if (Math.abs(exponent) > MAX_EXPONENT) {
    throw new RangeError(`Exponent out of range (at most ${MAX_EXPONENT}): ${JSON.stringify(value)}`);
  }
  let units = BigInt((match[2] || '0') + fraction) * sign;
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= pow10(-scale);
    scale = 0;
  }
  return { units, scale };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) return [a.units, b.units * pow10(a.scale - b.scale), a.scale];
  return [a.units * pow10(b.scale - a.scale), b.units, b.scale];
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

export function multiplyDecimal(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Exact multiplication by an integer count (tokens, requests). */
export function multiplyByInteger(a: Decimal, count: number | bigint): Decimal {
  return { units: a.units * BigInt(count), scale: a.scale };
}

/** Exact division by a power of ten (per-1k and per-1M prices to per-token). */
export function shiftDecimal(a: Decimal, powerOfTen: number): Decimal {
  const scale = a.scale + powerOfTen;
  if (scale >= 0) return { units: a.units, scale };
  return { units: a.units * pow10(-scale), scale: 0 };
}

export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isZero(a: Decimal): boolean {
  return a.units === 0n;
}

/** Canonical string: no exponent, no trailing fractional zeros ("0.00000015", "12", "-0.5"). */
export function formatDecimal(a: Decimal): string {
  let { units, scale } = a;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/**
 * `formatDecimal({ units, scale })` from integer units, without allocating a Decimal or dividing
 * BigInts: the same canonical string, built from the digits. `units` may be a bigint or a safe
 * integer number (exact below 2^53). For hot paths that format many amounts.
 */
export function formatScaled(units: bigint | number, scale: number): string {
  if (typeof units === 'number' && !Number.isSafeInteger(units)) {
    throw new RangeError(`Not a safe integer: ${units}`);
  }
  if (scale <= 0) return formatDecimal({ units: BigInt(units), scale });
  const negative = units < 0;
  let digits = typeof units === 'number' ? String(negative ? -units : units) : (negative ? -units : units).toString();
  if (digits === '0') return '0';
  let end = digits.length;
  let places = scale;
  while (places > 0 && digits.charCodeAt(end - 1) === 48) {
    end -= 1;
    places -= 1;
  }
  if (end !== digits.length) digits = digits.slice(0, end);
  if (places > 0) {
    digits =
      digits.length > places
        ? `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`
        : `0.${'0'.repeat(places - digits.length)}${digits}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Rounds half away from zero to `places` decimals: for display and export only, never storage. */
export function roundDecimal(a: Decimal, places: number): Decimal {
  if (a.scale <= places) return a;
  const divisor = pow10(a.scale - places);
  const negative = a.units < 0n;
  const magnitude = negative ? -a.units : a.units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return { units: negative ? -quotient : quotient, scale: places };
}

/** Formats with exactly `places` decimals (rounded): "0.000450". */
export function toFixedDecimal(a: Decimal, places: number): string {
  const rounded = roundDecimal(a, places);
  const widened =
    rounded.scale < places ? { units: rounded.units * pow10(places - rounded.scale), scale: places } : rounded;
  const text = formatDecimal(widened);
  if (places === 0) return text;
  const dot = text.indexOf('.');
  const decimals = dot === -1 ? 0 : text.length - dot - 1;
  return dot === -1 ? `${text}.${'0'.repeat(places)}` : text + '0'.repeat(places - decimals);
}

/**
 * parseDecimal for amounts read back from storage: undefined instead of a throw, so one malformed
 * row (written before costs were checked, or by hand) cannot fail a query over the whole database.
 */
export function tryParseDecimal(value: unknown): Decimal | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return undefined;
  try {
    return parseDecimal(value);
  } catch {
    return undefined;
  }
}

/** Sums decimal strings exactly; null, undefined and malformed entries (see tryParseDecimal) are skipped. */
export function sumDecimalStrings(values: Iterable<string | null | undefined>): string {
  let total: Decimal = ZERO;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const amount = tryParseDecimal(value);
    if (amount !== undefined) total = addDecimal(total, amount);
  }
  return formatDecimal(total);
}
