import { asList, GROUP_KEYS, toIsoBound, type GroupKey, type SummaryQuery } from '../../core/store.js';
import {
  alignedHour,
  FILTER_DIMENSIONS,
  GROUP_DIMENSIONS,
  hasDimension,
  periodOf,
  ROLLUP_TABLES,
  SCAN_ONLY_FILTERS,
  type Dimension,
  type RollupTable,
} from './rollup-tables.js';

/** How a summary is answered from a rollup table; each store turns it into its own SQL. */
export interface RollupPlan {
  table: RollupTable;
  keys: GroupKey[];
  /** `dimension = value`, or IS NULL for null. */
  equals: Array<[Dimension, string | null]>;
  /** `dimension IN (values)`; an empty list matches nothing. */
  lists: Array<[Dimension, unknown[]]>;
  /** `period >= from`, `period < to`, in the table's period ("YYYY-MM-DDTHH" or "YYYY-MM-DD"). */
  from?: string;
  to?: string;
}

/**
 * The rollup plan for a summary, or undefined when only the scan can answer it: a group key or a
 * filter that is no rollup dimension (session, trace, request, tags), or a from/to bound inside an
 * hour. Unknown group keys go to the scan too, which rejects them.
 */
export function planRollup(query: SummaryQuery): RollupPlan | undefined {
  const keys = query.groupBy ?? [];
  const needed = new Set<Dimension>();
  for (const key of keys) {
    if (!GROUP_KEYS.includes(key)) return undefined;
    const dimension = GROUP_DIMENSIONS[key];
    if (dimension === undefined) return undefined;
    needed.add(dimension);
  }
  const where = query.where ?? {};
  for (const name of SCAN_ONLY_FILTERS) if (where[name] !== undefined) return undefined;
  if (where.tags !== undefined && where.tags.length > 0) return undefined;
  const from = toIsoBound(query.from ?? where.from);
  const to = toIsoBound(query.to ?? where.to);
  const fromHour = alignedHour(from);
  const toHour = alignedHour(to);
  if ((from !== undefined && fromHour === undefined) || (to !== undefined && toHour === undefined)) return undefined;

  const equals: RollupPlan['equals'] = [];
  const lists: RollupPlan['lists'] = [];
  for (const [name, dimension] of Object.entries(FILTER_DIMENSIONS) as Array<
    [keyof typeof FILTER_DIMENSIONS, Dimension]
  >) {
    const value = where[name];
    if (value === undefined) continue;
    needed.add(dimension);
    // One value, or null (calls without one), is an equality; a list is a membership, for a user
    // or a tenant as for any other dimension.
    if (value === null || typeof value === 'string') equals.push([dimension, value]);
    else lists.push([dimension, asList<unknown>(value)!]);
  }
  // A daily table can apply bounds that fall on midnight (UTC) only.
  const onDays = [fromHour, toHour].every((hour) => hour === undefined || hour.endsWith('T00'));
  const table = ROLLUP_TABLES.find(
    (candidate) =>
      (candidate.period === 'hour' || onDays) && [...needed].every((dimension) => hasDimension(candidate, dimension)),
  );
  if (table === undefined) return undefined;
  const period = (hour: string | undefined) => (hour === undefined ? undefined : periodOf(table, hour));
  return { table, keys, equals, lists, from: period(fromHour), to: period(toHour) };
}
