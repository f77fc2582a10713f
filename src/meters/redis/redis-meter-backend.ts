import {
  COUNTER_FIELDS,
  entryIdentity,
  type CommitEntry,
  type CounterRef,
  type CounterValues,
  type LimitAlertHit,
  type LimitCheck,
  type MeterBackend,
  type ReserveOutcome,
  type ReservePlan,
} from '../backend.js';
import { ttlMs } from '../counters/counter-refs.js';
import { SWEEP_LIMIT } from '../engine/reserve-in-state.js';
import { MeterUnavailableError, type LimitField } from '../errors.js';
import { COMMIT_FAST_SCRIPT } from './commit-fast-script.js';
import { COMMIT_SCRIPT } from './commit-script.js';
import { fastCommitCall } from './fast-commit-call.js';
import type { RedisLike } from './redis-like.js';
import { RESERVE_SCRIPT } from './reserve-script.js';
import { LuaScript } from './script-runner.js';

export interface RedisMeterBackendOptions {
  /**
   * Prefix of every key. Default `llm-ledger:`. Scripts touch several keys at once: on Redis
   * Cluster, put a hash tag in it (`{llm-ledger}:`) so they all live in one slot.
   */
  keyPrefix?: string;
  /** Quit the client on close: true for clients the meter opened itself. Default false. */
  ownsClient?: boolean;
  /**
   * The first connection of a client opened without an offline queue: operations wait for it
   * (until their caller's deadline, at most 2 s) instead of failing while it is still connecting.
   */
  firstReady?: Promise<void>;
  /**
   * Resolves when the first connection attempt is over, ready or failed: operations waiting for
   * the first connection stop waiting then (and fail at once when it failed).
   */
  firstAttempt?: Promise<void>;
  /** The client's last connection error, named in the error of an operation that could not connect. */
  connectionError?: () => unknown;
}

const reserveScript = new LuaScript(RESERVE_SCRIPT);
const commitScript = new LuaScript(COMMIT_SCRIPT);
const commitFastScript = new LuaScript(COMMIT_FAST_SCRIPT);

/**
 * Calls per script invocation at most: bounds how long one script holds Redis (about 2 ms).
 * Measured with 64 callers, smaller chunks (16, 32) were slower: each command costs more, on both
 * sides, than splitting gains by overlapping Redis's work with the process's.
 */
const CALLS_PER_SCRIPT = 128;

