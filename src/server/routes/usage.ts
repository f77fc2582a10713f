import { sumDecimalStrings } from '../../core/money.js';
import type { SummaryRow } from '../../core/store.js';
import { summaryQueryFrom } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

export function registerUsageRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/usage/summary', async (c) => {
    const query = summaryQueryFrom(new URL(c.req.url), c.get('access'));
    const rows = await context.ledger.usage.summary(query);
    return c.json({
      groupBy: query.groupBy ?? [],
      currency: context.ledger.settings.baseCurrency,
      // Ranked: the rows are the top groups only, and so are the totals; `top` says so.
      ...(query.top === undefined ? undefined : { top: query.top }),
      rows,
      totals: summaryTotals(rows),
    });
  });
}

/** Totals that add up exactly to the rows (latency percentiles do not add, so they are not totalled). */
export function summaryTotals(rows: readonly SummaryRow[]) {
  const sum = (pick: (row: SummaryRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    calls: sum((row) => row.calls),
    errors: sum((row) => row.errors),
    unpricedCalls: sum((row) => row.unpricedCalls),
    cost: sumDecimalStrings(rows.map((row) => row.cost)),
    tokens: {
      input: sum((row) => row.tokens.input),
      output: sum((row) => row.tokens.output),
      total: sum((row) => row.tokens.total),
      cacheRead: sum((row) => row.tokens.cacheRead),
      cacheWrite: sum((row) => row.tokens.cacheWrite),
      reasoning: sum((row) => row.tokens.reasoning),
    },
  };
}
