import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { costToUnits, unitsToCost } from '../../src/meters/counters/cost-units.js';
import { parsePeriod, windowOf } from '../../src/meters/counters/period.js';
import { parseSubject } from '../../src/meters/counters/subject.js';

const at = (iso: string) => Date.parse(iso);
const window = (period: string, iso: string) => {
  const found = windowOf(parsePeriod(period as 'day'), at(iso));
  return [found.label, new Date(found.startMs).toISOString(), new Date(found.endMs).toISOString()];
};

describe('periods', () => {
  it('cuts days and calendar months at UTC midnight', () => {
    expect(window('day', '2024-02-29T23:59:59.999Z')).toEqual([
      'd2024-02-29',
      '2024-02-29T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    expect(window('month', '2024-12-31T23:59:59.999Z')).toEqual([
      'm2024-12-01',
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
    expect(window('month', '2025-01-01T00:00:00.000Z')[0]).toBe('m2025-01-01');
  });

  it('starts billing cycles on the day of cycleStartDate, clamped to short months', () => {
    expect(window('cycle:2024-01-15', '2025-03-14T23:59:59.999Z')).toEqual([
      'm2025-02-15',
      '2025-02-15T00:00:00.000Z',
      '2025-03-15T00:00:00.000Z',
    ]);
    expect(window('cycle:2024-01-15', '2025-03-15T00:00:00.000Z')[0]).toBe('m2025-03-15');
    // The 31st: February's cycle starts on its last day, and March's on the 31st.
    expect(window('cycle:2024-01-31', '2025-03-01T00:00:00.000Z')).toEqual([
      'm2025-02-28',
      '2025-02-28T00:00:00.000Z',
      '2025-03-31T00:00:00.000Z',
    ]);
    expect(window('cycle:2024-01-31', '2024-02-29T12:00:00.000Z')[0]).toBe('m2024-02-29');
    expect(window('cycle:2024-01-31', '2025-01-05T00:00:00.000Z')).toEqual([
      'm2024-12-31',
      '2024-12-31T00:00:00.000Z',
      '2025-01-31T00:00:00.000Z',
    ]);
  });

  it('treats a cycle starting on the 1st as the calendar month, and cycle as the default start', () => {
    expect(parsePeriod('cycle:2024-05-01')).toBe(parsePeriod('month'));
    expect(parsePeriod('cycle')).toBe(parsePeriod('month'));
    expect(parsePeriod('cycle', '2024-01-15').name).toBe('cycle:15');
    expect(parsePeriod({ cycleStartDate: '2024-01-20' }).anchorDay).toBe(20);
  });

  it('rejects bad periods and dates with a ConfigError', () => {
    expect(() => parsePeriod('week' as 'day')).toThrow(ConfigError);
    expect(() => parsePeriod('cycle:2024-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => parsePeriod('cycle:24-1-1')).toThrow(ConfigError);
  });
});

describe('cost units', () => {
  it('converts exactly at 12 decimals and rounds finer amounts up', () => {
    expect(costToUnits('0.0000063')).toBe(6_300_000n);
    expect(costToUnits('9223372.036854775807')).toBe(9_223_372_036_854_775_807n);
    expect(costToUnits('1e-13')).toBe(1n);
    expect(costToUnits('0.0000000000010000001')).toBe(2n);
    expect(costToUnits('0.000000000001000')).toBe(1n);
    expect(unitsToCost(6_300_000n)).toBe('0.0000063');
    expect(unitsToCost(0n)).toBe('0');
  });
});

describe('subjects', () => {
  it('parses dimension and id, keeping colons in the id', () => {
    expect(parseSubject('model:openai/gpt-4o:2024')).toEqual({ dimension: 'model', id: 'openai/gpt-4o:2024' });
    expect(parseSubject({ dimension: 'user', id: '*' })).toEqual({ dimension: 'user', id: '*' });
    expect(() => parseSubject('user:')).toThrow(ConfigError);
    expect(() => parseSubject('no-id')).toThrow(ConfigError);
    expect(() => parseSubject('bad dim:x')).toThrow(ConfigError);
  });
});
