import { apiUrl, type SummaryRow } from './api.js';

/** `GET /api/v1/usage/summary`: the rows, and their exact totals. */
export interface SummaryAnswer {
  groupBy: string[];
  currency: string;
  rows: SummaryRow[];
  /** Present when the answer holds the top groups only (`top` and `rankBy`): then the totals are theirs. */
  top?: { by: 'cost' | 'calls' | 'tokens' | 'errors'; limit: number };
  totals: Pick<SummaryRow, 'calls' | 'errors' | 'unpricedCalls' | 'cost' | 'tokens'>;
}

export function summaryRows(answer: SummaryAnswer | undefined): SummaryRow[] | undefined {
  return answer?.rows;
}

export function summaryUrl(groupBy: string[], filters: Record<string, string | undefined>): string {
  return apiUrl('usage/summary', { ...filters, groupBy: groupBy.length ? groupBy.join(',') : undefined });
}

/**
 * The `limit` groups with the highest exact cost, highest first (ties in group order): the server
 * summarizes those groups only, rather than every user or tenant of the range.
 */
export function topCostUrl(groupBy: string, limit: number, filters: Record<string, string | undefined>): string {
  return apiUrl('usage/summary', { ...filters, groupBy, top: String(limit), rankBy: 'cost' });
}

/** Rows by exact cost, highest first; unpriced rows after priced ones with the same cost. */
export function byCost(rows: SummaryRow[]): SummaryRow[] {
  return [...rows].sort((a, b) => compareAmounts(b.cost, a.cost) || b.calls - a.calls);
}

/** Compares two non-negative-or-negative decimal strings exactly. */
export function compareAmounts(a: string, b: string): number {
  const [aNeg, bNeg] = [a.startsWith('-'), b.startsWith('-')];
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  const sign = aNeg ? -1 : 1;
  const [aWhole = '', aFraction = ''] = a.replace('-', '').split('.');
  const [bWhole = '', bFraction = ''] = b.replace('-', '').split('.');
  const aw = aWhole.replace(/^0+/, '');
  const bw = bWhole.replace(/^0+/, '');
  if (aw.length !== bw.length) return (aw.length - bw.length) * sign;
  if (aw !== bw) return (aw < bw ? -1 : 1) * sign;
  const width = Math.max(aFraction.length, bFraction.length);
  const af = aFraction.padEnd(width, '0');
  const bf = bFraction.padEnd(width, '0');
  return af === bf ? 0 : (af < bf ? -1 : 1) * sign;
}

export const GROUP_LABELS: Record<string, string> = {
  model: 'Model',
  provider: 'Provider',
  user: 'User',
  tenant: 'Tenant',
  callType: 'Call type',
  status: 'Status',
  session: 'Session',
  day: 'Day (UTC)',
  hour: 'Hour (UTC)',
};

/** The calls-page filter a group value stands for, so a row can link to its calls. */
export const GROUP_FILTER: Record<string, string | undefined> = {
  model: 'model',
  provider: 'provider',
  user: 'user',
  tenant: 'tenant',
  callType: 'callType',
  status: 'status',
  session: 'session',
};
