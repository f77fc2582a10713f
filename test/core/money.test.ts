import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  compareDecimal,
  formatDecimal,
  isZero,
  multiplyByInteger,
  multiplyDecimal,
  parseDecimal,
  roundDecimal,
  shiftDecimal,
  subtractDecimal,
  sumDecimalStrings,
  toFixedDecimal,
  ZERO,
} from '../../src/core/money.js';

const canonical = (value: string | number | bigint) => formatDecimal(parseDecimal(value));

describe('parseDecimal / formatDecimal', () => {
  it.each([
    ['0', '0'],
    ['12', '12'],
    ['-0.5', '-0.5'],
    ['+7.25', '7.25'],
    ['0.00000015', '0.00000015'],
    ['1.500', '1.5'],
    ['000123.4500', '123.45'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-0', '0'],
    ['  42  ', '42'],
    [
      '123456789012345678901234567890.123456789012345678901234567890',
      '123456789012345678901234567890.12345678901234567890123456789',
    ],
  ])('round-trips %j as %j', (input, expected) => {
    expect(canonical(input)).toBe(expected);
    expect(canonical(canonical(input))).toBe(expected);
  });

  it.each([
    ['1.5e-7', '0.00000015'],
    ['1.5E-7', '0.00000015'],
    ['15e-8', '0.00000015'],
    ['2e3', '2000'],
    ['2.5e+2', '250'],
    ['-1.25e1', '-12.5'],
    ['0.0001e4', '1'],
    ['123e-2', '1.23'],
  ])('reads exponent notation %j as %j', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it('reads numbers through their shortest representation', () => {
    expect(canonical(0.00045)).toBe('0.00045');
    expect(canonical(1.5e-7)).toBe('0.00000015');
    expect(canonical(1e21)).toBe('1000000000000000000000');
    expect(canonical(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(canonical(-0)).toBe('0');
    expect(canonical(10n ** 30n)).toBe('1000000000000000000000000000000');
  });

  it.each(['', '.', 'abc', '1.2.3', '1e', 'e5', '--1', '1,5', '0x10', '1 000', 'Infinity', 'NaN'])(
    'rejects %j with a RangeError',
    (input) => {
      expect(() => parseDecimal(input)).toThrow(RangeError);
    },
  );

  it('rejects non-finite numbers', () => {
    expect(() => parseDecimal(Number.NaN)).toThrow(RangeError);
    expect(() => parseDecimal(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('rejects absurd exponents instead of allocating for ever', () => {
    expect(() => parseDecimal('1e999999999')).toThrow(RangeError);
    expect(() => parseDecimal('1e-999999999')).toThrow(RangeError);
    expect(canonical('1e-30')).toBe('0.000000000000000000000000000001');
  });
});

describe('exact arithmetic', () => {
  it('1,000,000 x 0.00000015 = 0.15 exactly', () => {
    expect(formatDecimal(multiplyByInteger(parseDecimal('0.00000015'), 1_000_000))).toBe('0.15');
    expect(formatDecimal(multiplyByInteger(parseDecimal('0.00000015'), 1_000_000n))).toBe('0.15');
  });

  it('adding 0.00000015 a million times is exactly 0.15 (floating point is not)', () => {
    const price = parseDecimal('0.00000015');
    let total = ZERO;
    let float = 0;
    for (let index = 0; index < 1_000_000; index++) {
      total = addDecimal(total, price);
      float += 0.00000015;
    }
    expect(formatDecimal(total)).toBe('0.15');
    expect(float).not.toBe(0.15);
  });

  it('0.1 + 0.2 = 0.3', () => {
    expect(formatDecimal(addDecimal(parseDecimal('0.1'), parseDecimal('0.2')))).toBe('0.3');
  });

  it('subtracts, multiplies and compares across scales', () => {
    expect(formatDecimal(subtractDecimal(parseDecimal('1'), parseDecimal('0.0000001')))).toBe('0.9999999');
    expect(formatDecimal(subtractDecimal(parseDecimal('0.5'), parseDecimal('2')))).toBe('-1.5');
    expect(formatDecimal(multiplyDecimal(parseDecimal('0.0006'), parseDecimal('1234.5')))).toBe('0.7407');
    expect(compareDecimal(parseDecimal('0.10'), parseDecimal('0.1'))).toBe(0);
    expect(compareDecimal(parseDecimal('0.09'), parseDecimal('0.1'))).toBe(-1);
    expect(compareDecimal(parseDecimal('-1'), parseDecimal('-2'))).toBe(1);
    expect(isZero(parseDecimal('0.000'))).toBe(true);
    expect(isZero(parseDecimal('0.001'))).toBe(false);
  });

  it('shifts by powers of ten (per-1k and per-1M prices to per token)', () => {
    expect(formatDecimal(shiftDecimal(parseDecimal('0.00015'), 3))).toBe('0.00000015');
    expect(formatDecimal(shiftDecimal(parseDecimal('0.15'), 6))).toBe('0.00000015');
    expect(formatDecimal(shiftDecimal(parseDecimal('1.5'), -3))).toBe('1500');
  });

  it('prices a realistic call exactly (seed 000: $0.15 / $0.60 per 1M tokens)', () => {
    const input = multiplyByInteger(shiftDecimal(parseDecimal('0.00015'), 3), 12_345);
    const output = multiplyByInteger(shiftDecimal(parseDecimal('0.0006'), 3), 678);
    expect(formatDecimal(input)).toBe('0.00185175');
    expect(formatDecimal(output)).toBe('0.0004068');
    expect(formatDecimal(addDecimal(input, output))).toBe('0.00225855');
  });

  it('sums decimal strings exactly, skipping null and undefined', () => {
    expect(sumDecimalStrings(['0.1', '0.2', null, undefined, '1e-7'])).toBe('0.3000001');
    expect(sumDecimalStrings([])).toBe('0');
    expect(sumDecimalStrings(Array.from({ length: 1000 }, () => '0.001'))).toBe('1');
  });
});

describe('rounding (display only)', () => {
  it.each([
    ['0.0000005', 6, '0.000001'],
    ['0.0000004999', 6, '0'],
    ['-0.0000005', 6, '-0.000001'],
    ['-0.0000004', 6, '0'],
    ['2.5', 0, '3'],
    ['-2.5', 0, '-3'],
    ['1.45', 1, '1.5'],
    ['1.44999', 1, '1.4'],
    ['0.125', 2, '0.13'],
    ['-0.125', 2, '-0.13'],
    ['9.995', 2, '10'],
    ['1.2', 6, '1.2'],
  ])('roundDecimal(%s, %i) = %s (half away from zero)', (value, places, expected) => {
    expect(formatDecimal(roundDecimal(parseDecimal(value), places))).toBe(expected);
  });

  it.each([
    ['0.00045', 6, '0.000450'],
    ['0.5', 3, '0.500'],
    ['100', 2, '100.00'],
    ['0', 6, '0.000000'],
    ['9.995', 2, '10.00'],
    ['-0.0004', 3, '0.000'],
    ['-0.0005', 3, '-0.001'],
    ['2.5', 0, '3'],
    ['1e-7', 6, '0.000000'],
    ['123.456789', 4, '123.4568'],
  ])('toFixedDecimal(%s, %i) = %s', (value, places, expected) => {
    expect(toFixedDecimal(parseDecimal(value), places)).toBe(expected);
  });
});
