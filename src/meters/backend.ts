import type { LimitField } from './errors.js';

/**
 * The small interface each storage backend implements (memory, SQLite, Redis). Everything above
 * it (subjects, windows, limits, estimates, retries, replay) lives once, in `BackedMeter`. Each
 * operation is atomic: `reserve` checks every limit and either reserves on all of them or
 * changes nothing; `commit` releases a reservation and applies usage exactly once per id.
 * A new backend passes when `describeMeterContract` (`llm-ledger/extend/contract`) does.
 *
 * @example
 * const meter = createMeter({ backend: myBackend }); // any object with kind, reserve, commit, read, close
 */
export interface MeterBackend {
  /** `memory`, `sqlite`, `redis`. */
  readonly kind: string;
  /**
   * Settlements the backend takes per `commit` call at best. Small for a network backend, so that
   * it works on one batch while the process handles the previous one's replies; large for SQLite,
   * where each call is a transaction. Default 256.
   */
  readonly commitBatchSize?: number;
  reserve(plan: ReservePlan): Promise<ReserveOutcome>;
  /**
   * For a backend that gathers reserves and sends them later (Redis, per tick): it calls `hook`
   * synchronously right before it sends a batch of reserves, and the meter's hook sends the
   * settlements queued so far, on the same connection, ahead of them. A backend without it runs
   * each reserve when called, and the meter sends its queued settlements just before.
   */
  beforeReserveSend?(hook: () => void): void;
  /** One result per entry: true when its usage was applied now, false when its id was already applied. */
  commit(entries: readonly CommitEntry[]): Promise<boolean[]>;
  /** Current values of counters; zeros for counters that do not exist or have expired. */
  read(counters: readonly CounterRef[], nowMs: number): Promise<CounterValues[]>;
  close(): Promise<void>;
}

/** Usage fields of a counter, in the order they are stored. `cost` is in 10^-12 currency units. */
export const USAGE_FIELDS = [
  'requests',
  'input',
  'cacheRead',
  'cacheWrite',
  'output',
  'reasoning',
  'total',
  'cost',
  /** Calls whose cost is unknown (unpriced model): counted here, not as zero cost. */
  'unpriced',
] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];

/** Amounts held by reservations of running calls, per limited quantity. */
export const RESERVED_FIELDS = ['reservedCost', 'reservedTokens', 'reservedRequests'] as const;
export type ReservedField = (typeof RESERVED_FIELDS)[number];
export type CounterField = UsageField | ReservedField;
export const COUNTER_FIELDS: readonly CounterField[] = [...USAGE_FIELDS, ...RESERVED_FIELDS];

export type CounterValues = Record<CounterField, bigint>;

/** Which counter field holds the used and the reserved amount of each limited quantity. */
export const LIMIT_FIELDS: Readonly<Record<LimitField, { used: UsageField; reserved: ReservedField }>> = {
  cost: { used: 'cost', reserved: 'reservedCost' },
  tokens: { used: 'total', reserved: 'reservedTokens' },
  requests: { used: 'requests', reserved: 'reservedRequests' },
};
export const LIMIT_FIELD_ORDER: readonly LimitField[] = ['cost', 'tokens', 'requests'];

export function emptyCounter(): CounterValues {
  const values = {} as CounterValues;
  for (const field of COUNTER_FIELDS) values[field] = 0n;
  return values;
}

/** One counter: a subject in one window of one period. */
export interface CounterRef {
  /** `user:m2025-03-01:u-42`: dimension, window label, subject id (last, as it may hold colons). */
  readonly key: string;
  readonly dimension: string;
  readonly subjectId: string;
  /** Period name: `day`, `month`, `cycle:15`. */
  readonly period: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Window end plus the meter's retention: the counter may be deleted after this. */
  readonly expiresAtMs: number;
}

/** Maxima per limited quantity in counter units (cost in 10^-12), null when not limited. */
export type LimitMaxima = Readonly<Record<LimitField, bigint | null>>;

export interface LimitCheck {
  readonly counter: CounterRef;
  readonly hard: LimitMaxima;
  readonly soft: LimitMaxima;
}

/** A rate limit bucket (GCRA): `weight` units against `perMinute`. */
export interface RateCheck {
  /** `r:requests:user:u-42` or `r:tokens:user:u-42`. */
  readonly key: string;
  readonly perMinute: number;
  readonly weight: number;
}

export interface ReservePlan {
  readonly nowMs: number;
  /**
   * `performance.now()` after which the caller has given up (and gone ahead unreserved or
   * refused): a backend that could not send the plan by then must drop it, not run it late.
   */
  readonly deadline?: number;
  /** The serialized reservation (see reservation-payload.ts); '' to reserve nothing on budgets. */
  readonly reservation: string;
  readonly expiresAtMs: number;
  /** Per limited quantity, in counter units. */
  readonly estimate: Readonly<Record<LimitField, bigint>>;
  readonly limits: readonly LimitCheck[];
  readonly rates: readonly RateCheck[];
}

export interface LimitAlertHit {
  /** Index into `plan.limits`. */
  readonly index: number;
  readonly field: LimitField;
  readonly used: bigint;
  readonly reserved: bigint;
}

export type ReserveOutcome =
  | { readonly ok: true; readonly alerts: readonly LimitAlertHit[] }
  | {
      readonly ok: false;
      readonly kind: 'quota';
      readonly index: number;
      readonly field: LimitField;
      readonly used: bigint;
      readonly reserved: bigint;
    }
  | { readonly ok: false; readonly kind: 'rate'; readonly index: number; readonly retryAfterMs: number };

export interface RateAdjustment {
  readonly key: string;
  readonly perMinute: number;
  /** Actual minus estimated units: the bucket is credited (negative) or charged (positive). */
  readonly delta: number;
}

export interface CommitEntry {
  readonly nowMs: number;
  /** Idempotency id (the record id); null releases the reservation and applies nothing. */
  readonly applyId: string | null;
  /**
   * A count (`meter.count`) rather than a settlement: the record's usage on the entry's one counter,
   * unless that counter already holds it from the record's settlement or an earlier count. A
   * settlement likewise skips the counters a count of the same record reached first. So each
   * counter holds a record once, whichever meters and callbacks settle and count it, in any order.
   */
  readonly counting?: boolean;
  /** How long the id is remembered as applied. */
  readonly applyTtlMs: number;
  /** The reservation to release, as serialized at reserve time; '' for none. */
  readonly reservation: string;
  /**
   * What `reservation` holds, when the caller still knows it: lets a backend release it without
   * parsing the text (Redis: no JSON decoding inside the script).
   */
  readonly reserved?: {
    readonly keys: readonly string[];
    readonly amounts: Readonly<Record<LimitField, bigint>>;
    /** When the reservation expires (a sweep may have released it already). */
    readonly expiresAtMs?: number;
  };
  readonly counters: readonly CounterRef[];
  /** Non-zero usage deltas, applied to every counter. */
  readonly usage: ReadonlyArray<readonly [UsageField, bigint]>;
  readonly rateAdjustments: readonly RateAdjustment[];
}

/** What an entry is idempotent by: its record, or its record on its one counter for a count. */
export function entryIdentity(entry: CommitEntry): string | null {
  if (entry.applyId === null) return null;
  return entry.counting ? countMarker(entry.applyId, entry.counters[0]?.key ?? '') : entry.applyId;
}

/**
 * The applied-id marker of a record counted on one counter (`id@counterKey`), and with an empty
 * key the marker saying that the record was counted somewhere (a settlement then looks further).
 */
export function countMarker(recordId: string, counterKey: string): string {
  return `${recordId}@${counterKey}`;
}
