import { BoundedMap } from '../../core/bounded-map.js';
import { addDecimal, multiplyByInteger, parseDecimal, ZERO, type Decimal } from '../../core/money.js';
import { COLUMNS } from '../sqlite/row-mapping.js';
import { addToHistogram, latencyBucket, type Histogram } from './latency-histogram.js';
import { ROLLUP_TABLES, TOKEN_COLUMNS, type Dimension, type Period, type RollupTable } from './rollup-tables.js';

/** One stored call as the rollups see it (the values as stored, after sanitation and encoding). */
export interface RollupSource {
  hour: string;
  dimensions: Record<Exclude<Dimension, Period>, string | null>;
  /** In TOKEN_COLUMNS order. */
  tokens: number[];
  cost: string | null;
  latency: number;
}

/** What a batch adds to (or, negative, takes from) one rollup row. */
export interface RollupDelta {
  /** The row's dimension values, in its table's `dimensions` order. */
  values: Array<string | null>;
  /** JSON of `values`: the identity of the row, and the order in which rows are upserted. */
  key: string;
  calls: number;
  /** Calls with status `error` and with cost status `unpriced` (for tables with count columns). */
  errors: number;
  unpriced: number;
  tokens: number[];
  cost: Decimal;
  /** Calls whose stored cost is no decimal: such rows send summaries back to the scan. */
  badCosts: number;
  latencySum: number;
  histogram: Histogram;
}

const index = (column: (typeof COLUMNS)[number]) => COLUMNS.indexOf(column);
const DIMENSION_INDEX: Record<Exclude<Dimension, Period>, number> = {
  provider: index('provider'),
  model: index('model'),
  call_type: index('call_type'),
  status: index('status'),
  cost_status: index('cost_status'),
  user_id: index('user_id'),
  tenant_id: index('tenant_id'),
};
const TOKEN_INDEX = [
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
].map((column) => index(column as (typeof COLUMNS)[number]));
const COST_INDEX = index('cost_total');
const LATENCY_INDEX = index('latency_ms');
export const STARTED_AT_INDEX = index('started_at');

/** The source of a row written by writeRow (or writePgRow at `offset`), with its hour. */
export function sourceFromRow(values: readonly unknown[], offset: number, hour: string): RollupSource {
  // Written out rather than looped: this runs for every call written, and fixed shapes are fastest.
  return {
    hour,
    dimensions: {
      provider: text(values, offset + DIMENSION_INDEX.provider),
      model: text(values, offset + DIMENSION_INDEX.model),
      call_type: text(values, offset + DIMENSION_INDEX.call_type),
      status: text(values, offset + DIMENSION_INDEX.status),
      cost_status: text(values, offset + DIMENSION_INDEX.cost_status),
      user_id: text(values, offset + DIMENSION_INDEX.user_id),
      tenant_id: text(values, offset + DIMENSION_INDEX.tenant_id),
    },
    tokens: [
      count(values, offset + TOKEN_INDEX[0]!),
      count(values, offset + TOKEN_INDEX[1]!),
      count(values, offset + TOKEN_INDEX[2]!),
      count(values, offset + TOKEN_INDEX[3]!),
      count(values, offset + TOKEN_INDEX[4]!),
      count(values, offset + TOKEN_INDEX[5]!),
    ],
    cost: text(values, offset + COST_INDEX),
    latency: count(values, offset + LATENCY_INDEX),
  };
}

function sameDimensions(
  source: RollupSource,
  dimensions: ReadonlyArray<Exclude<Dimension, Period>>,
  values: ReadonlyArray<string | null>,
): boolean {
  if (dimensions.length !== values.length) return false;
  for (let index = 0; index < values.length; index++) {
    if (source.dimensions[dimensions[index]!] !== values[index]) return false;
  }
  return true;
}

function text(values: readonly unknown[], index: number): string | null {
  return (values[index] as string | null | undefined) ?? null;
}

function count(values: readonly unknown[], index: number): number {
  return Number(values[index] ?? 0);
}

/**
 * Sums the calls of a batch per rollup row before anything is written, so that a batch costs one
 * upsert per distinct row rather than one per call. `add` with sign -1 takes a call out (a
 * repricing moves a call from its old cost to its new one).
 */
export class RollupBatch {
  private readonly rows: Array<Map<string, RollupDelta>>;
  /** Per table, its dimensions after the period (the part of the key every period shares). */
  private readonly rest: Array<ReadonlyArray<Exclude<Dimension, Period>>>;

  /** Per table, the first table with the same `rest`: their key parts are built once per call. */
  private readonly restGroup: number[];
  /**
   * Per group, the previous call's key parts: a batch holds runs of calls on the same few models
   * and hours, so most calls reuse them instead of serializing them again.
   */
  private readonly lastRest: Array<Array<string | null>>;
  private readonly lastRestKey: string[];
  private readonly periodJsons = new BoundedMap<string, string>({ maxEntries: 64 });

