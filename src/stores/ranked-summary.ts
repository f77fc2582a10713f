import { validateTop } from '../core/query-validation.js';
import { candidateGroups, topRows, type GroupEstimate } from '../core/summary-ranking.js';
import type { CallFilter, GroupKey, SummaryQuery, SummaryRankKey, SummaryRow } from '../core/store.js';

/** How a SQL store answers a ranked summary: its own summary, and a cheap ranking figure per group. */
export interface RankedSummarySource {
  /** The store's unranked summary of `query` (no `top`). */
  summary(query: SummaryQuery): Promise<SummaryRow[]>;
  /** Whether the unranked summary is read from a rollup (then it is cheap already: no estimate). */
  answersFromRollup(query: SummaryQuery): boolean;
  /** For one group key: each group's `by` figure, without latencies, from one aggregate pass. */
  estimate(query: SummaryQuery, key: GroupKey, by: SummaryRankKey): Promise<GroupEstimate[]>;
}

/**
 * The filter that narrows a summary to some values of its one group key, so that only the
 * candidate groups are summarized in full (through that column's index). Day and hour have none.
 */
const NARROWING_FILTERS: Partial<Record<GroupKey, keyof CallFilter>> = {
  user: 'userId',
  tenant: 'tenantId',
  session: 'sessionId',
  model: 'model',
  provider: 'provider',
  callType: 'callType',
  status: 'status',
};
/** Filters that can select the calls without a value (`null`); the list filters cannot. */
const NULLABLE_FILTERS = new Set<keyof CallFilter>(['userId', 'tenantId', 'sessionId']);
/**
 * Past this many candidates (ties on a figure most groups share) the full summary is as cheap
 * as summarizing them one list at a time, and keeps the bound parameters few.
 */
const MAX_CANDIDATES = 500;

/**
 * `summary({ top })` for a SQL store, in two phases when it pays: every group ranked by a cheap
 * aggregate (no percentiles, no exact decimal sum), then the full summary of the groups that can
 * be in the top only, ranked exactly. Summaries read from a rollup, by several keys, or by day or
 * hour are summarized in full and ranked: the result is the same, only the cost differs.
 */
export async function rankedSummary(query: SummaryQuery, source: RankedSummarySource): Promise<SummaryRow[]> {
  const { top, ...unranked } = query;
  if (top === undefined) return source.summary(unranked);
  validateTop(top, query.groupBy, 'summary()');
  const keys = unranked.groupBy!;
  const narrowing = keys.length === 1 ? NARROWING_FILTERS[keys[0]!] : undefined;
  if (narrowing === undefined || source.answersFromRollup(unranked)) {
    return topRows(await source.summary(unranked), top, keys);
  }
  const estimates = await source.estimate(unranked, keys[0]!, top.by);
  const candidates = candidateGroups(estimates, top.limit);
  const values = candidates.filter((value): value is string => value !== null);
  const withNull = values.length < candidates.length;
  if (
    candidates.length === estimates.length ||
    candidates.length > MAX_CANDIDATES ||
    (withNull && !NULLABLE_FILTERS.has(narrowing))
  ) {
    return topRows(await source.summary(unranked), top, keys);
  }
  // The candidates all match the query's own filter on this field (they come from its result),
  // so replacing that filter with them narrows the query and widens nothing.
  const narrowed = (value: string[] | null): SummaryQuery => ({
    ...unranked,
    where: { ...unranked.where, [narrowing]: value },
  });
  const rows: SummaryRow[] = [];
  if (values.length > 0) rows.push(...(await source.summary(narrowed(values))));
  if (withNull) rows.push(...(await source.summary(narrowed(null))));
  return topRows(rows, top, keys);
}
