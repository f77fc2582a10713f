import { BoundedMap } from '../../core/bounded-map.js';
import { ConfigError } from '../../core/errors.js';
import type {
  CommitEntry,
  CounterRef,
  CounterValues,
  MeterBackend,
  RateAdjustment,
  RateCheck,
  UsageField,
} from '../backend.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { CircuitBreaker, DEFAULT_PROBE_INTERVAL_MS } from '../settlement/circuit-breaker.js';
import { counterRef, recordUsage } from '../counters/counter-refs.js';
import { unitsToCost } from '../counters/cost-units.js';
import { MeterClosedError, MeterUnavailableError, RateLimitedError, type LimitField } from '../errors.js';
import { estimateCall, type CallEstimate } from '../limits/call-estimate.js';
import { Limits } from '../limits/limit-registry.js';
import type {
  CountTarget,
  LimitAlert,
  Meter,
  MeterStats,
  MeterUsage,
  MeterableRecord,
  Reservation,
  ReserveCall,
} from '../meter.js';
import { MeterHealth } from './meter-health.js';
import { resolveMeterOptions, type MeterOptions, type MeterSettings } from './meter-options.js';
import { toUsage } from '../counters/meter-usage.js';
import { parsePeriod, type PeriodInput } from '../counters/period.js';
import { LimitGroupCache } from '../limits/limit-group-cache.js';
import { limitAlert, planRates, quotaError, type RatePlan } from '../limits/reservation-plan.js';
import { encodeReservation } from '../engine/reservation-payload.js';
import { SettlementQueue, type SettlementCounts } from '../settlement/settlement-queue.js';
import { SettlementSpool } from '../settlement/settlement-spool.js';
import { DimensionValues, parseSubject, type MeteredCall, type Subject, formatSubject } from '../counters/subject.js';
import { asUnavailable, withTimeout } from '../settlement/with-timeout.js';

export type { MeterOptions } from './meter-options.js';

interface HeldReservation {
  text: string;
  keys: readonly string[];
  amounts: Record<LimitField, bigint>;
  tokenRates: readonly RateCheck[];
  expiresAtMs: number;
}

const RECENT_IDS = 10_000;
// Shared empties for the usual call (no rate limits): nothing below mutates them.
const NO_RATES: readonly RatePlan[] = Object.freeze([]);
const NO_CHECKS: readonly RateCheck[] = Object.freeze([]);
const NO_ADJUSTMENTS: readonly RateAdjustment[] = Object.freeze([]);
const PRUNE_EVERY = 4096;
/** meter.get's `at` bounds: 1970 to 2200 (a window near a Date's limit has no end date). */
const MAX_AT_MS = Date.UTC(2200, 0, 1);

/**
 * The one Meter implementation: subjects, windows, limits and estimates, over a small backend
 * (memory, SQLite or Redis) that does the atomic parts; batching, retries and replay live in the
 * settlement queue. Usually created with `createMeter()`.
 *
 * @example
 * const meter = new BackedMeter({ backend: new MemoryMeterBackend(), periods: ['day', 'month'] });
 */
export class BackedMeter implements Meter {
  readonly kind: string;
  readonly currency: string;
  readonly limits: Limits;
  private readonly backend: MeterBackend;
  private readonly settings: MeterSettings;
  private readonly values: DimensionValues;
  private readonly health: MeterHealth;
  private readonly alerts: AlertDispatcher;
  private readonly settlements: SettlementQueue;
  /** Reservations of this process's running calls, by call id, released when they settle. */
  private readonly held = new Map<string, HeldReservation>();
  /** Ids settled lately: the ledger handler and `meteredCall` both settle a call, the second costs nothing. */
  private readonly recentlySettled = new BoundedMap<string, true>({ maxEntries: RECENT_IDS });
  private readonly limitGroups: LimitGroupCache;
  private reservesSincePrune = 0;
  private readonly counts: SettlementCounts = {
    applied: 0,
    duplicates: 0,
    reservations: 0,
    quotaRejections: 0,
    rateLimitRejections: 0,
    unreserved: 0,
    replayed: 0,
    droppedReplay: 0,
    backendErrors: 0,
    exceededReservation: 0,
  };
  /** Calls let through unreserved because the backend was down, until they settle. */
  private readonly unreservedIds = new BoundedMap<string, true>({ maxEntries: RECENT_IDS });
  private readonly overspend = { calls: 0, tokens: 0, costUnits: 0n };
  private readonly breaker: CircuitBreaker;
  private readonly spool: SettlementSpool | undefined;
  private closed = false;
  private readonly sendsSettlementsItself: boolean;

