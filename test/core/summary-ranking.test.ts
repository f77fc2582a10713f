import { describe, expect, it } from 'vitest';
import { candidateGroups, compareRanked, topRows, type GroupEstimate } from '../../src/core/summary-ranking.js';
import type { SummaryRow } from '../../src/core/store.js';

const exact = (group: string | null, value: number): GroupEstimate => ({ group, value, error: 0 });

function row(user: string | null, cost: string, calls = 1): SummaryRow {
  return {
    group: { user },
    calls,
    errors: 0,
    tokens: { input: 0, output: 0, total: calls * 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    cost,
    unpricedCalls: 0,
    latencyMs: { avg: 1, p50: 1, p95: 1 },
  };
}

describe('candidateGroups', () => {
  it('keeps the top groups and every group tied with the last of them', () => {
    const estimates = [exact('a', 5), exact('b', 3), exact('c', 3), exact('d', 1), exact(null, 3)];
    expect(candidateGroups(estimates, 2)).toEqual(['a', 'b', 'c', null]);
    expect(candidateGroups(estimates, 1)).toEqual(['a']);
  });

  it('keeps every group whose figure may reach the last place within the estimates’ error', () => {
    const estimates = [
      { group: 'a', value: 10, error: 0.5 },
      { group: 'b', value: 9, error: 0.5 },
      { group: 'c', value: 8.1, error: 0.5 },
      { group: 'd', value: 7, error: 0.5 },
    ];
    // The second place is at least 8.5; c may reach 8.6, d at most 7.5.
    expect(candidateGroups(estimates, 2)).toEqual(['a', 'b', 'c']);
  });

  it('keeps groups whose estimate cannot be trusted, and all groups when there are fewer than the limit', () => {
    const estimates = [
      exact('a', 10),
      exact('b', 9),
      { group: 'odd', value: 0, error: 0, uncertain: true },
      exact('nan', Number.NaN),
      exact('c', 1),
    ];
    expect(candidateGroups(estimates, 2)).toEqual(['a', 'b', 'odd', 'nan']);
    expect(candidateGroups(estimates.slice(0, 2), 5)).toEqual(['a', 'b']);
  });
});

describe('topRows', () => {
  it('ranks by exact cost, largest first, ties in group order with the null group last', () => {
    const rows = [
      row('b', '0.3'),
      row(null, '0.3'),
      row('a', '0.3'),
      row('c', '0.300000000000000001'),
      row('d', '10'),
      row('e', '9.99'),
    ];
    const ranked = topRows(rows, { by: 'cost', limit: 5 }, ['user']);
    expect(ranked.map((r) => r.group.user)).toEqual(['d', 'e', 'c', 'a', 'b']);
  });

  it('ranks by calls, tokens and errors', () => {
    const rows = [row('a', '1', 2), row('b', '2', 3)];
    expect(compareRanked(rows[0]!, rows[1]!, 'calls', ['user'])).toBeGreaterThan(0);
    expect(topRows(rows, { by: 'tokens', limit: 1 }, ['user'])[0]!.group.user).toBe('b');
    expect(topRows(rows, { by: 'errors', limit: 1 }, ['user'])[0]!.group.user).toBe('a');
  });
});
