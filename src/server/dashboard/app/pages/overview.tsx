import { useMemo } from 'preact/hooks';
import { FilterBar } from '../components/filter-bar.js';
import { StackedChart, type StackedSeries } from '../components/stacked-chart.js';
import { Card, Empty, ErrorBox, Loading, Page, Stat, Text } from '../components/ui.js';
import { useApi, type SummaryRow } from '../lib/api.js';
import { apiFilters, timeWindow } from '../lib/filters.js';
import { formatCompact, formatInt, formatMoney, formatMs, formatPercent } from '../lib/format.js';
import { href, navigate, withParams, type Route } from '../lib/route.js';
import { summaryRows, summaryUrl, topCostUrl, type SummaryAnswer } from '../lib/summary.js';

const CHART_MODELS = 8;
const TOP_ROWS = 10;

export function OverviewPage({ route }: { route: Route }) {
  const params = route.params;
  const window = timeWindow(params);
  const filters = apiFilters(params, window);
  const bucket = params.get('bucket') ?? (window.spanMs !== null && window.spanMs <= 3 * 86_400_000 ? 'hour' : 'day');
  const totals = useApi<SummaryAnswer>(summaryUrl([], filters));
  const series = useApi<SummaryAnswer>(summaryUrl([bucket, 'model'], filters));
  const models = useApi<SummaryAnswer>(topCostUrl('model', TOP_ROWS, filters));
  const users = useApi<SummaryAnswer>(topCostUrl('user', TOP_ROWS, filters));
  const tenants = useApi<SummaryAnswer>(topCostUrl('tenant', TOP_ROWS, filters));
  const total = summaryRows(totals.data)?.[0];
  return (
    <Page title="Overview" subtitle="Cost, volume, errors and latency of the recorded calls.">
      <FilterBar route={route}>
        <label>
          <span>Buckets</span>
          <select
            value={bucket}
            onChange={(event) => navigate(withParams(route, { bucket: event.currentTarget.value }))}
          >
            <option value="hour">Hourly</option>
            <option value="day">Daily</option>
          </select>
        </label>
      </FilterBar>
      {totals.error && <ErrorBox error={totals.error} />}
      <div class="stats" aria-live="polite">
        <Stat label="Cost" value={total ? formatMoney(total.cost) : '…'} detail="priced calls, exact" />
        <Stat label="Calls" value={total ? formatInt(total.calls) : '…'} />
        <Stat
          label="Errors"
          value={total ? formatInt(total.errors) : '…'}
          detail={total ? `${formatPercent(total.errors, total.calls)} error rate` : undefined}
          tone={total && total.errors > 0 ? 'bad' : undefined}
        />
        <Stat label="Latency p50" value={total ? formatMs(total.calls ? total.latencyMs.p50 : null) : '…'} />
        <Stat label="Latency p95" value={total ? formatMs(total.calls ? total.latencyMs.p95 : null) : '…'} />
        <Stat
          label="Unpriced calls"
          value={total ? formatInt(total.unpricedCalls) : '…'}
          detail="cost unknown, not zero"
          tone={total && total.unpricedCalls > 0 ? 'warn' : undefined}
        />
      </div>
      <Card title={`Cost by model, ${bucket === 'hour' ? 'hourly' : 'daily'} (UTC)`}>
        {series.error ? (
          <ErrorBox error={series.error} />
        ) : !series.data ? (
          <Loading />
        ) : (
          <CostChart rows={summaryRows(series.data)!} bucket={bucket} />
        )}
      </Card>
      <div class="grid-3">
        <TopTable title="Top models" groupKey="model" filter="model" route={route} loaded={models} />
        <TopTable title="Users" groupKey="user" filter="user" route={route} loaded={users} />
        <TopTable title="Tenants" groupKey="tenant" filter="tenant" route={route} loaded={tenants} />
      </div>
    </Page>
  );
}

function bucketStart(value: string, bucket: string): number {
  return Date.parse(bucket === 'hour' ? `${value}:00:00Z` : `${value}T00:00:00Z`) / 1000;
}

function CostChart({ rows, bucket }: { rows: SummaryRow[]; bucket: string }) {
  const bucketSeconds = bucket === 'hour' ? 3600 : 86_400;
  const chart = useMemo(() => {
    const perModel = new Map<string, number>();
    for (const row of rows) {
      const model = row.group.model ?? '(none)';
      perModel.set(model, (perModel.get(model) ?? 0) + Number(row.cost));
    }
    const ranked = [...perModel.entries()].sort((a, b) => b[1] - a[1]).map(([model]) => model);
    const shown = ranked.slice(0, CHART_MODELS);
    const starts = rows.map((row) => bucketStart(row.group[bucket as 'hour'] ?? '', bucket)).filter(Number.isFinite);
    if (starts.length === 0) return undefined;
    const first = Math.min(...starts);
    const last = Math.max(...starts);
    const count = Math.min(2000, Math.round((last - first) / bucketSeconds) + 1);
    const x = Array.from({ length: count }, (_, index) => first + index * bucketSeconds);
    const labels = ranked.length > CHART_MODELS ? [...shown, 'other models'] : shown;
    const values = labels.map(() => x.map(() => 0));
    for (const row of rows) {
      const index = Math.round((bucketStart(row.group[bucket as 'hour'] ?? '', bucket) - first) / bucketSeconds);
      const model = row.group.model ?? '(none)';
      const position = shown.includes(model) ? shown.indexOf(model) : labels.length - 1;
      if (index >= 0 && index < count) values[position]![index]! += Number(row.cost);
    }
    const series: StackedSeries[] = labels.map((label, index) => ({ label, values: values[index]! }));
    return { x, series };
  }, [rows, bucket, bucketSeconds]);
  if (!chart) return <Empty>No calls in this range.</Empty>;
  return (
    <StackedChart
      x={chart.x}
      series={chart.series}
      bucketSeconds={bucketSeconds}
      formatValue={formatAxisMoney}
      label="Cost over time, stacked by model"
    />
  );
}

function formatAxisMoney(value: number): string {
  if (value === 0) return '$0';
  if (value >= 1000) return `$${formatCompact(value)}`;
  if (value >= 0.01) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(2)}`;
}

function TopTable({
  title,
  groupKey,
  filter,
  route,
  loaded,
}: {
  title: string;
  groupKey: 'model' | 'user' | 'tenant';
  filter: string;
  route: Route;
  loaded: { data: SummaryAnswer | undefined; error: Error | undefined };
}) {
  const rows = summaryRows(loaded.data);
  return (
    <Card title={title}>
      {loaded.error ? (
        <ErrorBox error={loaded.error} />
      ) : !rows ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No calls.</Empty>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">{title === 'Top models' ? 'Model' : title.replace(/s$/, '')}</th>
              <th scope="col" class="num">
                Calls
              </th>
              <th scope="col" class="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {/* Ranked by the server: by exact cost, highest first. */}
            {rows.map((row) => {
              const value = row.group[groupKey] ?? null;
              const params = new URLSearchParams(route.params);
              params.delete('bucket');
              if (value !== null) params.set(filter, value);
              return (
                <tr key={String(value)}>
                  <td class="truncate">
                    {value === null ? (
                      <span class="muted">(none)</span>
                    ) : (
                      <a href={href(['calls'], params)}>
                        <Text value={value} />
                      </a>
                    )}
                  </td>
                  <td class="num">{formatInt(row.calls)}</td>
                  <td class="num">{row.unpricedCalls === row.calls ? 'unpriced' : formatMoney(row.cost)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
