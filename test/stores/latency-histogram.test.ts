import { describe, expect, it } from 'vitest';
import { mergeHistogramList, type Histogram } from '../../src/stores/rollup/latency-histogram.js';

function merged(text: string, start: Array<[number, number]> = []): Array<[number, number]> {
  const histogram: Histogram = new Map(start);
  mergeHistogramList(histogram, text);
  return [...histogram].sort((a, b) => a[0] - b[0]);
}

describe('mergeHistogramList (the PostgreSQL summary’s histograms)', () => {
  it('adds every bucket of comma-joined JSONB texts, spaces or none, to what the histogram holds', () => {
    expect(merged('{"10041": 3, "10042": 1},{"10041": 2}', [[10041, 1]])).toEqual([
      [10041, 6],
      [10042, 1],
    ]);
    expect(merged('{"0":4,"-10003":2},{}')).toEqual([
      [-10003, 2],
      [0, 4],
    ]);
    expect(merged('')).toEqual([]);
  });

  it('reads what it cannot scan (a fraction, an exponent) through JSON.parse, counting nothing twice', () => {
    expect(merged('{"10041": 1, "10042": 2.5}', [[10042, 1]])).toEqual([
      [10041, 1],
      [10042, 3.5],
    ]);
    expect(merged('{"10041": 1e2}')).toEqual([[10041, 100]]);
  });

  it('throws on text that is no histogram rather than guessing', () => {
    expect(() => merged('{"10041": 1, "x": ')).toThrow(SyntaxError);
  });
});
