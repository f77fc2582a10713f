import type { CounterRef, CounterValues } from '../backend.js';
import { unitsToCost } from './cost-units.js';
import type { MeterUsage } from '../meter.js';
import { formatSubject, type Subject } from './subject.js';

/** A counter's raw values as the usage `meter.get()` returns: numbers for counts, exact strings for money. */
export function toUsage(subject: Subject, counter: CounterRef, values: CounterValues, currency: string): MeterUsage {
  const number = (value: bigint) => Number(value);
  return {
    subject: formatSubject(subject),
    period: counter.period,
    windowStart: new Date(counter.startMs),
    windowEnd: new Date(counter.endMs),
    requests: number(values.requests),
    tokens: {
      input: number(values.input),
      cacheRead: number(values.cacheRead),
      cacheWrite: number(values.cacheWrite),
      output: number(values.output),
      reasoning: number(values.reasoning),
      total: number(values.total),
    },
    cost: unitsToCost(values.cost),
    currency,
    unpricedRequests: number(values.unpriced),
    reserved: {
      cost: unitsToCost(values.reservedCost),
      tokens: number(values.reservedTokens),
      requests: number(values.reservedRequests),
    },
  };
}
