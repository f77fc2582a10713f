import { unknownKeyMessage } from '../../core/key-suggestions.js';
import { ConfigError } from '../../core/errors.js';
import { parseDecimal, formatDecimal } from '../../core/money.js';
import { costToUnits, fitsCostScale } from '../counters/cost-units.js';
import type { LimitField } from '../errors.js';
import { parsePeriod, type Period } from '../counters/period.js';
import {
  formatSubject,
  parseSubject,
  type DimensionValues,
  type MeteredCall,
  type Subject,
} from '../counters/subject.js';
import type { Budget, BudgetInput, LimitMode, RateLimit, RateLimitInput } from './limit-types.js';

/** A registered budget with what checking it needs. */
export interface ResolvedBudget {
  readonly budget: Budget;
  readonly subject: Subject;
  readonly period: Period;
  /** Per quantity, in counter units (cost in 10^-12), null when not limited. */
  readonly maxima: Readonly<Record<LimitField, bigint | null>>;
}

export interface ResolvedRateLimit {
  readonly rate: RateLimit;
  readonly subject: Subject;
}

/** A budget or rate limit matched to a call: `subject` is the call's own (never `*`). */
export interface Applicable<T> {
  readonly limit: T;
  readonly subject: Subject;
}

/**
 * Budgets and rate limits, by subject. Kept in the process (from `llm_config.yaml` or code):
 * every process sharing a Redis meter should register the same limits; the counters they check
 * against are shared. Setting a budget with the same subject, period and mode replaces it.
 *
 * @example
 * meter.limits.set({ subject: 'user:*', period: 'month', maxCost: '25.00', mode: 'hard' });
 * meter.limits.set({ subject: 'tenant:acme', period: 'day', maxTokens: 2_000_000, mode: 'soft' });
 * meter.limits.setRate({ subject: 'user:*', requestsPerMinute: 60, tokensPerMinute: 100_000 });
 */
export class Limits {
  private readonly budgets = new Map<string, ResolvedBudget>();
  private readonly rates = new Map<string, ResolvedRateLimit>();
  /** dimension -> subject id (or `*`) -> limits; rebuilt on change, read on every call. */
  private budgetIndex = new Map<string, Map<string, ResolvedBudget[]>>();
  private rateIndex = new Map<string, Map<string, ResolvedRateLimit[]>>();

  constructor(private readonly defaultCycleStartDate?: string) {}

  /** True when no budget and no rate limit is set: calls then skip reservation entirely. */
  get empty(): boolean {
    return this.budgets.size === 0 && this.rates.size === 0;
  }

  /** Dimensions that some limit is about. */
  dimensions(): Set<string> {
    return new Set([...this.budgetIndex.keys(), ...this.rateIndex.keys()]);
  }

  set(input: BudgetInput, source = 'options'): Budget {
    const resolved = resolveBudget(input, this.defaultCycleStartDate, source);
    const key = `${resolved.budget.subject}\u0000${resolved.period.name}\u0000${resolved.budget.mode}`;
    this.budgets.set(key, resolved);
    this.reindex();
    return resolved.budget;
  }

  /** Removes budgets of a subject (all periods and modes unless given). Returns how many. */
  remove(subject: string | Subject, period?: Parameters<typeof parsePeriod>[0], mode?: LimitMode): number {
    const name = formatSubject(parseSubject(subject));
    const periodName = period === undefined ? undefined : parsePeriod(period, this.defaultCycleStartDate).name;
    let removed = 0;
    for (const [key, resolved] of this.budgets) {
      if (resolved.budget.subject !== name) continue;
      if (periodName !== undefined && resolved.period.name !== periodName) continue;
      if (mode !== undefined && resolved.budget.mode !== mode) continue;
      this.budgets.delete(key);
      removed += 1;
    }
    this.reindex();
    return removed;
  }

  setRate(input: RateLimitInput, source = 'options'): RateLimit {
    if (typeof input !== 'object' || input === null) {
      throw new ConfigError({ source, path: '', expected: 'a rate limit object', received: JSON.stringify(input) });
    }
    rejectUnknownKeys(input, RATE_KEYS, source);
    const subject = parseSubject(input?.subject, source, 'subject');
    const requestsPerMinute = positiveOrNull(input.requestsPerMinute, source, 'requestsPerMinute');
    const tokensPerMinute = positiveOrNull(input.tokensPerMinute, source, 'tokensPerMinute');
    if (requestsPerMinute === null && tokensPerMinute === null) {
      throw new ConfigError({
        source,
        path: 'requestsPerMinute',
        expected: 'requestsPerMinute or tokensPerMinute (or both)',
        received: 'neither',
      });
    }
    const rate: RateLimit = Object.freeze({ subject: formatSubject(subject), requestsPerMinute, tokensPerMinute });
    this.rates.set(rate.subject, { rate, subject });
    this.reindex();
    return rate;
  }

  removeRate(subject: string | Subject): boolean {
    const removed = this.rates.delete(formatSubject(parseSubject(subject)));
    this.reindex();
    return removed;
  }

  clear(): void {
    this.budgets.clear();
    this.rates.clear();
    this.reindex();
  }

  list(): { budgets: Budget[]; rates: RateLimit[] } {
    return {
      budgets: [...this.budgets.values()].map((resolved) => resolved.budget),
      rates: [...this.rates.values()].map((resolved) => resolved.rate),
    };
  }

