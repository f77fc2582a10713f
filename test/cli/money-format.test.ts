import { describe, expect, it } from 'vitest';
import { formatCost } from '../../src/cli/format/money-format.js';

describe('formatCost', () => {
  it('rounds to the configured decimals for display', () => {
    expect(formatCost('0.00045', 'USD', 6)).toBe('$0.000450');
    expect(formatCost('12.3456785', 'USD', 6)).toBe('$12.345679');
    expect(formatCost('0', 'USD', 6)).toBe('$0.000000');
    expect(formatCost('-4.2', 'USD', 2)).toBe('-$4.20');
  });

  it('keeps two significant digits of an amount smaller than the display precision', () => {
    expect(formatCost('0.00000012', 'USD', 6)).toBe('$0.00000012');
    expect(formatCost('0.000000123456', 'USD', 6)).toBe('$0.00000012');
    expect(formatCost('0.0000000015', 'EUR', 4)).toBe('0.0000000015 EUR');
  });

  it('says unpriced for an unknown cost instead of zero', () => {
    expect(formatCost(null, 'USD', 6)).toBe('unpriced');
  });
});
