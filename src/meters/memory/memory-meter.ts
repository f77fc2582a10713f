import {
  emptyCounter,
  type CommitEntry,
  type CounterField,
  type CounterRef,
  type CounterValues,
  type MeterBackend,
  type ReserveOutcome,
  type ReservePlan,
} from '../backend.js';
import { commitInState } from '../engine/commit-in-state.js';
import type { MeterState } from '../engine/meter-state.js';
import { reserveInState } from '../engine/reserve-in-state.js';
import { MeterClosedError } from '../errors.js';

interface StoredCounter {
  values: CounterValues;
  expiresAtMs: number;
}

/** Expired entries are purged every this many commits, so a long-lived meter stays bounded. */
const PURGE_EVERY = 1024;

/**
 * Counters in process memory: for tests, single-process services and `enabled` ledgers without a
 * shared backend. Every operation runs synchronously, so it is atomic within the process. Limits
 * are not shared across processes: use SQLite (one machine) or Redis for that.
 *
 * @example
 * const meter = createMeter({ backend: new MemoryMeterBackend() });
 */
export class MemoryMeterBackend implements MeterBackend, MeterState {
  readonly kind = 'memory';
  private readonly counters = new Map<string, StoredCounter>();
  /** Reservation text -> expiry. */
  private readonly reservations = new Map<string, number>();
  /** No reservation expires before this: most sweeps then cost one comparison. */
  private earliestExpiry = Infinity;
  private readonly applied = new Map<string, number>();
  /** The counters each applied id reached, when it reached any. */
  private readonly appliedKeys = new Map<string, string>();
  private readonly rates = new Map<string, { tat: number; expiresAtMs: number }>();
  private commits = 0;
  private closed = false;

  async reserve(plan: ReservePlan): Promise<ReserveOutcome> {
    this.assertOpen();
    return reserveInState(this, plan);
  }

  async commit(entries: readonly CommitEntry[]): Promise<boolean[]> {
    this.assertOpen();
    const results = entries.map((entry) => commitInState(this, entry));
    this.commits += entries.length;
    if (this.commits >= PURGE_EVERY && entries.length > 0) {
      this.commits = 0;
      this.purge(entries[0]!.nowMs);
    }
    return results;
  }

  async read(counters: readonly CounterRef[], nowMs: number): Promise<CounterValues[]> {
    this.assertOpen();
    return counters.map((counter) => ({ ...(this.readCounter(counter.key, nowMs) ?? emptyCounter()) }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // MeterState: used by the engine only.

  readCounter(key: string, nowMs: number): CounterValues | undefined {
    const stored = this.counters.get(key);
    if (!stored) return undefined;
    if (stored.expiresAtMs <= nowMs) {
      this.counters.delete(key);
      return undefined;
    }
    return stored.values;
  }

  addToCounter(ref: CounterRef, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void {
    let stored = this.counters.get(ref.key);
    if (!stored || stored.expiresAtMs <= nowMs) {
      stored = { values: emptyCounter(), expiresAtMs: ref.expiresAtMs };
      this.counters.set(ref.key, stored);
    }
    stored.expiresAtMs = Math.max(stored.expiresAtMs, ref.expiresAtMs);
    for (const [field, delta] of deltas) stored.values[field] += delta;
  }

  adjustCounter(key: string, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void {
    const values = this.readCounter(key, nowMs);
    if (values) for (const [field, delta] of deltas) values[field] += delta;
  }

  addReservation(text: string, expiresAtMs: number): void {
    this.reservations.set(text, expiresAtMs);
    if (expiresAtMs < this.earliestExpiry) this.earliestExpiry = expiresAtMs;
  }

  removeReservation(text: string): boolean {
    return this.reservations.delete(text);
  }

  expiredReservations(nowMs: number, limit: number): string[] {
    if (nowMs < this.earliestExpiry) return [];
    const expired: Array<[string, number]> = [];
    let earliest = Infinity;
    for (const entry of this.reservations) {
      if (entry[1] <= nowMs) expired.push(entry);
      else if (entry[1] < earliest) earliest = entry[1];
    }
    // Entries beyond `limit` stay expired: the next sweep must see them again.
    this.earliestExpiry = expired.length > limit ? nowMs : earliest;
    return expired
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([text]) => text);
  }

  markApplied(id: string, expiresAtMs: number, nowMs: number, counters = ''): boolean {
    const until = this.applied.get(id);
    if (until !== undefined && until > nowMs) return false;
    this.applied.set(id, expiresAtMs);
    if (counters !== '') this.appliedKeys.set(id, counters);
    else if (until !== undefined) this.appliedKeys.delete(id);
    return true;
  }

  appliedCounters(id: string, nowMs: number): string | undefined {
    const until = this.applied.get(id);
    if (until === undefined || until <= nowMs) return undefined;
    return this.appliedKeys.get(id) ?? '';
  }

  readRate(key: string, nowMs: number): number | undefined {
    const rate = this.rates.get(key);
    return rate && rate.expiresAtMs > nowMs ? rate.tat : undefined;
  }

  writeRate(key: string, tat: number, expiresAtMs: number): void {
    this.rates.set(key, { tat, expiresAtMs });
  }

  deleteRate(key: string): void {
    this.rates.delete(key);
  }

  private purge(nowMs: number): void {
    for (const [key, stored] of this.counters) if (stored.expiresAtMs <= nowMs) this.counters.delete(key);
    for (const [id, until] of this.applied) {
      if (until > nowMs) continue;
      this.applied.delete(id);
      this.appliedKeys.delete(id);
    }
    for (const [key, rate] of this.rates) if (rate.expiresAtMs <= nowMs) this.rates.delete(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new MeterClosedError();
  }
}
