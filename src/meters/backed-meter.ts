import { consoleLogger, type LedgerLogger } from '../core/logger.js';
import {
  LIMIT_FIELD_ORDER,
  type CommitEntry,
  type CounterRef,
  type CounterValues,
  type LimitCheck,
  type MeterBackend,
  type RateCheck,
} from './backend.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { unitsToCost } from './cost-units.js';
import { counterRef, recordUsage } from './counter-refs.js';
import {
  MeterClosedError,
  MeterUnavailableError,
  QuotaExceededError,
  RateLimitedError,
  type LimitField,
} from './errors.js';
import { estimateCall, type CallEstimate, type EstimateOptions } from './limits/call-estimate.js';
import { Limits, type Applicable, type ResolvedBudget } from './limits/limit-registry.js';
import type { BudgetInput, RateLimitInput } from './limits/limit-types.js';
import type {
  CountTarget,
  LimitAlert,
  Meter,
  MeterStats,
  MeterUsage,
  MeterableRecord,
  Reservation,
  ReserveCall,
} from './meter.js';
import { cycleAnchorDay, parsePeriod, type Period, type PeriodInput } from './period.js';
import { ReplayQueue } from './replay-queue.js';
import { encodeReservation } from './reservation-payload.js';
import {
  checkDimension,
  DimensionValues,
  formatSubject,
  parseSubject,
  type DimensionReader,
  type MeteredCall,
  type Subject,
} from './subject.js';

export interface MeterOptions {
  backend: MeterBackend;
  /** Dimensions every call is counted under. Default `['user', 'tenant']`; dimensions that limits name are added. */
  dimensions?: readonly string[];
  /** Readers for custom dimensions; by default a dimension reads `metadata[name]`. */
  dimensionReaders?: Readonly<Record<string, DimensionReader>>;
  /** Periods every call is counted in. Default `['day', 'cycle']`. */
  periods?: readonly PeriodInput[];
  /** Seed 002's billing cycle start, `YYYY-MM-DD`; cycles restart on that day each month. Default: the 1st. */
  cycleStartDate?: string;
  /** Budgets and rate limits to start with. */
  limits?: { budgets?: readonly BudgetInput[]; rates?: readonly RateLimitInput[] };
  /** Currency of costs and budgets. Default `USD`. */
  currency?: string;
  estimate?: EstimateOptions;
  clock?: { now(): number };
  /** How long a reservation holds if its call is never settled (the process died). Default 15 minutes. */
  reservationTtlMs?: number;
  /** How long counters are kept after their window ends. Default 35 days. */
  retentionMs?: number;
  /** How long an applied record id is remembered, making replays idempotent. Default 24 hours. */
  idempotencyTtlMs?: number;
  /** true (default): when the backend is down, calls go on unreserved and settlements are replayed later. */
  failOpen?: boolean;
  /** Longest wait for one backend operation. Default 2000. */
  operationTimeoutMs?: number;
  /** Attempts per settlement batch before it goes to the replay queue, and the backoff. Default 3, 100 ms, 30 s. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Settlements kept for replay at most. Default 100,000. */
  maxPendingReplay?: number;
  logger?: LedgerLogger;
  onAlert?: (alert: LimitAlert) => void;
}

interface HeldReservation {
  text: string;
  keys: string[];
  amounts: Record<LimitField, bigint>;
  tokenRates: RateCheck[];
  expiresAtMs: number;
}

interface LimitGroup {
  check: LimitCheck;
  budgets: Array<Applicable<ResolvedBudget>>;
}

const MAX_BATCH = 256;
const MAX_RECENT = 10_000;
const PRUNE_EVERY = 4096;
const MINUTE = 60_000;
const DAY = 86_400_000;

const systemClock = { now: () => Date.now() };

/**
 * The one Meter implementation: subjects, windows, limits, estimates, batching, retries, replay
 * and lifecycle, over a small backend (memory, SQLite or Redis) that does the atomic parts.
 * Create it with `createMeter()`.
 */
