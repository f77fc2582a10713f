import type { CounterField, CounterRef, CounterValues } from '../backend.js';

/**
 * Synchronous storage the in-process engine runs on: Maps for the memory meter, tables for the
 * SQLite meter (inside one IMMEDIATE transaction, so that other processes wait). The engine
 * (reserve-in-state.ts, commit-in-state.ts) is the JavaScript twin of the Redis Lua scripts.
 */
export interface MeterState {
  /** A live counter, or undefined when it does not exist or has expired at `nowMs`. */
  readCounter(key: string, nowMs: number): CounterValues | undefined;
  /** Adds deltas to a counter, creating it (with `ref`'s window and expiry) when absent. */
  addToCounter(ref: CounterRef, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void;
  /** Adds deltas to a counter only if it still exists (releasing a reservation on an expired one is moot). */
  adjustCounter(key: string, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void;
  addReservation(text: string, expiresAtMs: number): void;
  /** True when the reservation was present (and is now removed). */
  removeReservation(text: string): boolean;
  /** Up to `limit` reservations whose expiry is at or before `nowMs`, oldest first. */
  expiredReservations(nowMs: number, limit: number): string[];
  /**
   * Remembers `id` as applied until `expiresAtMs`, with the keys of the counters it reached
   * (newline-separated; '' for none); false when it already was.
   */
  markApplied(id: string, expiresAtMs: number, nowMs: number, counters?: string): boolean;
  /** The counters a live applied `id` reached ('' for none), or undefined when it is not applied. */
  appliedCounters(id: string, nowMs: number): string | undefined;
  readRate(key: string, nowMs: number): number | undefined;
  writeRate(key: string, tat: number, expiresAtMs: number): void;
  deleteRate(key: string): void;
}
