import type { CounterRef, UsageField } from '../backend.js';
import { costToUnits } from './cost-units.js';
import type { MeterableRecord } from '../meter.js';
import { windowOf, type Period } from './period.js';
import type { Subject } from './subject.js';

/**
 * The counter of `subject` in the window of `period` containing `atMs`. The key puts the subject
 * id last, as ids may contain colons: `user:m2025-03-01:u-42`.
 */
export function counterRef(subject: Subject, period: Period, atMs: number, retentionMs: number): CounterRef {
  const window = windowOf(period, atMs);
  return {
    key: `${subject.dimension}:${window.label}:${subject.id}`,
    dimension: subject.dimension,
    subjectId: subject.id,
    period: period.name,
    startMs: window.startMs,
    endMs: window.endMs,
    expiresAtMs: window.endMs + retentionMs,
  };
}

/**
 * A counter's TTL relative to `nowMs`, for backends that expire keys themselves: keys expire by
 * the backend's clock, the window by the meter's (possibly injected) clock.
 */
export function ttlMs(counter: CounterRef, nowMs: number): number {
  return Math.max(1, Math.ceil(counter.expiresAtMs - nowMs));
}

export interface RecordUsage {
  /** Non-zero deltas in field order. */
  usage: Array<[UsageField, bigint]>;
  /** The record's cost is in another currency than the meter's: it was counted as unpriced. */
  currencyMismatch: boolean;
}

/**
 * What one record adds to its counters: one request, its token buckets, and its exact cost in
 * counter units (rounded up past 12 decimals). A record whose cost is unknown while it used tokens
 * (an unpriced model) counts in `unpriced` instead; a call with no usage at all adds no cost.
 */
export function recordUsage(record: MeterableRecord, currency: string): RecordUsage {
  const tokens = record.tokens;
  const usage: Array<[UsageField, bigint]> = [['requests', 1n]];
  const add = (field: UsageField, value: number | undefined) => {
    const count = typeof value === 'number' && Number.isFinite(value) && value > 0 ? BigInt(Math.round(value)) : 0n;
    if (count !== 0n) usage.push([field, count]);
  };
  add('input', tokens?.input);
  add('cacheRead', tokens?.cacheRead);
  add('cacheWrite', tokens?.cacheWrite);
  add('output', tokens?.output);
  add('reasoning', tokens?.reasoning);
  add('total', tokens?.total);
  const total = record.cost?.total ?? null;
  const currencyMismatch = total !== null && record.cost!.currency !== currency;
  if (total !== null && !currencyMismatch) {
    const units = costToUnits(total);
    if (units !== 0n) usage.push(['cost', units]);
  } else if (record.cost?.status === 'unpriced' || currencyMismatch || (tokens?.total ?? 0) > 0) {
    usage.push(['unpriced', 1n]);
  }
  return { usage, currencyMismatch };
}