export class BackedMeter implements Meter {
  readonly kind: string;
  readonly currency: string;
  readonly limits: Limits;
  private readonly backend: MeterBackend;
  private readonly values: DimensionValues;
  private readonly dimensions: readonly string[];
  private readonly periods: readonly Period[];
  private readonly cycleStartDate: string | undefined;
  private readonly clock: { now(): number };
  private readonly logger: LedgerLogger;
  private readonly estimateOptions: EstimateOptions;
  private readonly reservationTtlMs: number;
  private readonly retentionMs: number;
  private readonly idempotencyTtlMs: number;
  private readonly failOpen: boolean;
  private readonly timeoutMs: number;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  private readonly alerts: AlertDispatcher;
  private readonly replay: ReplayQueue;
  private readonly held = new Map<string, HeldReservation>();
  /** Ids settled lately, so the handler and `meteredCall` settling the same call cost one round trip. */
  private readonly recentlySettled = new Set<string>();
  private readonly recentRing: Array<string | undefined> = new Array(MAX_RECENT);
  private recentPosition = 0;
  private reservesSincePrune = 0;
  private batch: Array<{ entry: CommitEntry; done: () => void }> = [];
  private batchScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts: Omit<MeterStats, 'pendingReplay'> = {
    applied: 0,
    duplicates: 0,
    reservations: 0,
    quotaRejections: 0,
    rateLimitRejections: 0,
    unreserved: 0,
    replayed: 0,
    droppedReplay: 0,
    backendErrors: 0,
  };
  private degraded = false;
  private closed = false;

