import { compareDecimal, parseDecimal } from './money.js';
import { compareGroups } from './query-eval.js';
import type { GroupKey, SummaryRankKey, SummaryRow, SummaryTop } from './store.js';

/**
 * The ranking of `usage.summary({ top })`, shared by every store: the reference order (largest
 * figure first, ties in group order) and the choice of the groups worth summarizing in full when
 * a store has ranked them by a cheap estimate first.
 */

/** Orders two rows as a ranked summary does: larger `by` first, then the unranked summary's group order. */
export function compareRanked(a: SummaryRow, b: SummaryRow, by: SummaryRankKey, keys: readonly GroupKey[]): number {
  return compareFigure(b, a, by) || compareGroups(a.group, b.group, keys);
}

function compareFigure(a: SummaryRow, b: SummaryRow, by: SummaryRankKey): number {
  switch (by) {
    case 'cost':
      // Summary costs are canonical decimals: compared exactly, never as floats.
      return compareDecimal(parseDecimal(a.cost), parseDecimal(b.cost));
    case 'calls':
      return a.calls - b.calls;
    case 'tokens':
      return a.tokens.total - b.tokens.total;
    case 'errors':
      return a.errors - b.errors;
  }
}

/** The top rows of a full summary (which the caller may pass unsorted), in ranked order. */
export function topRows(rows: readonly SummaryRow[], top: SummaryTop, keys: readonly GroupKey[]): SummaryRow[] {
  return [...rows].sort((a, b) => compareRanked(a, b, top.by, keys)).slice(0, top.limit);
}

/**
 * A group's ranking figure as a store estimated it cheaply: `value` is within `error` of the exact
 * figure (0 when the store computed it exactly). `uncertain` marks a group whose estimate cannot
 * be trusted at all (a stored cost the estimate cannot read the way the exact sum does).
 */
export interface GroupEstimate {
  group: string | null;
  value: number;
  error: number;
  uncertain?: boolean;
}

/**
 * The groups that can be among the `limit` largest, whatever the exact figures within the
 * estimates' error: every group whose highest possible figure reaches the `limit`-th largest
 * lowest possible figure (ties included, as the final order breaks them by group), and every
 * uncertain group. The exact top is then computed from these alone.
 */
export function candidateGroups(estimates: readonly GroupEstimate[], limit: number): Array<string | null> {
  const trusted = new Set(
    estimates.filter(
      (estimate) => !estimate.uncertain && Number.isFinite(estimate.value) && Number.isFinite(estimate.error),
    ),
  );
  const lows = [...trusted].map((estimate) => estimate.value - estimate.error).sort((a, b) => b - a);
  // Fewer trusted groups than the limit: any of them may be in the top.
  const threshold = lows.length < limit ? -Infinity : lows[limit - 1]!;
  return estimates
    .filter((estimate) => !trusted.has(estimate) || estimate.value + estimate.error >= threshold)
    .map((estimate) => estimate.group);
}