  constructor(options: MeterOptions) {
    this.backend = options.backend;
    this.kind = options.backend.kind;
    this.settings = resolveMeterOptions(options);
    this.currency = this.settings.currency;
    this.limitGroups = new LimitGroupCache(this.settings.retentionMs);
    this.values = new DimensionValues(options.dimensionReaders);
    this.limits = new Limits(this.settings.cycleStartDate);
    for (const budget of options.limits?.budgets ?? []) this.limits.set(budget);
    for (const rate of options.limits?.rates ?? []) this.limits.setRate(rate);
    this.health = new MeterHealth(this.kind, this.settings.failOpen, this.settings.logger);
    this.alerts = new AlertDispatcher(this.settings.logger);
    if (options.onAlert) this.alerts.subscribe(options.onAlert);
    this.breaker = new CircuitBreaker({
      probe: () => this.probe(),
      onClosed: () => {
        this.health.recovered(this.settlements.pendingReplay + this.settlements.spooled, this.overspendSummary());
        this.settlements.resume();
      },
      probeIntervalMs: Math.min(DEFAULT_PROBE_INTERVAL_MS, this.settings.retry.maxDelayMs),
      now: () => this.settings.clock.now(),
    });
    this.spool =
      options.spool === undefined
        ? undefined
        : new SettlementSpool({
            spool: options.spool,
            entryOf: (record) => this.settlementOf(record, undefined),
            commit: (entries) =>
              withTimeout(this.backend.commit(entries), this.settings.timeoutMs, `The ${this.kind} meter`),
            onApplied: (results) => {
              this.counts.replayed += results.length;
              for (const applied of results) {
                if (applied) this.counts.applied += 1;
                else this.counts.duplicates += 1;
              }
            },
            warn: (details, message) => this.health.warn(details, message),
          });
    this.settlements = new SettlementQueue(
      this.backend,
      this.settings,
      this.health,
      this.counts,
      this.breaker,
      this.spool,
    );
    // Records a process that died left on disk: applied once the backend answers.
    if (this.spool && this.spool.pending > 0) this.settlements.resume();
    // Settlements before reservations: a backend that sends reserves in batches asks for the queued
    // settlements right before each batch; the others get them before each reserve (below).
    this.sendsSettlementsItself = typeof this.backend.beforeReserveSend === 'function';
    if (this.sendsSettlementsItself) this.backend.beforeReserveSend!(() => this.settlements.sendPending());
  }

