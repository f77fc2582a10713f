/**
 * `llm-ledger/extend`: for those who implement a Store, a MeterBackend, a handler, a spool or a
 * capture adapter, rather than record calls. Applications import from `llm-ledger`.
 */

// A Store: where records are written and what the ledger's queries ask of it.
export { GROUP_KEYS, MAX_SUMMARY_TOP, SUMMARY_RANK_KEYS } from '../core/store.js';
export type {
  Store,
  CallFilter,
  ListQuery,
  CallPage,
  GroupKey,
  SummaryQuery,
  SummaryRankKey,
  SummaryTop,
  SummaryRow,
  SummaryTokens,
  CostUpdate,
} from '../core/store.js';
export type { PackedBatch, PackedPart } from '../core/packed-batch.js';
export type { CallRecord, CallCost, TokenUsage, UsageBucket } from '../core/record.js';
export { StoreError, StoreReadOnlyError } from '../core/errors.js';

// A handler: sees every call start and end, off the caller's path.
export type { LedgerHandler, HandlerStats } from '../core/handlers.js';

// A spool and dead letters: where records go while the store cannot take them.
export type { Spool, SpoolState, Durability } from '../core/spool.js';
export type { DeadLetterFile } from '../core/dead-letters.js';

// What a Ledger is assembled from, for those building one without createLedger.
export type { LedgerComponents, ClientWrapper, CallGate } from '../core/ledger.js';
export type { CallOwner, Clock, Pricer } from '../core/call.js';

// A meter backend: atomic counters, reservations and rate limits for budgets.
export type {
  MeterBackend,
  CounterField,
  CounterValues,
  CounterRef,
  LimitMaxima,
  LimitCheck,
  RateCheck,
  ReservePlan,
  ReserveOutcome,
  RateAdjustment,
  CommitEntry,
  UsageField,
  ReservedField,
  LimitAlertHit,
} from '../meters/backend.js';
export {
  COUNTER_FIELDS,
  USAGE_FIELDS,
  RESERVED_FIELDS,
  LIMIT_FIELDS,
  LIMIT_FIELD_ORDER,
  emptyCounter,
} from '../meters/backend.js';
export { COST_SCALE, costToUnits, unitsToCost } from '../meters/counters/cost-units.js';
export { limitsConfigSchema } from '../meters/limits/limits-config.js';
export { meterSettingsSchema } from '../meters/meter-config.js';

// Exact decimal arithmetic on money strings, as the ledger computes costs.
export {
  parseDecimal,
  formatDecimal,
  addDecimal,
  multiplyDecimal,
  roundDecimal,
  toFixedDecimal,
  sumDecimalStrings,
} from '../core/money.js';
export type { Decimal } from '../core/money.js';

// The prompt the sentiment task helper sends, for helpers of one's own that want the same answers.
export { SENTIMENT_SYSTEM_PROMPT } from '../core/task-inits.js';
