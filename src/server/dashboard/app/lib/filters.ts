/**
 * The filters a page reads from its URL, and how they become API query parameters. The URL names
 * are short and stable (`user`, `tenant`, `range`); the API names follow `calls.list()`.
 */
export const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
  { value: 'all', label: 'All time', ms: null },
] as const;
export const DEFAULT_RANGE = '7d';

/** URL parameter -> API parameter, for the filters every query page shares. */
export const FILTER_PARAMS = {
  model: 'model',
  provider: 'provider',
  user: 'userId',
  tenant: 'tenantId',
  session: 'sessionId',
  status: 'status',
  callType: 'callType',
  costStatus: 'costStatus',
  tag: 'tags',
} as const;
export type FilterName = keyof typeof FILTER_PARAMS;

export const STATUSES = ['success', 'error', 'partial', 'cancelled'] as const;
export const COST_STATUSES = ['priced', 'estimated', 'unpriced'] as const;

export interface TimeWindow {
  from?: string;
  to?: string;
  /** The length of the window in ms, when it has one: chooses hour or day buckets. */
  spanMs: number | null;
}

/**
 * `range=24h` is relative to now, its start rounded down so a re-render keeps the same query and so
 * the summaries can read the rollup tables, which answer only bounds on whole hours (whole UTC days
 * for the daily ones): ranges of a week or more start at midnight UTC, a day at the hour, an hour
 * at the minute (one hour of calls is cheap to scan). `from`/`to` (ISO or datetime-local) override it.
 */
export function timeWindow(params: URLSearchParams, now = Date.now()): TimeWindow {
  const from = params.get('from');
  const to = params.get('to');
  if (from || to) {
    const fromIso = from ? toIso(from) : undefined;
    const toIsoValue = to ? toIso(to) : undefined;
    const span =
      fromIso && toIsoValue ? Date.parse(toIsoValue) - Date.parse(fromIso) : fromIso ? now - Date.parse(fromIso) : null;
    return { from: fromIso, to: toIsoValue, spanMs: span };
  }
  const range = RANGES.find((entry) => entry.value === (params.get('range') ?? DEFAULT_RANGE)) ?? RANGES[2];
  if (range.ms === null) return { spanMs: null };
  const step = range.ms >= 7 * 86_400_000 ? 86_400_000 : range.ms >= 86_400_000 ? 3_600_000 : 60_000;
  const start = Math.floor((now - range.ms) / step) * step;
  return { from: new Date(start).toISOString(), spanMs: range.ms };
}

/** A datetime-local value ("2026-12-06T01:10") is read as UTC, like every time on the dashboard. */
function toIso(value: string): string {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The API parameters for the filters and time window in a page's URL. */
export function apiFilters(params: URLSearchParams, window = timeWindow(params)): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { from: window.from, to: window.to };
  for (const [name, apiName] of Object.entries(FILTER_PARAMS)) {
    const value = params.get(name);
    if (value) out[apiName] = value;
  }
  return out;
}
