import { FilterBar } from '../components/filter-bar.js';
import { Card, Empty, ErrorBox, Loading, Page, Text } from '../components/ui.js';
import { useApi, type SummaryRow } from '../lib/api.js';
import { apiFilters } from '../lib/filters.js';
import { formatInt, formatMoney, formatMs, sumMoney } from '../lib/format.js';
import { href, navigate, withParams, type Route } from '../lib/route.js';
import { byCost, GROUP_FILTER, GROUP_LABELS, summaryRows, summaryUrl, type SummaryAnswer } from '../lib/summary.js';

const KEYS = Object.keys(GROUP_LABELS);

export function BreakdownPage({ route }: { route: Route }) {
  const params = route.params;
  const first = KEYS.includes(params.get('by') ?? '') ? params.get('by')! : 'model';
  const secondRaw = params.get('by2') ?? '';
  const second = KEYS.includes(secondRaw) && secondRaw !== first ? secondRaw : '';
  const keys = second ? [first, second] : [first];
  const filters = apiFilters(params);
  const grouped = useApi<SummaryAnswer>(summaryUrl(keys, filters));
  const overall = useApi<SummaryAnswer>(summaryUrl([], filters));
  const rows = summaryRows(grouped.data);
  const all = summaryRows(overall.data)?.[0];
  return (
    <Page title="Breakdown" subtitle="Totals grouped by one or two keys. The totals row is the exact sum of the rows.">
      <FilterBar route={route} filters={['model', 'provider', 'user', 'tenant', 'status', 'callType', 'tag']}>
        <label>
          <span>Group by</span>
          <select value={first} onChange={(event) => navigate(withParams(route, { by: event.currentTarget.value }))}>
            {KEYS.map((key) => (
              <option key={key} value={key}>
                {GROUP_LABELS[key]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Then by</span>
          <select value={second} onChange={(event) => navigate(withParams(route, { by2: event.currentTarget.value }))}>
            <option value="">(nothing)</option>
            {KEYS.filter((key) => key !== first).map((key) => (
              <option key={key} value={key}>
                {GROUP_LABELS[key]}
              </option>
            ))}
          </select>
        </label>
      </FilterBar>
      <Card>
        {grouped.error ? (
          <ErrorBox error={grouped.error} />
        ) : !rows ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>No calls match these filters.</Empty>
        ) : (
          <BreakdownTable rows={rows} keys={keys} route={route} latency={all?.latencyMs} />
        )}
      </Card>
    </Page>
  );
}

function BreakdownTable({
  rows,
  keys,
  route,
  latency,
}: {
  rows: SummaryRow[];
  keys: string[];
  route: Route;
  latency: SummaryRow['latencyMs'] | undefined;
}) {
  const sorted = keys.includes('day') || keys.includes('hour') ? [...rows].sort(byGroup(keys)) : byCost(rows);
  const sum = (pick: (row: SummaryRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return (
    <div class="table-scroll">
      <table class="table" id="breakdown-table">
        <thead>
          <tr>
            {keys.map((key) => (
              <th scope="col" key={key}>
                {GROUP_LABELS[key]}
              </th>
            ))}
            <th scope="col" class="num">
              Calls
            </th>
            <th scope="col" class="num">
              Errors
            </th>
            <th scope="col" class="num">
              Input tokens
            </th>
            <th scope="col" class="num">
              Output tokens
            </th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Unpriced
            </th>
            <th scope="col" class="num">
              p50
            </th>
            <th scope="col" class="num">
              p95
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((row, index) => {
            const params = new URLSearchParams(route.params);
            for (const name of ['by', 'by2']) params.delete(name);
            for (const key of keys) {
              const value = row.group[key as 'model'];
              const filter = GROUP_FILTER[key];
              if (filter && value) params.set(filter, value);
            }
            return (
              <tr key={index}>
                {keys.map((key, position) => {
                  const value = row.group[key as 'model'] ?? null;
                  return (
                    <td key={key} class="truncate">
                      {value === null ? (
                        <span class="muted">(none)</span>
                      ) : position === 0 ? (
                        <a href={href(['calls'], params)}>
                          <Text value={value} />
                        </a>
                      ) : (
                        <Text value={value} />
                      )}
                    </td>
                  );
                })}
                <td class="num">{formatInt(row.calls)}</td>
                <td class="num">{formatInt(row.errors)}</td>
                <td class="num">{formatInt(row.tokens.input)}</td>
                <td class="num">{formatInt(row.tokens.output)}</td>
                <td class="num" data-cost={row.cost}>
                  {row.calls > 0 && row.unpricedCalls === row.calls ? (
                    <span class="muted">unpriced</span>
                  ) : (
                    formatMoney(row.cost)
                  )}
                </td>
                <td class="num">{formatInt(row.unpricedCalls)}</td>
                <td class="num">{formatMs(row.latencyMs.p50)}</td>
                <td class="num">{formatMs(row.latencyMs.p95)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={keys.length}>
              Total ({formatInt(rows.length)} groups)
            </th>
            <td class="num" data-total="calls">
              {formatInt(sum((row) => row.calls))}
            </td>
            <td class="num">{formatInt(sum((row) => row.errors))}</td>
            <td class="num">{formatInt(sum((row) => row.tokens.input))}</td>
            <td class="num">{formatInt(sum((row) => row.tokens.output))}</td>
            <td class="num" data-total="cost" data-cost={sumMoney(rows.map((row) => row.cost))}>
              {formatMoney(sumMoney(rows.map((row) => row.cost)))}
            </td>
            <td class="num">{formatInt(sum((row) => row.unpricedCalls))}</td>
            <td class="num">{formatMs(latency?.p50)}</td>
            <td class="num">{formatMs(latency?.p95)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function byGroup(keys: string[]) {
  return (a: SummaryRow, b: SummaryRow) => {
    for (const key of keys) {
      const x = a.group[key as 'model'] ?? '';
      const y = b.group[key as 'model'] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}
