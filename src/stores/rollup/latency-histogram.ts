/**
 * Latency percentiles from rollup rows. Exact percentiles need every latency of a group, which a
 * per-hour rollup cannot keep; instead each rollup row keeps a sparse histogram of its latencies
 * over log-spaced buckets growing by GROWTH (10%). A bucket [g^i, g^(i+1)) is represented by its
 * geometric middle g^(i+0.5), which is within sqrt(g) - 1 = 4.9% of any value in it. A percentile
 * interpolates between two ranks like the exact one (core/store.ts `percentile`), and a weighted
 * mean of two estimates each within 4.9% is itself within 4.9%: so rollup percentiles are within
 * PERCENTILE_RELATIVE_ERROR of the exact ones (for groups whose latencies share one sign; zero is
 * its own bucket and exact). Averages are exact up to floating-point summation order (sum/count).
 *
 * Histograms travel as JSON objects {"bucket": count} (TEXT in SQLite, JSONB in PostgreSQL), so
 * that both stores and the PostgreSQL SQL functions (pg-rollup-sql.ts) read the same format.
 */
export const GROWTH = 1.1;
export const PERCENTILE_RELATIVE_ERROR = Math.sqrt(GROWTH) - 1;

const LOG_GROWTH = Math.log(GROWTH);
/** Shifts bucket indexes of positive values above 0 (1e-308 ms is bucket -7,450 before the shift). */
export const BUCKET_OFFSET = 10_000;

export type Histogram = Map<number, number>;

/** 0 for zero; OFFSET + floor(log_g v) for positive v; the negated bucket of -v for negative v. */
export function latencyBucket(value: number): number {
  if (value > 0) return Math.floor(Math.log(value) / LOG_GROWTH) + BUCKET_OFFSET;
  if (value < 0) return -(Math.floor(Math.log(-value) / LOG_GROWTH) + BUCKET_OFFSET);
  return 0;
}

/** The value a bucket stands for: its geometric middle. Buckets sort in the order of their values. */
export function bucketValue(bucket: number): number {
  if (bucket === 0) return 0;
  const magnitude = Math.exp((Math.abs(bucket) - BUCKET_OFFSET + 0.5) * LOG_GROWTH);
  return bucket > 0 ? magnitude : -magnitude;
}

export function addToHistogram(histogram: Histogram, bucket: number, count: number): void {
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + count);
}

/** Adds the counts of a stored histogram (times `sign`: -1 subtracts). */
export function mergeHistogramText(histogram: Histogram, text: string | null | undefined, sign = 1): void {
  if (text === null || text === undefined || text === '' || text === '{}') return;
  const parsed = JSON.parse(text) as Record<string, number>;
  for (const key in parsed) addToHistogram(histogram, Number(key), sign * parsed[key]!);
}

/**
 * Adds the counts of histogram texts joined by commas (`{"10041": 3, "10042": 1},{"10041": 2}`, as
 * PostgreSQL's string_agg of JSONB gives them) by scanning the digits: a summary merges thousands
 * of buckets per answer, and the objects JSON.parse built for them (and their garbage) were most of
 * its CPU. Anything but integer keys and counts falls back to JSON.parse, before adding any count.
 */
export function mergeHistogramList(histogram: Histogram, text: string): void {
  const pairs: number[] = [];
  const length = text.length;
  let index = 0;
  const integerAt = (): number | undefined => {
    let negative = false;
    if (text.charCodeAt(index) === 45 /* - */) {
      negative = true;
      index += 1;
    }
    let value = 0;
    const start = index;
    for (; index < length; index++) {
      const digit = text.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (index === start || index - start > 15) return undefined;
    return negative ? -value : value;
  };
  const skipSpaces = () => {
    while (text.charCodeAt(index) === 32) index += 1;
  };
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code !== 34 /* " */) {
      // Between pairs only braces, commas and spaces are expected.
      if (code !== 123 && code !== 125 && code !== 44 && code !== 32) return mergeParsed(histogram, text);
      index += 1;
      continue;
    }
    index += 1;
    const bucket = integerAt();
    if (bucket === undefined || text.charCodeAt(index) !== 34) return mergeParsed(histogram, text);
    index += 1;
    skipSpaces();
    if (text.charCodeAt(index) !== 58 /* : */) return mergeParsed(histogram, text);
    index += 1;
    skipSpaces();
    const count = integerAt();
    const next = text.charCodeAt(index);
    if (count === undefined || (index < length && next !== 44 && next !== 125 && next !== 32)) {
      return mergeParsed(histogram, text);
    }
    pairs.push(bucket, count);
  }
  for (let pair = 0; pair < pairs.length; pair += 2) addToHistogram(histogram, pairs[pair]!, pairs[pair + 1]!);
}

function mergeParsed(histogram: Histogram, text: string): void {
  for (const counts of JSON.parse(`[${text}]`) as Array<Record<string, number>>) {
    for (const key in counts) addToHistogram(histogram, Number(key), counts[key]!);
  }
}

/** Canonical JSON: buckets ascending, empty buckets left out. */
export function formatHistogram(histogram: Histogram): string {
  const keys = [...histogram.keys()].sort((a, b) => a - b);
  const parts: string[] = [];
  for (const key of keys) {
    const count = histogram.get(key)!;
    if (count !== 0) parts.push(`"${key}":${count}`);
  }
  return `{${parts.join(',')}}`;
}

/** Adds two stored histograms (the SQLite upsert's `ledger_hist_add`). */
export function addHistogramTexts(a: string | null, b: string | null): string {
  const histogram: Histogram = new Map();
  mergeHistogramText(histogram, a);
  mergeHistogramText(histogram, b);
  return formatHistogram(histogram);
}

/** Estimated p50 and p95 by interpolation between closest ranks, as `percentile` does on exact values. */
export function histogramPercentiles(histogram: Histogram): [number, number] {
  const buckets = [...histogram.entries()].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [, count] of buckets) total += count;
  if (total === 0) return [0, 0];
  const valueAtRank = (rank: number): number => {
    let seen = 0;
    for (const [bucket, count] of buckets) {
      seen += count;
      if (rank < seen) return bucketValue(bucket);
    }
    return bucketValue(buckets[buckets.length - 1]![0]);
  };
  const estimate = (fraction: number): number => {
    const position = (total - 1) * fraction;
    const lower = Math.floor(position);
    const low = valueAtRank(lower);
    const high = valueAtRank(Math.ceil(position));
    return low + (high - low) * (position - lower);
  };
  return [estimate(0.5), estimate(0.95)];
}