  async reserve(call: ReserveCall, estimate?: CallEstimate): Promise<Reservation | null> {
    this.assertOpen();
    if (this.limits.empty) return null;
    const budgets = this.limits.budgetsFor(call, this.values);
    const rates = this.limits.ratesFor(call, this.values);
    if (budgets.length === 0 && rates.length === 0) return null;
    const estimated = estimate ?? (await estimateCall(call, this.settings.estimate));
    const now = this.settings.clock.now();
    const { groups, keys, checks } = this.limitGroups.groupsFor(budgets, now);
    const ratePlans = rates.length === 0 ? NO_RATES : planRates(rates, estimated);
    const amounts: Record<LimitField, bigint> = {
      cost: estimated.costUnits,
      tokens: BigInt(estimated.totalTokens),
      requests: 1n,
    };
    const text = groups.length === 0 ? '' : encodeReservation(call.id, keys, amounts);
    const expiresAtMs = now + this.settings.reservationTtlMs;
    if (this.breaker.open) return this.whileDown(call.id);
    let outcome;
    try {
      if (!this.sendsSettlementsItself) this.settlements.sendPending();
      const reserving = this.backend.reserve({
        nowMs: now,
        deadline: performance.now() + this.settings.timeoutMs,
        reservation: text,
        expiresAtMs,
        estimate: amounts,
        limits: checks,
        rates: ratePlans.length === 0 ? NO_CHECKS : ratePlans.map((rate) => rate.check),
      });
      outcome = await withTimeout(reserving, this.settings.timeoutMs, `The ${this.kind} meter`);
      this.breaker.close();
    } catch (error) {
      this.counts.backendErrors += 1;
      this.health.degrade(error);
      this.breaker.trip(error);
      if (!this.settings.failOpen) throw asUnavailable(error);
      this.counts.unreserved += 1;
      this.unreservedIds.set(call.id, true);
      return null;
    }
    if (!outcome.ok && outcome.kind === 'quota') {
      this.counts.quotaRejections += 1;
      throw quotaError(groups[outcome.index]!, outcome.field, outcome.used, outcome.reserved, amounts);
    }
    if (!outcome.ok) {
      this.counts.rateLimitRejections += 1;
      const rate = ratePlans[outcome.index]!;
      throw new RateLimitedError({
        subject: formatSubject(rate.subject),
        kind: rate.kind,
        perMinute: rate.check.perMinute,
        retryAfterMs: outcome.retryAfterMs,
      });
    }
    const alerts = outcome.alerts.map((hit) =>
      limitAlert(groups[hit.index]!, hit.field, hit.used, hit.reserved, amounts),
    );
    for (const alert of alerts) this.alerts.emit(alert);
    this.pruneHeld(now);
    this.held.set(call.id, {
      text,
      keys,
      amounts,
      tokenRates: ratePlans.length === 0 ? NO_CHECKS : tokenChecks(ratePlans),
      expiresAtMs,
    });
    this.counts.reservations += 1;
    return { id: call.id, estimate: estimated, expiresAt: new Date(expiresAtMs), alerts };
  }

  async release(id: string): Promise<void> {
    const held = this.held.get(id);
    if (!held || this.closed) return;
    this.held.delete(id);
    if (held.text === '') return;
    return this.settlements.enqueue({
      nowMs: this.settings.clock.now(),
      applyId: null,
      applyTtlMs: 0,
      reservation: held.text,
      reserved: { keys: held.keys, amounts: held.amounts },
      counters: [],
      usage: [],
      rateAdjustments: [],
    });
  }

  async settle(record: MeterableRecord): Promise<void> {
    if (this.closed) {
      this.health.warn(
        { recordId: record.id },
        'llm-ledger meter: a call was settled after the meter was closed; not counted',
      );
      return;
    }
    // A cache hit spent nothing and asked the provider nothing: it counts in no budget, usage
    // counter or rate limit. A reservation made for it (LangChain admits before its cache is
    // asked) is given back whole.
    if (record.cacheHit === true) return this.release(record.id);
    if (this.recentlySettled.has(record.id)) return;
    this.recentlySettled.set(record.id, true);
    const held = this.held.get(record.id);
    this.held.delete(record.id);
    const entry = this.settlementOf(record, held);
    if (held !== undefined) this.checkAgainstReservation(entry, held);
    else if (this.unreservedIds.has(record.id)) this.countOverspend(entry);
    return this.settlements.enqueue(entry, record);
  }

  /** What settling `record` applies: its usage on every counter, and the release of `held`. */
  private settlementOf(record: MeterableRecord, held: HeldReservation | undefined): CommitEntry {
    const now = this.settings.clock.now();
    const { usage, currencyMismatch } = recordUsage(record, this.currency);
    if (currencyMismatch) {
      this.health.warn(
        { recordId: record.id, currency: record.cost?.currency },
        `llm-ledger meter: a cost in ${record.cost?.currency} was counted as unpriced (the meter counts ${this.currency})`,
      );
    }
    const actualTokens = record.tokens?.total ?? 0;
    return {
      nowMs: now,
      applyId: record.id,
      applyTtlMs: this.settings.idempotencyTtlMs,
      reservation: held?.text ?? '',
      reserved:
        held && held.text !== ''
          ? { keys: held.keys, amounts: held.amounts, expiresAtMs: held.expiresAtMs }
          : undefined,
      counters: this.countersFor(record, startOf(record, now)),
      usage,
      rateAdjustments:
        held === undefined || held.tokenRates.length === 0
          ? NO_ADJUSTMENTS
          : held.tokenRates.map((rate) => ({
              key: rate.key,
              perMinute: rate.perMinute,
              delta: actualTokens - rate.weight,
            })),
    };
  }

