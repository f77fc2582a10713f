import { LIMIT_FIELD_ORDER, type LimitCheck, type RateCheck } from '../backend.js';
import { unitsToCost } from '../counters/cost-units.js';
import { counterRef } from '../counters/counter-refs.js';
import { QuotaExceededError, type LimitField } from '../errors.js';
import type { CallEstimate } from './call-estimate.js';
import type { Applicable, ResolvedBudget, ResolvedRateLimit } from './limit-registry.js';
import type { LimitAlert } from '../meter.js';
import { formatSubject, type Subject } from '../counters/subject.js';

/** One counter's check, and the budgets it combines (to name the one that refused). */
export interface LimitGroup {
  readonly check: LimitCheck;
  readonly budgets: ReadonlyArray<Applicable<ResolvedBudget>>;
}

export interface RatePlan {
  readonly check: RateCheck;
  readonly subject: Subject;
  readonly kind: 'requests' | 'tokens';
}

type Maxima = Record<LimitField, bigint | null>;

/** One check per counter; several budgets on one counter combine to the lowest maximum per mode. */
export function groupBudgets(
  budgets: ReadonlyArray<Applicable<ResolvedBudget>>,
  nowMs: number,
  retentionMs: number,
): LimitGroup[] {
  const groups = new Map<string, { check: LimitCheck; budgets: Array<Applicable<ResolvedBudget>> }>();
  for (const applicable of budgets) {
    const counter = counterRef(applicable.subject, applicable.limit.period, nowMs, retentionMs);
    let group = groups.get(counter.key);
    if (!group) {
      const unlimited = (): Maxima => ({ cost: null, tokens: null, requests: null });
      group = { check: { counter, hard: unlimited(), soft: unlimited() }, budgets: [] };
      groups.set(counter.key, group);
    }
    group.budgets.push(applicable);
    const maxima = (applicable.limit.budget.mode === 'hard' ? group.check.hard : group.check.soft) as Maxima;
    for (const field of LIMIT_FIELD_ORDER) {
      const max = applicable.limit.maxima[field];
      if (max !== null && (maxima[field] === null || max < maxima[field]!)) maxima[field] = max;
    }
  }
  return [...groups.values()];
}

/** Rate-limit buckets of a call: one per subject and kind; tokens weigh the call's estimate. */
export function planRates(rates: ReadonlyArray<Applicable<ResolvedRateLimit>>, estimate: CallEstimate): RatePlan[] {
  const plans: RatePlan[] = [];
  for (const { limit, subject } of rates) {
    const name = formatSubject(subject);
    if (limit.rate.requestsPerMinute !== null) {
      const check = { key: `r:requests:${name}`, perMinute: limit.rate.requestsPerMinute, weight: 1 };
      plans.push({ check, subject, kind: 'requests' });
    }
    if (limit.rate.tokensPerMinute !== null) {
      const check = { key: `r:tokens:${name}`, perMinute: limit.rate.tokensPerMinute, weight: estimate.totalTokens };
      plans.push({ check, subject, kind: 'tokens' });
    }
  }
  return plans;
}

export function quotaError(
  group: LimitGroup,
  field: LimitField,
  used: bigint,
  reserved: bigint,
  amounts: Readonly<Record<LimitField, bigint>>,
): QuotaExceededError {
  const max = group.check.hard[field]!;
  const budget = budgetAt(group, 'hard', field, max);
  return new QuotaExceededError({
    subject: formatSubject(budget.subject),
    limit: budget.limit.budget,
    field,
    used: amount(field, used),
    reserved: amount(field, reserved),
    estimate: amount(field, amounts[field]),
    max: amount(field, max),
    resetsAt: new Date(group.check.counter.endMs),
  });
}

export function limitAlert(
  group: LimitGroup,
  field: LimitField,
  used: bigint,
  reserved: bigint,
  amounts: Readonly<Record<LimitField, bigint>>,
): LimitAlert {
  const max = group.check.soft[field]!;
  const budget = budgetAt(group, 'soft', field, max);
  return Object.freeze({
    subject: formatSubject(budget.subject),
    limit: budget.limit.budget,
    field,
    used: amount(field, used),
    reserved: amount(field, reserved),
    estimate: amount(field, amounts[field]),
    max: amount(field, max),
    windowStart: new Date(group.check.counter.startMs),
    resetsAt: new Date(group.check.counter.endMs),
  });
}

/** The budget whose maximum the combined check used. */
function budgetAt(group: LimitGroup, mode: 'hard' | 'soft', field: LimitField, max: bigint) {
  return (
    group.budgets.find((entry) => entry.limit.budget.mode === mode && entry.limit.maxima[field] === max) ??
    group.budgets[0]!
  );
}

/** An amount of a limited quantity as an exact decimal string. */
export function amount(field: LimitField, units: bigint): string {
  return field === 'cost' ? unitsToCost(units) : String(units);
}