  constructor(options: MeterOptions) {
    this.backend = options.backend;
    this.kind = options.backend.kind;
    this.currency = options.currency ?? 'USD';
    this.cycleStartDate = options.cycleStartDate;
    if (this.cycleStartDate !== undefined) cycleAnchorDay(this.cycleStartDate);
    this.values = new DimensionValues(options.dimensionReaders);
    this.dimensions = (options.dimensions ?? ['user', 'tenant']).map((name) => checkDimension(name));
    const periods = (options.periods ?? ['day', 'cycle']).map((period) => parsePeriod(period, this.cycleStartDate));
    this.periods = [...new Map(periods.map((period) => [period.name, period])).values()];
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? consoleLogger;
    this.estimateOptions = options.estimate ?? {};
    this.reservationTtlMs = options.reservationTtlMs ?? 15 * MINUTE;
    this.retentionMs = options.retentionMs ?? 35 * DAY;
    this.idempotencyTtlMs = options.idempotencyTtlMs ?? DAY;
    this.failOpen = options.failOpen ?? true;
    this.timeoutMs = options.operationTimeoutMs ?? 2_000;
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 3),
      baseDelayMs: options.retry?.baseDelayMs ?? 100,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    };
    this.limits = new Limits(this.cycleStartDate);
    for (const budget of options.limits?.budgets ?? []) this.limits.set(budget);
    for (const rate of options.limits?.rates ?? []) this.limits.setRate(rate);
    this.alerts = new AlertDispatcher(this.logger);
    if (options.onAlert) this.alerts.subscribe(options.onAlert);
    this.replay = new ReplayQueue({
      commit: (entries) => this.withTimeout(this.backend.commit(entries)),
      now: () => this.clock.now(),
      baseDelayMs: this.retry.baseDelayMs,
      maxDelayMs: this.retry.maxDelayMs,
      maxPending: options.maxPendingReplay ?? 100_000,
      onReplayed: (results) => {
        this.counts.replayed += results.length;
        this.tally(results);
        this.recovered();
      },
      onFailed: () => {
        this.counts.backendErrors += 1;
      },
      onDropped: (count) => {
        this.counts.droppedReplay += count;
        this.warn(
          { dropped: count },
          `llm-ledger meter: replay queue full, ${count} settlements dropped; recover them with replayRecords()`,
        );
      },
    });
  }

  async reserve(call: ReserveCall, estimate?: CallEstimate): Promise<Reservation | null> {
    this.assertOpen();
    if (this.limits.empty) return null;
    const valueOf = (dimension: string) => this.values.valueOf(call, dimension);
    const budgets = this.limits.budgetsFor(valueOf);
    const rates = this.limits.ratesFor(valueOf);
    if (budgets.length === 0 && rates.length === 0) return null;
    const estimated = estimate ?? (await estimateCall(call, this.estimateOptions));
    const now = this.clock.now();
    const groups = this.groupBudgets(budgets, now);
    const rateChecks: Array<{ check: RateCheck; subject: Subject; kind: 'requests' | 'tokens' }> = [];
    for (const { limit, subject } of rates) {
      const name = formatSubject(subject);
      if (limit.rate.requestsPerMinute !== null) {
        const check = { key: `r:requests:${name}`, perMinute: limit.rate.requestsPerMinute, weight: 1 };
        rateChecks.push({ check, subject, kind: 'requests' });
      }
      if (limit.rate.tokensPerMinute !== null) {
        const check = { key: `r:tokens:${name}`, perMinute: limit.rate.tokensPerMinute, weight: estimated.totalTokens };
        rateChecks.push({ check, subject, kind: 'tokens' });
      }
    }
    const amounts: Record<LimitField, bigint> = {
      cost: estimated.costUnits,
      tokens: BigInt(estimated.totalTokens),
      requests: 1n,
    };
    const keys = groups.map((group) => group.check.counter.key);
    const text = groups.length === 0 ? '' : encodeReservation(call.id, keys, amounts);
    const expiresAtMs = now + this.reservationTtlMs;
    let outcome;
    try {
      outcome = await this.withTimeout(
        this.backend.reserve({
          nowMs: now,
          reservation: text,
          expiresAtMs,
          estimate: amounts,
          limits: groups.map((group) => group.check),
          rates: rateChecks.map((rate) => rate.check),
        }),
      );
      this.recovered();
    } catch (error) {
      this.counts.backendErrors += 1;
      if (!this.failOpen) throw asUnavailable(error);
      this.degrade(error);
      this.counts.unreserved += 1;
      return null;
    }
    if (!outcome.ok && outcome.kind === 'quota') {
      this.counts.quotaRejections += 1;
      throw this.quotaError(groups[outcome.index]!, outcome.field, outcome.used, outcome.reserved, amounts);
    }
    if (!outcome.ok) {
      this.counts.rateLimitRejections += 1;
      const rate = rateChecks[outcome.index]!;
      throw new RateLimitedError({
        subject: formatSubject(rate.subject),
        kind: rate.kind,
        perMinute: rate.check.perMinute,
        retryAfterMs: outcome.retryAfterMs,
      });
    }
    const alerts = outcome.alerts.map((hit) =>
      this.alertFor(groups[hit.index]!, hit.field, hit.used, hit.reserved, amounts),
    );
    for (const alert of alerts) this.alerts.emit(alert);
    this.pruneHeld(now);
    this.held.set(call.id, {
      text,
      keys,
      amounts,
      tokenRates: rateChecks.filter((rate) => rate.kind === 'tokens').map((rate) => rate.check),
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
    return this.enqueue({
      nowMs: this.clock.now(),
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
      this.warn({ recordId: record.id }, 'llm-ledger meter: a call was settled after the meter was closed; not counted');
      return;
    }
    if (this.recentlySettled.has(record.id)) return;
    this.remember(record.id);
    const held = this.held.get(record.id);
    this.held.delete(record.id);
    const now = this.clock.now();
    const at = startOf(record, now);
    const { usage, currencyMismatch } = recordUsage(record, this.currency);
    if (currencyMismatch) {
      this.warn(
        { recordId: record.id, currency: record.cost?.currency },
        `llm-ledger meter: a cost in ${record.cost?.currency} was counted as unpriced (the meter counts ${this.currency})`,
      );
    }
    const actualTokens = record.tokens?.total ?? 0;
    return this.enqueue({
      nowMs: now,
      applyId: record.id,
      applyTtlMs: this.idempotencyTtlMs,
      reservation: held?.text ?? '',
      reserved: held && held.text !== '' ? { keys: held.keys, amounts: held.amounts } : undefined,
      counters: this.countersFor(record, at),
      usage,
      rateAdjustments: (held?.tokenRates ?? []).map((rate) => ({
        key: rate.key,
        perMinute: rate.perMinute,
        delta: actualTokens - rate.weight,
      })),
    });
  }

  async count(record: MeterableRecord, target: CountTarget): Promise<void> {
    this.assertOpen();
    const subject = parseSubject(target.subject);
    const period = parsePeriod(target.period ?? 'cycle', this.cycleStartDate);
    const now = this.clock.now();
    const counter = counterRef(subject, period, startOf(record, now), this.retentionMs);
    return this.enqueue({
      nowMs: now,
      // Its own id: the same record is also counted, separately, under the meter's defaults.
      applyId: `${record.id}@${counter.key}`,
      applyTtlMs: this.idempotencyTtlMs,
      reservation: '',
      counters: [counter],
      usage: recordUsage(record, this.currency).usage,
      rateAdjustments: [],
    });
  }

  async get(subject: string | Subject, period: PeriodInput = 'cycle', at?: Date | number): Promise<MeterUsage> {
    this.assertOpen();
    const parsed = parseSubject(subject);
    const resolved = parsePeriod(period, this.cycleStartDate);
    const now = this.clock.now();
    const atMs = at === undefined ? now : at instanceof Date ? at.getTime() : at;
    const counter = counterRef(parsed, resolved, atMs, this.retentionMs);
    let values: CounterValues;
    try {
      [values] = (await this.withTimeout(this.backend.read([counter], now))) as [CounterValues];
    } catch (error) {
      this.counts.backendErrors += 1;
      throw asUnavailable(error);
    }
    return toUsage(parsed, counter, values, this.currency);
  }

  onAlert(listener: (alert: LimitAlert) => void): () => void {
    return this.alerts.subscribe(listener);
  }

  async flush(): Promise<void> {
    while (this.batch.length > 0 || this.inFlight.size > 0) {
      if (this.batch.length > 0) this.flushBatch();
      await Promise.all([...this.inFlight]);
    }
    if (this.replay.size > 0) await this.replay.drain();
  }

  stats(): MeterStats {
    return { ...this.counts, pendingReplay: this.replay.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.replay.stop();
    if (this.replay.size > 0) {
      this.warn(
        { pending: this.replay.size },
        `llm-ledger meter: closed with ${this.replay.size} settlements not applied (backend unreachable); ` +
          'recover them with replayRecords() from the ledger',
      );
    }
    await this.backend.close();
  }

  /** Every counter a call is counted in: metered dimensions x periods, plus each applicable budget's. */
  private countersFor(call: MeteredCall, atMs: number): CounterRef[] {
    const counters = new Map<string, CounterRef>();
    const add = (counter: CounterRef) => counters.set(counter.key, counter);
    for (const dimension of this.dimensions) {
      const id = this.values.valueOf(call, dimension);
      if (id === null) continue;
      for (const period of this.periods) add(counterRef({ dimension, id }, period, atMs, this.retentionMs));
    }
    for (const { limit, subject } of this.limits.budgetsFor((dimension) => this.values.valueOf(call, dimension))) {
      add(counterRef(subject, limit.period, atMs, this.retentionMs));
    }
    return [...counters.values()];
  }

  /** One check per counter; several budgets on one counter combine to the lowest maximum per mode. */
  private groupBudgets(budgets: ReadonlyArray<Applicable<ResolvedBudget>>, now: number): LimitGroup[] {
    const groups = new Map<string, LimitGroup & { hard: Record<LimitField, bigint | null>; soft: Record<LimitField, bigint | null> }>();
    for (const applicable of budgets) {
      const counter = counterRef(applicable.subject, applicable.limit.period, now, this.retentionMs);
      let group = groups.get(counter.key);
      if (!group) {
        const hard = { cost: null, tokens: null, requests: null };
        const soft = { cost: null, tokens: null, requests: null };
        group = { check: { counter, hard, soft }, budgets: [], hard, soft };
        groups.set(counter.key, group);
      }
      group.budgets.push(applicable);
      const maxima = applicable.limit.budget.mode === 'hard' ? group.hard : group.soft;
      for (const field of LIMIT_FIELD_ORDER) {
        const max = applicable.limit.maxima[field];
        if (max !== null && (maxima[field] === null || max < maxima[field]!)) maxima[field] = max;
      }
    }
    return [...groups.values()];
  }

  private quotaError(
    group: LimitGroup,
    field: LimitField,
    used: bigint,
    reserved: bigint,
    amounts: Record<LimitField, bigint>,
  ): QuotaExceededError {
    const max = group.check.hard[field]!;
    const budget =
      group.budgets.find((entry) => entry.limit.budget.mode === 'hard' && entry.limit.maxima[field] === max) ??
      group.budgets[0]!;
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

  private alertFor(
    group: LimitGroup,
    field: LimitField,
    used: bigint,
    reserved: bigint,
    amounts: Record<LimitField, bigint>,
  ): LimitAlert {
    const max = group.check.soft[field]!;
    const budget =
      group.budgets.find((entry) => entry.limit.budget.mode === 'soft' && entry.limit.maxima[field] === max) ??
      group.budgets[0]!;
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

  private enqueue(entry: CommitEntry): Promise<void> {
    return new Promise((done) => {
      this.batch.push({ entry, done });
      if (this.batch.length >= MAX_BATCH) this.flushBatch();
      else if (!this.batchScheduled) {
        this.batchScheduled = true;
        // Settlements arriving in the same turn of the event loop go to the backend together.
        setImmediate(() => this.flushBatch());
      }
    });
  }

  private flushBatch(): void {
    this.batchScheduled = false;
    const pending = this.batch;
    if (pending.length === 0) return;
    this.batch = [];
    const task = this.commitWithRetry(pending.map((item) => item.entry)).then(() => {
      for (const item of pending) item.done();
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** Never rejects: after the last attempt the entries wait in the replay queue. */
  private async commitWithRetry(entries: readonly CommitEntry[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.withTimeout(this.backend.commit(entries));
        this.tally(results);
        this.recovered();
        if (this.replay.size > 0) this.replay.kick();
        return;
      } catch (error) {
        this.counts.backendErrors += 1;
        if (attempt >= this.retry.attempts || this.closed) {
          this.degrade(error);
          this.replay.add(entries);
          return;
        }
        await sleep(backoff(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs));
      }
    }
  }

  private tally(results: readonly boolean[]): void {
    for (const applied of results) {
      if (applied) this.counts.applied += 1;
      else this.counts.duplicates += 1;
    }
  }

  private withTimeout<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new MeterUnavailableError(`The ${this.kind} meter did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.warn(
      { error, failOpen: this.failOpen },
      `llm-ledger meter: the ${this.kind} backend is unavailable (${(error as Error)?.message ?? error}); ` +
        (this.failOpen
          ? 'calls go on without reservations and usage is replayed when it is back'
          : 'calls with limits are refused'),
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    try {
      this.logger.info(
        { pending: this.replay.size },
        `llm-ledger meter: the ${this.kind} backend is back; replaying ${this.replay.size} settlements`,
      );
    } catch {}
  }

  private warn(details: Record<string, unknown>, message: string): void {
    try {
      this.logger.warn(details, message);
    } catch {}
  }

  private remember(id: string): void {
    // A ring, not "delete the Set's first entry": that walks over every earlier deletion each time.
    const evicted = this.recentRing[this.recentPosition];
    if (evicted !== undefined) this.recentlySettled.delete(evicted);
    this.recentRing[this.recentPosition] = id;
    this.recentPosition = (this.recentPosition + 1) % MAX_RECENT;
    this.recentlySettled.add(id);
  }

  /**
   * Forgets reservations past their expiry (the backend released them). Occasionally, not per
   * call: iterating a Map from its start walks over every entry deleted since it was last rebuilt.
   */
  private pruneHeld(now: number): void {
    if (++this.reservesSincePrune < PRUNE_EVERY && this.held.size < MAX_RECENT) return;
    this.reservesSincePrune = 0;
    for (const [id, held] of this.held) if (held.expiresAtMs <= now) this.held.delete(id);
  }

  private assertOpen(): void {
    if (this.closed) throw new MeterClosedError();
  }
}

function startOf(record: MeterableRecord, fallback: number): number {
  const time = Date.parse(record.startedAt);
  return Number.isFinite(time) ? time : fallback;
}

function amount(field: LimitField, units: bigint): string {
  return field === 'cost' ? unitsToCost(units) : String(units);
}

function asUnavailable(error: unknown): Error {
  return error instanceof MeterUnavailableError
    ? error
    : new MeterUnavailableError(`Meter operation failed: ${(error as Error)?.message ?? error}`, error);
}

function backoff(attempt: number, baseMs: number, maxMs: number): number {
  // Jitter spreads the retries of many processes that lost the backend at the same moment.
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function toUsage(subject: Subject, counter: CounterRef, values: CounterValues, currency: string): MeterUsage {
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