  /** Counts a call that used more than it reserved: the margin by which a hard budget can be overspent. */
  private checkAgainstReservation(entry: CommitEntry, held: HeldReservation): void {
    if (held.text === '') return;
    const tokens = usageOf(entry, 'total');
    const cost = usageOf(entry, 'cost');
    if (tokens > held.amounts.tokens || cost > held.amounts.cost) this.counts.exceededReservation += 1;
  }

  private countOverspend(entry: CommitEntry): void {
    this.overspend.calls += 1;
    this.overspend.tokens += Number(usageOf(entry, 'total'));
    this.overspend.costUnits += usageOf(entry, 'cost');
  }

  private overspendSummary(): { calls: number; tokens: number; cost: string } {
    return { calls: this.overspend.calls, tokens: this.overspend.tokens, cost: unitsToCost(this.overspend.costUnits) };
  }

  /** The backend is known to be down: no wait, fail open (unreserved) or closed at once. */
  private whileDown(id: string): null {
    const since = this.breaker.downSince;
    const cause = this.breaker.error;
    if (!this.settings.failOpen) {
      throw new MeterUnavailableError(
        `The ${this.kind} meter is down (since ${new Date(since ?? Date.now()).toISOString()}: ` +
          `${(cause as Error)?.message ?? cause}); calls with limits are refused until it is back`,
        cause,
      );
    }
    this.counts.unreserved += 1;
    this.unreservedIds.set(id, true);
    return null;
  }

  /** The breaker's probe: one read, bounded by the operation timeout. */
  private async probe(): Promise<void> {
    const now = this.settings.clock.now();
    const counter = counterRef(
      { dimension: 'health', id: 'probe' },
      parsePeriod('day'),
      now,
      this.settings.retentionMs,
    );
    await withTimeout(this.backend.read([counter], now), this.settings.timeoutMs, `The ${this.kind} meter`);
  }

  async count(record: MeterableRecord, target: CountTarget): Promise<void> {
    this.assertOpen();
    // As in settle: a cache hit used nothing to count.
    if (record.cacheHit === true) return;
    const subject = parseSubject(target.subject);
    const period = parsePeriod(target.period ?? 'cycle', this.settings.cycleStartDate);
    const now = this.settings.clock.now();
    const counter = counterRef(subject, period, startOf(record, now), this.settings.retentionMs);
    return this.settlements.enqueue({
      nowMs: now,
      // Idempotent by the record on this counter: when the record's settlement (by this meter, or
      // another on the same backend) reaches the same counter, the counter holds it once.
      applyId: record.id,
      counting: true,
      applyTtlMs: this.settings.idempotencyTtlMs,
      reservation: '',
      counters: [counter],
      usage: recordUsage(record, this.currency).usage,
      rateAdjustments: [],
    });
  }

