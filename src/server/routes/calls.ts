import { sumDecimalStrings } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';
import type { Access } from '../access.js';
import { ApiError } from '../api-error.js';
import { badCursor, listQueryFrom, readParams } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

/** A record a token may read: any with full access, its own tenant's with a scoped one. */
export function visible(record: CallRecord, access: Access): boolean {
  return access.tenantId === null || record.tenantId === access.tenantId;
}

export function registerCallRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/calls', async (c) => {
    const access = c.get('access');
    const query = listQueryFrom(new URL(c.req.url), access);
    // A cursor is the id of the last call of the previous page. One the store does not have would
    // page from wherever it sorts (a made-up one, an empty or wrong page): said, not guessed.
    if (query.cursor !== undefined) {
      const anchor = await context.ledger.calls.get(query.cursor);
      if (anchor === null || !visible(anchor, access)) throw badCursor(query.cursor);
    }
    const page = await context.ledger.calls.list(query);
    return c.json({ records: page.records, nextCursor: page.nextCursor });
  });

  app.get('/api/v1/calls/:id', async (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/calls/:id');
    const id = c.req.param('id');
    const record = await context.ledger.calls.get(id);
    // Another tenant's call is answered exactly like a missing one: its existence is not told.
    if (record === null || !visible(record, c.get('access'))) {
      throw new ApiError('not_found', `no call with id ${JSON.stringify(id.slice(0, 200))}`);
    }
    return c.json({ record });
  });

  app.get('/api/v1/traces/:traceId', async (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/traces/:traceId');
    const traceId = c.req.param('traceId');
    const access = c.get('access');
    const records = (await context.ledger.calls.byTrace(traceId)).filter((record) => visible(record, access));
    if (records.length === 0)
      throw new ApiError('not_found', `no calls in trace ${JSON.stringify(traceId.slice(0, 200))}`);
    return c.json({ traceId, records, totals: traceTotals(records) });
  });
}

/** The trace's totals: cost summed exactly per currency, wall-clock span from first start to last end. */
export function traceTotals(records: readonly CallRecord[]) {
  const byCurrency = new Map<string, string[]>();
  let unpricedCalls = 0;
  for (const record of records) {
    if (record.cost?.total == null) {
      unpricedCalls += 1;
      continue;
    }
    const list = byCurrency.get(record.cost.currency) ?? [];
    list.push(record.cost.total);
    byCurrency.set(record.cost.currency, list);
  }
  const starts = records.map((record) => Date.parse(record.startedAt));
  const ends = records.map((record) => Date.parse(record.endedAt));
  return {
    calls: records.length,
    errors: records.filter((record) => record.status === 'error').length,
    cost: [...byCurrency].map(([currency, values]) => ({ currency, total: sumDecimalStrings(values) })),
    unpricedCalls,
    tokens: {
      input: records.reduce((sum, record) => sum + record.tokens.input, 0),
      output: records.reduce((sum, record) => sum + record.tokens.output, 0),
      total: records.reduce((sum, record) => sum + record.tokens.total, 0),
    },
    startedAt: new Date(Math.min(...starts)).toISOString(),
    endedAt: new Date(Math.max(...ends)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
  };
}
