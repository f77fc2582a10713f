import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import type { CallRecord } from '../../src/core/record.js';
import type { Store } from '../../src/core/store.js';
import { sumDecimalStrings } from '../../src/core/money.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { at, makeCost, makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { startServer, type TestServer } from './server-support.js';

const pgAvailable = await postgresAvailable();
const schema = uniqueSchema('server_api');
afterAll(async () => {
  if (pgAvailable) await dropSchema(schema);
});

const stores: Array<[string, () => Store, boolean]> = [
  ['memory', () => new MemoryStore(), true],
  ['sqlite', () => new SqliteStore({ path: ':memory:' }), true],
  ['postgres', () => new PostgresStore({ connectionString: PG_URL, schema }), pgAvailable],
];

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4'];
const TENANTS = ['acme', 'globex', null];

/** 137 calls over three days: every third shares its start time with the one before (keyset ties). */
function population(): CallRecord[] {
  const records: CallRecord[] = [];
  for (let index = 0; index < 137; index++) {
    const minute = index - (index % 3 === 2 ? 1 : 0);
    records.push(
      makeRecord({
        startedAt: at(minute * 31),
        model: MODELS[index % 3]!,
        tenantId: TENANTS[index % 3]!,
        userId: index % 5 === 0 ? null : `user-${index % 4}`,
        status: index % 7 === 0 ? 'error' : 'success',
        tags: index % 2 === 0 ? ['even', 'demo'] : ['demo'],
        cost: index % 11 === 0 ? makeCost(null) : makeCost(`0.${String(index).padStart(4, '0')}123`),
        tokens: {
          input: 100 + index,
          output: index,
          total: 100 + 2 * index,
          cacheRead: 0,
          cacheWrite: 0,
          reasoning: 0,
        },
        latencyMs: 100 + index * 3,
      }),
    );
  }
  const root = makeRecord({ traceId: 'trace-1', tenantId: 'acme', startedAt: at(10_000), cost: makeCost('0.1') });
  records.push(
    root,
    makeRecord({
      traceId: 'trace-1',
      parentId: root.id,
      tenantId: 'acme',
      startedAt: at(10_001),
      cost: makeCost('0.02'),
    }),
    makeRecord({
      traceId: 'trace-1',
      parentId: root.id,
      tenantId: 'acme',
      startedAt: at(10_002),
      cost: makeCost(null),
    }),
  );
  return records;
}