  async get(
    subject: string | Subject,
    period: PeriodInput | undefined = 'cycle',
    at?: Date | number,
  ): Promise<MeterUsage> {
    this.assertOpen();
    const parsed = parseSubject(subject, 'meter.get()');
    const resolved = parsePeriod(period ?? 'cycle', this.settings.cycleStartDate, 'meter.get()');
    const now = this.settings.clock.now();
    const atMs = at === undefined ? now : at instanceof Date ? at.getTime() : at;
    // A window is found by its instant: an invalid date or a non-number would read some other window.
    if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0 || atMs >= MAX_AT_MS) {
      throw new ConfigError({
        source: 'meter.get()',
        path: 'at',
        expected: 'a valid Date or epoch milliseconds between 1970 and 2200 (or nothing, for now)',
        received: at instanceof Date ? 'an invalid Date' : (JSON.stringify(at) ?? String(at)),
      });
    }
    const counter = counterRef(parsed, resolved, atMs, this.settings.retentionMs);
    if (this.breaker.open) {
      throw new MeterUnavailableError(
        `The ${this.kind} meter is down (since ${new Date(this.breaker.downSince!).toISOString()}): ` +
          `${(this.breaker.error as Error)?.message ?? this.breaker.error}`,
        this.breaker.error,
      );
    }
    let values: CounterValues;
    try {
      const reading = this.backend.read([counter], now);
      [values] = (await withTimeout(reading, this.settings.timeoutMs, `The ${this.kind} meter`)) as [CounterValues];
      this.breaker.close();
    } catch (error) {
      this.counts.backendErrors += 1;
      if (!(error instanceof MeterClosedError)) this.breaker.trip(error);
      throw asUnavailable(error);
    }
    return toUsage(parsed, counter, values, this.currency);
  }

  onAlert(listener: (alert: LimitAlert) => void): () => void {
    return this.alerts.subscribe(listener);
  }

  flush(): Promise<void> {
    return this.settlements.flush();
  }

  stats(): MeterStats {
    return {
      ...this.counts,
      pendingReplay: this.settlements.pendingReplay,
      spooled: this.settlements.spooled,
      backendDown: this.breaker.open,
      overspend: this.overspendSummary(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.settlements.stop();
    this.breaker.stop();
    const pending = this.settlements.pendingReplay;
    const spooled = this.settlements.spooled;
    if (pending > 0 && spooled >= pending) {
      this.health.warn(
        { pending, spooled },
        `llm-ledger meter: closed with ${pending} settlements not applied (backend unreachable); ` +
          'they are kept in the spool and applied when the meter next reaches its backend',
      );
    } else if (pending > 0) {
      this.health.warn(
        { pending },
        `llm-ledger meter: closed with ${pending} settlements not applied (backend unreachable); ` +
          'recover them with replayRecords() from the ledger',
      );
    }
    this.spool?.close();
    await this.backend.close();
  }

  /** Every counter a call is counted in: metered dimensions x periods, plus each applicable budget's. */
  private countersFor(call: MeteredCall, atMs: number): CounterRef[] {
    const counters: CounterRef[] = [];
    const retention = this.settings.retentionMs;
    for (const dimension of this.settings.dimensions) {
      const id = this.values.valueOf(call, dimension);
      if (id === null) continue;
      for (const period of this.settings.periods) {
        putCounter(counters, counterRef({ dimension, id }, period, atMs, retention));
      }
    }
    for (const { limit, subject } of this.limits.budgetsFor(call, this.values)) {
      putCounter(counters, counterRef(subject, limit.period, atMs, retention));
    }
    return counters;
  }

  /**
   * Forgets reservations past their expiry (the backend released them). Occasionally, not per
   * call: iterating a Map from its start walks over every entry deleted since it was last rebuilt.
   */
  private pruneHeld(now: number): void {
    if (++this.reservesSincePrune < PRUNE_EVERY && this.held.size < RECENT_IDS) return;
    this.reservesSincePrune = 0;
    for (const [id, held] of this.held) if (held.expiresAtMs <= now) this.held.delete(id);
  }

  private assertOpen(): void {
    if (this.closed) throw new MeterClosedError();
  }
}

/**
 * Adds a counter once per key; a later one with the same key takes the earlier one's place (as a
 * Map's set would). An array rather than a Map: a call has a few counters.
 */
function putCounter(counters: CounterRef[], counter: CounterRef): void {
  for (let index = 0; index < counters.length; index++) {
    if (counters[index]!.key === counter.key) {
      counters[index] = counter;
      return;
    }
  }
  counters.push(counter);
}

function usageOf(entry: CommitEntry, field: UsageField): bigint {
  for (const [name, value] of entry.usage) if (name === field) return value;
  return 0n;
}

function tokenChecks(plans: readonly RatePlan[]): RateCheck[] {
  return plans.filter((rate) => rate.kind === 'tokens').map((rate) => rate.check);
}

/** The record's start: counters are by when the call started, so a late settlement lands in its window. */
function startOf(record: MeterableRecord, fallback: number): number {
  const time = Date.parse(record.startedAt);
  return Number.isFinite(time) ? time : fallback;
}