  constructor(private readonly tables: readonly RollupTable[] = ROLLUP_TABLES) {
    this.rows = tables.map(() => new Map());
    this.rest = tables.map((table) => table.dimensions.slice(1) as Array<Exclude<Dimension, Period>>);
    const signatures = this.rest.map((rest) => rest.join(','));
    this.restGroup = signatures.map((signature) => signatures.indexOf(signature));
    this.lastRest = tables.map(() => []);
    this.lastRestKey = tables.map(() => '');
  }

  get isEmpty(): boolean {
    return this.rows.every((rows) => rows.size === 0);
  }

  /** Hot path (every call written): the cost is parsed and the keys built once per call and table. */
  add(source: RollupSource, sign: 1 | -1 = 1): void {
    let cost: Decimal = ZERO;
    let bad = 0;
    if (source.cost !== null) {
      try {
        cost = parseDecimal(source.cost);
      } catch {
        bad = 1;
      }
    }
    if (sign < 0) cost = multiplyByInteger(cost, -1);
    const bucket = latencyBucket(source.latency);
    const { tokens, latency } = source;
    const error = source.dimensions.status === 'error' ? sign : 0;
    const unpriced = source.dimensions.cost_status === 'unpriced' ? sign : 0;
    let group = -1;
    let rest: Array<string | null> = [];
    let restKey = '';
    for (let tableIndex = 0; tableIndex < this.tables.length; tableIndex++) {
      const table = this.tables[tableIndex]!;
      const period = table.period === 'hour' ? source.hour : source.hour.slice(0, 10);
      if (this.restGroup[tableIndex] !== group) {
        group = this.restGroup[tableIndex]!;
        const dimensions = this.rest[tableIndex]!;
        if (!sameDimensions(source, dimensions, this.lastRest[group]!)) {
          this.lastRest[group] = dimensions.map((dimension) => source.dimensions[dimension]);
          this.lastRestKey[group] = JSON.stringify(this.lastRest[group]);
        }
        rest = this.lastRest[group]!;
        restKey = this.lastRestKey[group]!;
      }
      // JSON of the period then JSON of the rest: self-delimiting, so distinct rows get distinct keys.
      const key = this.periodJson(period) + restKey;
      const rows = this.rows[tableIndex]!;
      let row = rows.get(key);
      if (row === undefined) {
        row = {
          values: [period, ...rest],
          key,
          calls: 0,
          errors: 0,
          unpriced: 0,
          tokens: [0, 0, 0, 0, 0, 0],
          cost: ZERO,
          badCosts: 0,
          latencySum: 0,
          histogram: new Map(),
        };
        rows.set(key, row);
      }
      row.calls += sign;
      row.errors += error;
      row.unpriced += unpriced;
      const sums = row.tokens;
      for (let token = 0; token < TOKEN_COLUMNS.length; token++) sums[token]! += sign * tokens[token]!;
      if (cost.units !== 0n) row.cost = addDecimal(row.cost, cost);
      row.badCosts += sign * bad;
      row.latencySum += sign * latency;
      addToHistogram(row.histogram, bucket, sign);
    }
  }

  private periodJson(period: string): string {
    let json = this.periodJsons.get(period);
    if (json === undefined) {
      // A batch spans a few hours and days; a long-lived batch (a rebuild) must not grow without bound.
      json = JSON.stringify(period);
      this.periodJsons.set(period, json);
    }
    return json;
  }

  /** The rows of one table, sorted by key: every writer locks rows in the same order (no deadlocks). */
  deltas(tableIndex: number): RollupDelta[] {
    return [...this.rows[tableIndex]!.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** A stored row read back with the column names of `llm_request_logs` (repairs, repricing). */
export interface StoredRollupRow {
  provider: string;
  model: string;
  call_type: string;
  status: string;
  cost_status: string | null;
  user_id: string | null;
  tenant_id: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_total: string | null;
  latency_ms: number;
}

/** The columns StoredRollupRow reads, for SELECT lists. */
export const STORED_ROLLUP_COLUMNS =
  'provider, model, call_type, status, cost_status, user_id, tenant_id, input_tokens, output_tokens, total_tokens, ' +
  'cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_total, latency_ms';

export function sourceFromStored(row: StoredRollupRow, hour: string): RollupSource {
  return {
    hour,
    dimensions: {
      provider: row.provider,
      model: row.model,
      call_type: row.call_type,
      status: row.status,
      cost_status: row.cost_status,
      user_id: row.user_id,
      tenant_id: row.tenant_id,
    },
    tokens: [
      Number(row.input_tokens),
      Number(row.output_tokens),
      Number(row.total_tokens),
      Number(row.cache_read_tokens),
      Number(row.cache_write_tokens),
      Number(row.reasoning_tokens),
    ],
    cost: row.cost_total === null ? null : String(row.cost_total),
    latency: Number(row.latency_ms),
  };
}