for (const [kind, makeStore, available] of stores) {
  describe.skipIf(!available)(`HTTP API v1 over a real ${kind} ledger`, () => {
    let ledger: CreatedLedger;
    let server: TestServer;
    let records: CallRecord[];

    beforeAll(async () => {
      const store = makeStore();
      records = population();
      await store.write(records);
      ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false });
      server = await startServer(ledger);
    });
    afterAll(async () => {
      await server?.close();
      await ledger?.close();
    });

    it('lists calls newest first with the library’s records and a cursor', async () => {
      const { status, body } = await server.get('/api/v1/calls?limit=5');
      expect(status).toBe(200);
      const direct = await ledger.calls.list({ limit: 5 });
      expect(body.records.map((r: CallRecord) => r.id)).toEqual(direct.records.map((r) => r.id));
      expect(body.records[0]).toEqual(JSON.parse(JSON.stringify(direct.records[0])));
      expect(typeof body.nextCursor).toBe('string');
    });

    it.each(['desc', 'asc'])('pages through every call exactly once (order %s)', async (order) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/api/v1/calls?limit=7&order=${order}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const { status, body } = await server.get(query);
        expect(status).toBe(200);
        expect(body.records.length).toBeLessThanOrEqual(7);
        seen.push(...body.records.map((r: CallRecord) => r.id));
        cursor = body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(new Set(records.map((r) => r.id)));
      const starts = seen.map((id) => records.find((r) => r.id === id)!.startedAt);
      const sorted = [...starts].sort();
      expect(starts).toEqual(order === 'asc' ? sorted : sorted.reverse());
    });

    it('pages a filtered list exhaustively too', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const { body } = await server.get(`/api/v1/calls?limit=4&model=gpt-4o&status=success${suffix}`);
        seen.push(...body.records.map((r: CallRecord) => r.id));
        cursor = body.nextCursor;
      } while (cursor !== null);
      const expected = records.filter((r) => r.model === 'gpt-4o' && r.status === 'success').map((r) => r.id);
      expect(seen.length).toBe(expected.length);
      expect(new Set(seen)).toEqual(new Set(expected));
    });

    it('applies every kind of filter: lists, null identity, tags, dates', async () => {
      const count = async (query: string) => {
        const { status, body } = await server.get(`/api/v1/calls?limit=1000&${query}`);
        expect(status, JSON.stringify(body)).toBe(200);
        return (body.records as CallRecord[]).map((r) => r.id).sort();
      };
      const ids = (pick: (r: CallRecord) => boolean) =>
        records
          .filter(pick)
          .map((r) => r.id)
          .sort();
      expect(await count('model=gpt-4o&model=claude-sonnet-4')).toEqual(
        ids((r) => r.model === 'gpt-4o' || r.model === 'claude-sonnet-4'),
      );
      expect(await count('userId=')).toEqual(ids((r) => r.userId === null));
      expect(await count('tenantId=acme&status=error')).toEqual(
        ids((r) => r.tenantId === 'acme' && r.status === 'error'),
      );
      expect(await count('tags=even&tags=demo')).toEqual(ids((r) => r.tags.includes('even')));
      expect(await count('costStatus=unpriced')).toEqual(ids((r) => r.cost?.status === 'unpriced'));
      const from = at(31 * 20);
      const to = at(31 * 60);
      expect(await count(`from=${from}&to=${to}`)).toEqual(ids((r) => r.startedAt >= from && r.startedAt < to));
    });

    it.each([
      ['/api/v1/calls?modle=gpt-4o', 'modle', 'did you mean "model"'],
      ['/api/v1/calls?user_id=u', 'user_id', 'did you mean "userId"'],
      ['/api/v1/calls?status=bogus', 'status', 'success, error'],
      ['/api/v1/calls?limit=0', 'limit', '1 to 1000'],
      ['/api/v1/calls?limit=1001', 'limit', '1 to 1000'],
      ['/api/v1/calls?limit=ten', 'limit', 'whole number'],
      ['/api/v1/calls?limit=5&limit=6', 'limit', 'once'],
      ['/api/v1/calls?order=up', 'order', '"desc" or "asc"'],
      ['/api/v1/calls?from=yesterday', 'from', 'ISO 8601'],
      ['/api/v1/calls?model=', 'model', 'needs a value'],
      ['/api/v1/calls?cursor=', 'cursor', 'needs a value'],
      ['/api/v1/calls/x?verbose=1', 'verbose', 'takes no parameters'],
      ['/api/v1/usage/summary?groupBy=modle', 'groupBy', 'model, provider'],
      ['/api/v1/usage/summary?group_by=model', 'group_by', 'did you mean "groupBy"'],
      ['/api/v1/usage/summary?start_date=2025-01-01', 'start_date', 'did you mean "from"'],
      ['/api/v1/usage/summary?limit=5', 'limit', 'unknown parameter'],
      ['/api/v1/prices/gpt-4o?at=soon', 'at', 'ISO 8601'],
      ['/api/v1/events?tenant=x', 'tenant', 'takes no parameters'],
      // A cursor is a previous page's nextCursor: a made-up one is said to be, not paged from.
      ['/api/v1/calls?cursor=made-up', 'cursor', "not a page's nextCursor"],
      ['/api/v1/calls?cursor=zzzzzzzzzzzz', 'cursor', "not a page's nextCursor"],
      [`/api/v1/calls?cursor=${'0'.repeat(5000)}`, 'cursor', "not a page's nextCursor"],
      ['/api/v1/calls?cursor=a&cursor=b', 'cursor', 'once'],
      ['/api/v1/calls?limit=-1', 'limit', '1 to 1000'],
      ['/api/v1/calls?limit=1.5', 'limit', 'whole number'],
      ['/api/v1/calls?limit=1e3', 'limit', 'whole number'],
      ['/api/v1/calls?limit=99999999999', 'limit', '1 to 1000'],
      ['/api/v1/calls?order=ASC', 'order', '"desc" or "asc"'],
      ['/api/v1/calls?order=asc&order=desc', 'order', 'once'],
      ['/api/v1/calls?from=2025-02-30', 'from', 'real day'],
      ['/api/v1/calls?to=2025-13-01', 'to', 'ISO 8601'],
      ['/api/v1/calls?from=1735689600', 'from', 'ISO 8601'],
      ['/api/v1/calls?from=2025-01-01T25:00:00Z', 'from', 'ISO 8601'],
      ['/api/v1/calls?from=2025-01-01T00:00:00+01:00', 'from', 'encode it as %2B'],
      ['/api/v1/calls?from=2025-01-01&from=2025-01-02', 'from', 'once'],
      ['/api/v1/calls?from=2025-01-02&to=2025-01-01', 'to', 'must be after from'],
      ['/api/v1/calls?costStatus=bogus', 'costStatus', 'priced, estimated'],
      ['/api/v1/calls?tags=', 'tags', 'needs a value'],
      ['/api/v1/calls?userId=&userId=u', 'userId', 'cannot be combined'],
      ['/api/v1/calls?Model=x', 'Model', 'did you mean "model"'],
      ['/api/v1/calls?model[]=x', 'model[]', 'did you mean "model"'],
      ['/api/v1/calls?model=50%', 'model', 'percent-encoding'],
      ['/api/v1/calls?model=%zz', 'model', 'encode "%" as %25'],
      ['/api/v1/usage/summary?groupBy=model,model', 'groupBy', 'twice'],
      ['/api/v1/usage/summary?groupBy=', 'groupBy', 'empty key'],
      ['/api/v1/usage/summary?from=2025-02-29', 'from', 'real day'],
      ['/api/v1/usage/summary?to=2025-01-01&to=2025-01-02', 'to', 'once'],
      ['/api/v1/usage/summary?from=2025-01-02&to=2025-01-02', 'to', 'must be after from'],
      ['/api/v1/usage/summary?status=done', 'status', 'success, error'],
      [
        '/api/v1/usage/summary?groupBy=user&top=10',
        'top',
        'needs rankBy, what to rank groups by: one of cost, calls, tokens, errors',
      ],
      ['/api/v1/usage/summary?groupBy=user&rankBy=cost', 'rankBy', 'needs top'],
      ['/api/v1/usage/summary?groupBy=user&top=0&rankBy=cost', 'top', '1 to 1000'],
      ['/api/v1/usage/summary?groupBy=user&top=1001&rankBy=cost', 'top', '1 to 1000'],
      ['/api/v1/usage/summary?groupBy=user&top=2.5&rankBy=cost', 'top', 'whole number'],
      ['/api/v1/usage/summary?groupBy=user&top=3&top=4&rankBy=cost', 'top', 'once'],
      ['/api/v1/usage/summary?groupBy=user&top=3&rankBy=latency', 'rankBy', 'cost, calls'],
      ['/api/v1/usage/summary?top=3&rankBy=cost', 'top', 'needs groupBy'],
      ['/api/v1/prices/gpt-4o?at=2025-02-30', 'at', 'real day'],
      ['/api/v1/prices/gpt-4o?at=20250101', 'at', 'ISO 8601'],
      ['/api/v1/prices/gpt-4o?provider=', 'provider', 'needs a value'],
      ['/api/v1/prices/gpt-4o?provider=a&provider=b', 'provider', 'once'],
      ['/api/v1/traces/t?depth=2', 'depth', 'takes no parameters'],
      ['/api/v1/alerts?since=1h', 'since', 'takes no parameters'],
      ['/healthz?verbose=1', 'verbose', 'takes no parameters'],
    ])('%s is a 400 naming %s', async (path, param, hint) => {
      const { status, body } = await server.get(path);
      expect(status).toBe(400);
      expect(body.error.type).toBe('invalid_request');
      expect(body.error.param).toBe(param);
      expect(body.error.message).toContain(hint);
    });

    it('returns one call by id, and 404 for an unknown id', async () => {
      const target = records[42]!;
      const { status, body } = await server.get(`/api/v1/calls/${target.id}`);
      expect(status).toBe(200);
      expect(body.record.id).toBe(target.id);
      expect(body.record.cost).toEqual(target.cost);
      const missing = await server.get('/api/v1/calls/no-such-call');
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('not_found');
    });

    it('returns a trace oldest first with exact totals', async () => {
      const { status, body } = await server.get('/api/v1/traces/trace-1');
      expect(status).toBe(200);
      expect(body.records.map((r: CallRecord) => r.parentId === null)).toEqual([true, false, false]);
      expect(body.totals.calls).toBe(3);
      expect(body.totals.cost).toEqual([{ currency: 'USD', total: '0.12' }]);
      expect(body.totals.unpricedCalls).toBe(1);
      expect((await server.get('/api/v1/traces/trace-none')).status).toBe(404);
    });

    it('summarizes by model and day like ledger.usage.summary, with totals that add up exactly', async () => {
      const { status, body } = await server.get('/api/v1/usage/summary?groupBy=model,day&tenantId=acme');
      expect(status).toBe(200);
      const direct = await ledger.usage.summary({ groupBy: ['model', 'day'], where: { tenantId: 'acme' } });
      expect(body.rows).toEqual(JSON.parse(JSON.stringify(direct)));
      expect(body.groupBy).toEqual(['model', 'day']);
      const acme = records.filter((r) => r.tenantId === 'acme');
      expect(body.totals.calls).toBe(acme.length);
      expect(body.totals.cost).toBe(sumDecimalStrings(acme.map((r) => r.cost?.total)));
      expect(typeof body.totals.cost).toBe('string');
      expect(body.totals.tokens.input).toBe(acme.reduce((sum, r) => sum + r.tokens.input, 0));
    });

    it('returns the top groups like ledger.usage.summary({ top }), saying the rows are ranked', async () => {
      const { status, body } = await server.get('/api/v1/usage/summary?groupBy=user&top=2&rankBy=cost');
      expect(status).toBe(200);
      const direct = await ledger.usage.summary({ groupBy: ['user'], top: { by: 'cost', limit: 2 } });
      expect(direct).toHaveLength(2);
      expect(body.rows).toEqual(JSON.parse(JSON.stringify(direct)));
      expect(body.top).toEqual({ by: 'cost', limit: 2 });
      // The totals are those of the rows returned: the ranking narrows them, and says so.
      expect(body.totals.calls).toBe(direct[0]!.calls + direct[1]!.calls);
      const all = await server.get('/api/v1/usage/summary?groupBy=user');
      expect(all.body.top).toBeUndefined();
    });

    it('summarizes with from/to and repeated groupBy', async () => {
      const from = at(0);
      const to = at(31 * 50);
      const { body } = await server.get(`/api/v1/usage/summary?groupBy=status&groupBy=tenant&from=${from}&to=${to}`);
      const direct = await ledger.usage.summary({ groupBy: ['status', 'tenant'], from, to });
      expect(body.rows).toEqual(JSON.parse(JSON.stringify(direct)));
      expect(body.totals.calls).toBe(records.filter((r) => r.startedAt >= from && r.startedAt < to).length);
    });

    it('explains a model’s prices, and says when a name is unknown', async () => {
      const known = await server.get('/api/v1/prices/gpt-4o?at=2025-06-10');
      expect(known.status).toBe(200);
      expect(known.body.known).toBe(true);
      expect(known.body.explanation.matches[0].provider).toBe('openai');
      const period = known.body.explanation.matches[0].periods.find((p: { inForce: boolean }) => p.inForce);
      expect(typeof period.prices.input).toBe('string');
      const unknown = await server.get(`/api/v1/prices/${encodeURIComponent('no-such-model-xyz')}`);
      expect(unknown.status).toBe(200);
      expect(unknown.body.known).toBe(false);
    });

    it('reports health, and 404s meters, limits and metrics when none is configured', async () => {
      const health = await server.get('/healthz');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('healthy');
      for (const path of ['/api/v1/meters/user%3Au-1', '/api/v1/limits', '/metrics']) {
        const { status, body } = await server.get(path);
        expect(status).toBe(404);
        expect(body.error.type).toBe('not_configured');
      }
    });

    it('is read-only and answers unknown routes with the JSON error', async () => {
      const post = await fetch(`${server.url}/api/v1/calls`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      const missing = await server.get('/api/v1/nothing');
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('not_found');
    });
  });
}