interface PendingReserve {
  plan: ReservePlan;
  resolve: (outcome: ReserveOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Counters in Redis: one hash per subject and window (`llm-ledger:c:user:m2025-03-01:u-42`) with
 * a TTL of the window's end plus retention; reservations in one sorted set by expiry; applied
 * record ids as keys with a TTL; rate-limit buckets as keys with a TTL. Reserve and commit are
 * Lua scripts (atomic per call). Reserves issued in the same tick go to Redis as one script call,
 * and each batch of settlements as one more: a busy process sends a few commands per tick, not
 * two per call.
 *
 * @example
 * import Redis from 'ioredis';
 * import { RedisMeterBackend } from 'llm-ledger/redis';
 * const meter = createMeter({ backend: new RedisMeterBackend(new Redis(), { keyPrefix: 'app:' }) });
 */
export class RedisMeterBackend implements MeterBackend {
  readonly kind = 'redis';
  readonly commitBatchSize = CALLS_PER_SCRIPT;
  readonly keyPrefix: string;
  private readonly counterPrefix: string;
  private readonly reservationsKey: string;
  private pendingReserves: PendingReserve[] = [];
  private beforeReserves: (() => void) | undefined;
  /** False once Redis turned out too old for the fast commit script (no ZMSCORE). */
  private fastCommits = true;
  /** Batches the fast script declined, on their way through the full one (a second round trip). */
  private readonly slowCommits = new Set<Promise<void>>();
  private connected: boolean;
  private closed = false;

  constructor(
    private readonly client: RedisLike,
    private readonly options: RedisMeterBackendOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'llm-ledger:';
    this.connected = options.firstReady === undefined;
    void options.firstReady?.then(() => (this.connected = true));
    this.counterPrefix = `${this.keyPrefix}c:`;
    this.reservationsKey = `${this.keyPrefix}reservations`;
  }

  reserve(plan: ReservePlan): Promise<ReserveOutcome> {
    return new Promise((resolve, reject) => {
      if (this.pendingReserves.push({ plan, resolve, reject }) === 1) {
        // After the current microtasks: every caller resumed by the same reply joins this batch.
        process.nextTick(() => this.flushReserves());
      }
    });
  }

  beforeReserveSend(hook: () => void): void {
    this.beforeReserves = hook;
  }

  async commit(entries: readonly CommitEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const calls: Array<Promise<boolean[]>> = [];
    for (let start = 0; start < entries.length; start += CALLS_PER_SCRIPT) {
      const chunk = entries.slice(start, start + CALLS_PER_SCRIPT);
      calls.push(this.call(() => this.commitChunk(chunk)));
    }
    return (await Promise.all(calls)).flat();
  }

  /**
   * The usual batch (new ids, reservations still held) goes as per-counter sums to the fast
   * script; anything else, or a batch it declines without changing anything, to the full one.
   */
  private async commitChunk(entries: readonly CommitEntry[]): Promise<boolean[]> {
    const now = entries[0]!.nowMs;
    const fast = this.fastCommits
      ? fastCommitCall(entries, now, this.keyPrefix, this.counterPrefix, this.reservationsKey)
      : undefined;
    if (fast) {
      const result = await commitFastScript.run(this.client, fast.keys, fast.args);
      if (result === 1) return entries.map(() => true);
      // Every batch would be declined, a round trip each, after reserves sent meanwhile.
      if (result === 2) this.fastCommits = false;
    }
    const call = this.commitCall(entries);
    // Sent a round trip after the settlements were queued: reserves wait for it rather than overtake it.
    const full = commitScript.run(this.client, call.keys, call.args) as Promise<unknown[]>;
    const settled = full.then(
      () => undefined,
      () => undefined,
    );
    this.slowCommits.add(settled);
    void settled.finally(() => this.slowCommits.delete(settled));
    const reply = await full;
    return reply.map((applied) => Number(applied) === 1);
  }

  async read(counters: readonly CounterRef[], _nowMs: number): Promise<CounterValues[]> {
    if (counters.length === 0) return [];
    const results = await this.call(async () => {
      const pipeline = this.client.pipeline();
      for (const counter of counters) pipeline.hgetall(this.counterPrefix + counter.key);
      const replies = await pipeline.exec();
      if (!replies) throw new Error('Redis pipeline returned no results');
      return replies.map(([error, value]) => {
        if (error) throw error;
        return (value ?? {}) as Record<string, string>;
      });
    });
    return results.map((hash) => {
      const values = {} as CounterValues;
      for (const field of COUNTER_FIELDS) values[field] = BigInt(hash[field] ?? '0');
      return values;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.options.ownsClient) return;
    if (this.connected) {
      // QUIT waits for the replies still due; bounded, so an unanswered one cannot hold close().
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.quit().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, FIRST_CONNECTION_WAIT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    // Never connected (or QUIT unanswered): stop reconnecting, or the process could not exit.
    this.client.disconnect?.();
  }

  private flushReserves(): void {
    const pending = this.pendingReserves;
    this.pendingReserves = [];
    // The meter's queued settlements go first, on the same connection: Redis runs them first.
    try {
      this.beforeReserves?.();
    } catch {
      // The settlement queue never throws; a hook that did must not lose the reserves.
    }
    for (let start = 0; start < pending.length; start += CALLS_PER_SCRIPT) {
      void this.reserveBatch(pending.slice(start, start + CALLS_PER_SCRIPT));
    }
  }

  private async reserveBatch(pending: readonly PendingReserve[]): Promise<void> {
    let batch = pending;
    try {
      if (!this.connected) {
        await this.waitForFirstConnection(Math.max(...batch.map((item) => item.plan.deadline ?? Infinity)));
        const now = performance.now();
        const late = batch.filter((item) => item.plan.deadline !== undefined && item.plan.deadline <= now);
        for (const item of late) item.reject(new MeterUnavailableError('Not connected to Redis in time'));
        batch = batch.filter((item) => !late.includes(item));
        if (batch.length === 0) return;
      }
      // Rare: a settlement batch needed the full script; it was queued before these reserves.
      if (this.slowCommits.size > 0) await Promise.all([...this.slowCommits]);
      const call = this.reserveCall(batch.map((item) => item.plan));
      const replies = (await this.call(() => reserveScript.run(this.client, call.keys, call.args))) as unknown[];
      batch.forEach((item, index) => {
        try {
          item.resolve(parseReserveReply(replies[index]));
        } catch (error) {
          item.reject(error);
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /**
   * Waits a bounded time for the first connection: at most until `deadline` (a reserve's caller
   * gives up then), else FIRST_CONNECTION_WAIT_MS. Not forever: a command queued until Redis
   * appears would run long after its caller gave up (a reserve would hold budget for nothing).
   */
  private async waitForFirstConnection(deadline = Infinity): Promise<void> {
    const waitMs = Math.max(0, Math.min(FIRST_CONNECTION_WAIT_MS, deadline - performance.now()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.options.firstAttempt ?? this.options.firstReady,
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    // The ready event's own handler may not have run yet when both settle in the same turn.
    await Promise.resolve();
    if (!this.connected) {
      const cause = this.options.connectionError?.();
      throw new MeterUnavailableError(
        cause ? `Could not connect to Redis: ${(cause as Error)?.message ?? cause}` : 'Not connected to Redis yet',
        cause,
      );
    }
  }

  private reserveCall(plans: readonly ReservePlan[]): { keys: string[]; args: Array<string | number> } {
    // One `now` and lifetime per batch: its calls were planned within the same tick.
    const first = plans[0]!;
    const keys = [this.reservationsKey];
    const args: Array<string | number> = [
      this.counterPrefix,
      SWEEP_LIMIT,
      plans.length,
      first.nowMs,
      first.expiresAtMs - first.nowMs,
    ];
    for (const plan of plans) {
      for (const check of plan.limits) keys.push(this.counterPrefix + check.counter.key);
      for (const rate of plan.rates) keys.push(this.keyPrefix + rate.key);
      // The reservation apart: the script takes it as is, and parses only the short lines.
      let text = `${plan.estimate.cost}\n${plan.estimate.tokens}\n${plan.limits.length}\n${plan.rates.length}`;
      for (const check of plan.limits) text += `\n${ttlMs(check.counter, plan.nowMs)}\n${maximaText(check)}`;
      for (const rate of plan.rates) text += `\n${rate.perMinute}\n${rate.weight}`;
      args.push(plan.reservation, text);
    }
    return { keys, args };
  }

  private commitCall(entries: readonly CommitEntry[]): { keys: string[]; args: Array<string | number> } {
    const now = entries[0]!.nowMs;
    const keys = [this.reservationsKey];
    const args: Array<string | number> = [this.counterPrefix, entries.length, now];
    for (const entry of entries) {
      // A window already past its retention is not recreated by a late replay (as in the engine).
      const counters = entry.usage.length === 0 ? [] : entry.counters.filter((counter) => counter.expiresAtMs > now);
      const settledKey = `${this.keyPrefix}applied:${entry.applyId ?? ''}`;
      // A count's own marker is the record on its counter; the record's marker is only read.
      keys.push(entry.counting ? `${this.keyPrefix}applied:${entryIdentity(entry)}` : settledKey);
      for (const counter of counters) keys.push(this.counterPrefix + counter.key);
      for (const adjustment of entry.rateAdjustments) keys.push(this.keyPrefix + adjustment.key);
      const ttl = entry.applyId === null ? '' : Math.max(1, Math.ceil(entry.applyTtlMs));
      let usage = '';
      for (const [field, delta] of entry.usage) usage += usage === '' ? `${field},${delta}` : `,${field},${delta}`;
      const held = heldOn(entry, counters);
      const amounts = held ? `${held.cost},${held.tokens},${held.requests}` : '';
      let text = `${entry.reservation}\n${ttl}\n${counters.length}\n${entry.rateAdjustments.length}\n${usage}\n${amounts}`;
      text += entry.counting ? `\n${settledKey}` : '\n';
      for (const counter of counters) text += `\n${ttlMs(counter, now)}\n${held?.keys.has(counter.key) ? 1 : 0}`;
      for (const adjustment of entry.rateAdjustments) text += `\n${adjustment.perMinute}\n${adjustment.delta}`;
      args.push(text);
    }
    return { keys, args };
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new MeterUnavailableError('The Redis meter backend is closed');
    try {
      if (!this.connected) await this.waitForFirstConnection();
      return await operation();
    } catch (cause) {
      if (cause instanceof MeterUnavailableError) throw cause;
      throw new MeterUnavailableError(`Redis meter operation failed: ${(cause as Error)?.message ?? cause}`, cause);
    }
  }
}

/** How long an operation waits for the first connection before failing (the meter then fails open or closed). */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/**
 * The reserved amounts and keys, when every reserved counter is among the counters the usage
 * goes to (the usual case): the script then releases without decoding the reservation's JSON.
 */
function heldOn(
  entry: CommitEntry,
  counters: readonly CounterRef[],
): { keys: Set<string>; cost: bigint; tokens: bigint; requests: bigint } | undefined {
  const reserved = entry.reserved;
  if (!reserved || entry.reservation === '' || counters.length === 0) return undefined;
  const keys = new Set(reserved.keys);
  let covered = 0;
  for (const counter of counters) if (keys.has(counter.key)) covered += 1;
  if (covered !== keys.size) return undefined;
  const { cost, tokens, requests } = reserved.amounts;
  return { keys, cost, tokens, requests };
}

/** Maxima texts by check: the meter passes the same check objects for a subject's calls. */
const maximaTexts = new WeakMap<LimitCheck, string>();

/** 'hardCost,hardTokens,hardRequests,softCost,softTokens,softRequests', empty where not limited. */
function maximaText(check: LimitCheck): string {
  let text = maximaTexts.get(check);
  if (text === undefined) {
    const value = (amount: bigint | null) => (amount === null ? '' : String(amount));
    const { hard, soft } = check;
    text = [hard.cost, hard.tokens, hard.requests, soft.cost, soft.tokens, soft.requests].map(value).join(',');
    // Only checks that cannot change under the cache (the meter's own are frozen).
    if (Object.isFrozen(check) && Object.isFrozen(hard) && Object.isFrozen(soft)) maximaTexts.set(check, text);
  }
  return text;
}

const RESERVED: ReserveOutcome = Object.freeze({ ok: true, alerts: Object.freeze([]) });

function parseReserveReply(reply: unknown): ReserveOutcome {
  if (reply === 1) return RESERVED;
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new MeterUnavailableError('Unexpected reply from the reserve script');
  }
  const [status] = reply as unknown[];
  if (status === 'quota') {
    return {
      ok: false,
      kind: 'quota',
      index: Number(reply[1]) - 1,
      field: String(reply[2]) as LimitField,
      used: BigInt(String(reply[3])),
      reserved: BigInt(String(reply[4])),
    };
  }
  if (status === 'rate')
    return { ok: false, kind: 'rate', index: Number(reply[1]) - 1, retryAfterMs: Number(reply[2]) };
  const alerts: LimitAlertHit[] = [];
  for (let position = 1; position + 3 < reply.length; position += 4) {
    alerts.push({
      index: Number(reply[position]) - 1,
      field: String(reply[position + 1]) as LimitField,
      used: BigInt(String(reply[position + 2])),
      reserved: BigInt(String(reply[position + 3])),
    });
  }
  return { ok: true, alerts };
}
