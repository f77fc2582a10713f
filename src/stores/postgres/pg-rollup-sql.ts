import type { GroupKey } from '../../core/store.js';
import { BUCKET_OFFSET, GROWTH } from '../rollup/latency-histogram.js';
import type { RollupPlan } from '../rollup/rollup-plan.js';
import {
  ATTRIBUTION_ROLLUP_TABLES,
  BASE_ROLLUP_TABLES,
  GROUP_DIMENSIONS,
  hasCountColumns,
  TOKEN_COLUMNS,
  type Dimension,
  type RollupTable,
} from '../rollup/rollup-tables.js';
import type { PgQuery } from './pg-query-sql.js';
import { encodeText } from './text-encoding.js';

/**
 * SQL of the PostgreSQL rollup tables (migration 2, rollup-batch.ts for what they hold). The
 * dimensions are NOT NULL and a missing user, tenant or cost status is stored as a lone U+F8FF,
 * which the NUL encoding (text-encoding.ts) never produces for a real value: the primary key can
 * then be the conflict target on every PostgreSQL version (UNIQUE treats NULLs as distinct before
 * 15's NULLS NOT DISTINCT). `hour` and `day` are UTC text, "YYYY-MM-DDTHH" and "YYYY-MM-DD", like the
 * group values.
 * Cost is NUMERIC, so sums stay exact; histograms are JSONB {"bucket": count}.
 */
export const NULL_DIMENSION = '\uF8FF';
const NULL_LITERAL = "E'\\uF8FF'";
const NULLABLE: ReadonlySet<Dimension> = new Set(['cost_status', 'user_id', 'tenant_id']);

export const PG_HOUR = `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')`;
const PG_DAY = `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/** The bucket of latency-histogram.ts `latencyBucket`, in SQL (for the backfill and rebuilds). */
const BUCKET = `CASE WHEN latency_ms > 0 THEN floor(ln(latency_ms) / ln(${GROWTH}::float8))::int + ${BUCKET_OFFSET}
  WHEN latency_ms < 0 THEN -(floor(ln(-latency_ms) / ln(${GROWTH}::float8))::int + ${BUCKET_OFFSET}) ELSE 0 END`;

function tableSql(table: RollupTable): string {
  const dimensions = table.dimensions.map((d) => `${d} TEXT COLLATE "C" NOT NULL`);
  const tokens = TOKEN_COLUMNS.map((column) => `${column} DOUBLE PRECISION NOT NULL`);
  const counts = hasCountColumns(table) ? 'errors BIGINT NOT NULL, unpriced_calls BIGINT NOT NULL,' : '';
  return `CREATE TABLE $schema.${table.name} (
    ${dimensions.join(', ')},
    calls BIGINT NOT NULL, ${counts} ${tokens.join(', ')}, cost NUMERIC NOT NULL, bad_costs BIGINT NOT NULL,
    latency_sum DOUBLE PRECISION NOT NULL, latency_hist JSONB NOT NULL,
    PRIMARY KEY (${table.dimensions.join(', ')}));`;
}

/**
 * Sums the rows matching `where` into a rollup table, in SQL: per rollup row and latency bucket
 * first, then per rollup row with the buckets gathered into the histogram. Costs PostgreSQL
 * stores but that are no decimal (NaN, Infinity) are counted apart, as the write path does.
 */
export function rebuildSql(schema: string, table: RollupTable, where: string): string {
  const dimensions = table.dimensions.join(', ');
  const source = table.dimensions
    .map((d) =>
      d === 'hour'
        ? `${PG_HOUR} AS hour`
        : d === 'day'
          ? `${PG_DAY} AS day`
          : NULLABLE.has(d)
            ? `COALESCE(${d}, ${NULL_LITERAL}) AS ${d}`
            : d,
    )
    .join(', ');
  const sums = TOKEN_COLUMNS.map((column, index) => `SUM(${RAW_TOKENS[index]}) AS ${column}`).join(', ');
  const counted = hasCountColumns(table);
  const countColumns = counted ? ' errors, unpriced_calls,' : '';
  const countSums = counted ? ' SUM(errors), SUM(unpriced_calls),' : '';
  const counts = counted
    ? ` COUNT(*) FILTER (WHERE status = 'error') AS errors, COUNT(*) FILTER (WHERE cost_status = 'unpriced') AS unpriced_calls,`
    : '';
  const countSource = counted ? ', status, cost_status' : '';
  return `INSERT INTO ${schema}.${table.name} (${dimensions}, calls,${countColumns} ${TOKEN_COLUMNS.join(', ')}, cost, bad_costs, latency_sum, latency_hist)
    SELECT ${dimensions}, SUM(n),${countSums} ${TOKEN_COLUMNS.map((c) => `SUM(${c})`).join(', ')}, SUM(cost), SUM(bad), SUM(latency_sum),
      jsonb_object_agg(bucket::text, n)
    FROM (
      SELECT ${dimensions}, bucket, COUNT(*) AS n,${counts} ${sums},
        COALESCE(SUM(cost_total) FILTER (WHERE NOT bad), 0) AS cost, COUNT(*) FILTER (WHERE bad) AS bad,
        SUM(latency_ms) AS latency_sum
      FROM (
        SELECT ${source}, ${BUCKET} AS bucket, ${RAW_TOKENS.join(', ')}, cost_total, latency_ms${countSource},
          COALESCE(cost_total::text IN ('NaN', 'Infinity', '-Infinity'), FALSE) AS bad
        FROM ${schema}.llm_request_logs WHERE ${where}
      ) AS stored
      GROUP BY ${dimensions}, bucket
    ) AS buckets
    GROUP BY ${dimensions}`;
}

const RAW_TOKENS = [
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
];

/** Migration 2: the tables, the histogram addition the upserts use, and the backfill. */
export const PG_ROLLUP_MIGRATION_SQL = `
  ${BASE_ROLLUP_TABLES.map(tableSql).join('\n')}
  CREATE FUNCTION $schema.ledger_hist_add(a JSONB, b JSONB) RETURNS JSONB LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $hist$
    SELECT COALESCE(jsonb_object_agg(k, n) FILTER (WHERE n <> 0), '{}'::jsonb)
    FROM (SELECT k, SUM(v::bigint) AS n FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS e(k, v) GROUP BY k) AS s
  $hist$;
  ${BASE_ROLLUP_TABLES.map((table) => `${rebuildSql('$schema', table, 'TRUE')};`).join('\n')}