  /** Budgets that apply to a call whose dimension values `valueOf` gives. */
  /**
   * Budgets that apply to a call whose dimension values `valueOf` gives. A budget for the
   * subject itself (`user:vip`) overrides the wildcard's (`user:*`) with the same period and mode.
   */
  budgetsFor(call: MeteredCall, values: DimensionValues): Array<Applicable<ResolvedBudget>> {
    return match(this.budgetIndex, call, values, budgetSlot);
  }

  /** Rate limits that apply; a subject's own rate limit overrides the wildcard's. */
  ratesFor(call: MeteredCall, values: DimensionValues): Array<Applicable<ResolvedRateLimit>> {
    return match(this.rateIndex, call, values, rateSlot);
  }

  private reindex(): void {
    this.budgetIndex = index([...this.budgets.values()]);
    this.rateIndex = index([...this.rates.values()]);
  }
}

function index<T extends { subject: Subject }>(limits: readonly T[]): Map<string, Map<string, T[]>> {
  const byDimension = new Map<string, Map<string, T[]>>();
  for (const limit of limits) {
    let byId = byDimension.get(limit.subject.dimension);
    if (!byId) byDimension.set(limit.subject.dimension, (byId = new Map()));
    const list = byId.get(limit.subject.id);
    if (list) list.push(limit);
    else byId.set(limit.subject.id, [limit]);
  }
  return byDimension;
}

const budgetSlot = (limit: ResolvedBudget) => `${limit.period.name}\u0000${limit.budget.mode}`;
const rateSlot = () => '';

function match<T>(
  byDimension: Map<string, Map<string, T[]>>,
  call: MeteredCall,
  values: DimensionValues,
  slotOf: (limit: T) => string,
): Array<Applicable<T>> {
  const found: Array<Applicable<T>> = [];
  if (byDimension.size === 0) return found;
  for (const [dimension, byId] of byDimension) {
    const value = values.valueOf(call, dimension);
    if (value === null) continue;
    const subject: Subject = { dimension, id: value };
    const own = byId.get(value);
    if (own) for (const limit of own) found.push({ limit, subject });
    // A subject literally named `*` is the wildcard's own counter: do not count it twice.
    const wildcard = value === '*' ? undefined : byId.get('*');
    if (!wildcard) continue;
    const taken = own ? new Set(own.map(slotOf)) : undefined;
    for (const limit of wildcard) if (!taken?.has(slotOf(limit))) found.push({ limit, subject });
  }
  return found;
}

const BUDGET_KEYS = ['subject', 'period', 'maxCost', 'maxTokens', 'maxRequests', 'mode'];
const RATE_KEYS = ['subject', 'requestsPerMinute', 'tokensPerMinute'];

/** `limits.set({ max_cost: '10' })` would otherwise be a budget without its limit: name the key instead. */
function rejectUnknownKeys(input: object, known: readonly string[], source: string): void {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || known.includes(key)) continue;
    throw new ConfigError({ source, path: key, expected: `no ${unknownKeyMessage(key, known)}` });
  }
}

export function resolveBudget(
  input: BudgetInput,
  defaultCycleStartDate: string | undefined,
  source: string,
): ResolvedBudget {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError({ source, path: '', expected: 'a budget object', received: JSON.stringify(input) });
  }
  rejectUnknownKeys(input, BUDGET_KEYS, source);
  const subject = parseSubject(input.subject, source, 'subject');
  const period = parsePeriod(input.period ?? 'cycle', defaultCycleStartDate, source);
  const mode = input.mode ?? 'hard';
  if (mode !== 'hard' && mode !== 'soft') {
    throw new ConfigError({ source, path: 'mode', expected: 'hard or soft', received: JSON.stringify(mode) });
  }
  let maxCost: string | null = null;
  if (input.maxCost !== undefined && input.maxCost !== null) {
    try {
      const decimal = parseDecimal(input.maxCost);
      if (decimal.units < 0n) throw new RangeError('negative');
      maxCost = formatDecimal(decimal);
    } catch (cause) {
      throw new ConfigError({
        source,
        path: 'maxCost',
        expected: 'a non-negative decimal amount such as "25.00"',
        received: JSON.stringify(input.maxCost),
        cause,
      });
    }
  }
  const maxTokens = nonNegativeOrNull(input.maxTokens, source, 'maxTokens');
  const maxRequests = nonNegativeOrNull(input.maxRequests, source, 'maxRequests');
  if (maxCost === null && maxTokens === null && maxRequests === null) {
    throw new ConfigError({
      source,
      path: 'maxCost',
      expected: 'at least one of maxCost, maxTokens, maxRequests',
      received: 'none',
    });
  }
  const budget: Budget = Object.freeze({
    subject: formatSubject(subject),
    period: period.name,
    maxCost,
    maxTokens,
    maxRequests,
    mode,
  });
  const resolved: ResolvedBudget = {
    budget,
    subject,
    period,
    maxima: {
      // A budget in currency is a ceiling: a maximum with more than 12 decimals keeps its floor.
      cost: maxCost === null ? null : floorUnits(maxCost),
      tokens: maxTokens === null ? null : BigInt(maxTokens),
      requests: maxRequests === null ? null : BigInt(maxRequests),
    },
  };
  return resolved;
}

function floorUnits(amount: string): bigint {
  const up = costToUnits(amount);
  return fitsCostScale(amount) ? up : up - 1n;
}

function nonNegativeOrNull(value: unknown, source: string, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError({ source, path, expected: 'a non-negative integer', received: JSON.stringify(value) });
  }
  return value;
}

function positiveOrNull(value: unknown, source: string, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError({ source, path, expected: 'a positive number per minute', received: JSON.stringify(value) });
  }
  return value;
}