`;

/** Migration 6: the daily tables by tenant and by user, summed from the existing rows. */
export const PG_ATTRIBUTION_ROLLUP_MIGRATION_SQL = `
  ${ATTRIBUTION_ROLLUP_TABLES.map(tableSql).join('\n')}
  ${ATTRIBUTION_ROLLUP_TABLES.map((table) => `${rebuildSql('$schema', table, 'TRUE')};`).join('\n')}
`;

/** The columns after the dimensions, in the order the upserts bind them (pg-rollups.ts). */
export function metricColumns(table: RollupTable): string[] {
  const counts = hasCountColumns(table) ? ['errors', 'unpriced_calls'] : [];
  return ['calls', ...counts, ...TOKEN_COLUMNS, 'cost', 'bad_costs', 'latency_sum', 'latency_hist'];
}
/** Parameters per upserted row; at most 65,535 per statement. */
export const UPSERT_WIDTH = (table: RollupTable) => table.dimensions.length + metricColumns(table).length;

/** One multi-row upsert: the deltas add to the row (negative deltas subtract). */
export function upsertSql(schema: string, table: RollupTable, rows: number): string {
  const width = UPSERT_WIDTH(table);
  const tuples: string[] = [];
  for (let row = 0; row < rows; row++) {
    const slots: string[] = [];
    for (let column = 0; column < width; column++) slots.push(`$${row * width + column + 1}`);
    tuples.push(`(${slots.join(',')})`);
  }
  const metrics = metricColumns(table);
  const sums = metrics.filter((m) => m !== 'latency_hist').map((m) => `${m} = r.${m} + excluded.${m}`);
  return `INSERT INTO ${schema}.${table.name} AS r (${[...table.dimensions, ...metrics].join(', ')}) VALUES ${tuples.join(',')}
    ON CONFLICT (${table.dimensions.join(', ')}) DO UPDATE SET ${sums.join(', ')},
      latency_hist = ${schema}.ledger_hist_add(r.latency_hist, excluded.latency_hist)`;
}

function groupExpression(table: RollupTable, key: GroupKey): string {
  if (key === 'user' || key === 'tenant') return `NULLIF(${GROUP_DIMENSIONS[key]!}, ${NULL_LITERAL})`;
  if (key === 'day' && table.period === 'hour') return 'left(hour, 10)';
  return GROUP_DIMENSIONS[key]!;
}

function whereSql(plan: RollupPlan, values: unknown[]): string {
  const bind = (value: unknown) => {
    values.push(typeof value === 'string' ? encodeText(value) : String(value));
    return `$${values.length}`;
  };
  const conditions: string[] = [];
  for (const [dimension, value] of plan.equals) {
    conditions.push(`${dimension} = ${value === null ? NULL_LITERAL : bind(value)}`);
  }
  for (const [dimension, list] of plan.lists) {
    conditions.push(list.length === 0 ? 'FALSE' : `${dimension} IN (${list.map(bind).join(', ')})`);
  }
  if (plan.from !== undefined) conditions.push(`${plan.table.period} >= ${bind(plan.from)}`);
  if (plan.to !== undefined) conditions.push(`${plan.table.period} < ${bind(plan.to)}`);
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/**
 * One query over the chosen table: the exact sums per group, and the group's histograms as one
 * text of comma-separated JSON objects, merged in JavaScript (pg-rollups.ts). Gathering them as
 * text costs PostgreSQL one string_agg per group, where exploding them into (bucket, count) rows
 * to sum in SQL cost a hash aggregate over every bucket of every row, several times slower.
 */
export function rollupSummarySql(schema: string, plan: RollupPlan): PgQuery {
  const values: unknown[] = [];
  const where = whereSql(plan, values);
  const groups = plan.keys.map((key, index) => `${groupExpression(plan.table, key)} AS g${index}`);
  const groupBy = plan.keys.length === 0 ? '' : ` GROUP BY ${plan.keys.map((_key, index) => `g${index}`).join(', ')}`;
  const counted = hasCountColumns(plan.table);
  const select = [
    ...groups,
    'SUM(calls)::float8 AS calls',
    counted
      ? 'COALESCE(SUM(errors), 0)::float8 AS errors'
      : `COALESCE(SUM(calls) FILTER (WHERE status = 'error'), 0)::float8 AS errors`,
    ...TOKEN_COLUMNS.map((column) => `COALESCE(SUM(${column}), 0) AS ${column}`),
    'SUM(cost)::text AS cost',
    counted
      ? 'COALESCE(SUM(unpriced_calls), 0)::float8 AS unpriced_calls'
      : `COALESCE(SUM(calls) FILTER (WHERE cost_status = 'unpriced'), 0)::float8 AS unpriced_calls`,
    'SUM(bad_costs)::float8 AS bad_costs',
    'SUM(latency_sum) AS latency_sum',
    `string_agg(latency_hist::text, ',') AS histograms`,
  ];
  return { text: `SELECT ${select.join(', ')} FROM ${schema}.${plan.table.name} WHERE ${where}${groupBy}`, values };
}
