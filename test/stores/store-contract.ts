import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import type { CallRecord } from '../../src/core/record.js';
import { GROUP_KEYS, type CallFilter, type GroupKey, type Store, type SummaryRow } from '../../src/core/store.js';
import { at, makeCost, makeRecord } from '../support/records.js';
import { exactSum, expectedPercentile, expectedSummary, idsInOrder, matchesFilter } from './contract-expectations.js';

/**
 * The behaviour every Store must have. Each backend's test file calls this with a factory that
 * returns a fresh, empty store; the suite closes it after each test.
 *
 * @example
 * describeStoreContract('memory', () => new MemoryStore());
 */
export function describeStoreContract(name: string, factory: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('write and get', () => {
      it('round-trips a rich record exactly', async () => {
        const record = richRecord();
        await store.write([record]);
        expect(await store.get(record.id)).toStrictEqual(record);
      });

      it('keeps null and empty values apart', async () => {
        const empty = makeRecord({
          tools: [],
          toolChoice: 'none',
          tags: [],
          metadata: {},
          params: {},
          messages: [],
          systemPrompt: '',
          responseMessage: { role: 'assistant', content: '' },
          cost: makeCost('0', { breakdown: {} }),
        });
        const nulls = makeRecord({
          tools: null,
          toolChoice: null,
          systemPrompt: null,
          responseMessage: null,
          responseModel: null,
          finishReason: null,
          tokenSource: null,
          cost: null,
          tokens: { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
          metadata: { nothing: null, list: [], object: {} },
        });
        await store.write([empty, nulls]);
        expect(await store.get(empty.id)).toStrictEqual(empty);
        expect(await store.get(nulls.id)).toStrictEqual(nulls);
      });

      it('round-trips a 2 MB message', async () => {
        const part = (seed: string) => seed.repeat(Math.ceil(500_000 / seed.length)).slice(0, 500_000);
        const content = [
          { type: 'text', text: part('plain ascii text, line after line.\n') },
          { type: 'text', text: part('漢字とかなの文章。😀 emoji 👩‍👩‍👧 and ünïcödé; ') },
          { type: 'text', text: part('<script>alert("x")</script> \'; DROP TABLE llm_request_logs; -- ') },
          { type: 'text', text: part('\u0000\u0001\u001f\t\r\n\u2028\u2029 control ') },
        ];
        const record = makeRecord({ messages: [{ role: 'user', content }] });
        expect(JSON.stringify(record.messages).length).toBeGreaterThan(2_000_000);
        await store.write([record]);
        expect(await store.get(record.id)).toStrictEqual(record);
      });

      it('returns null for an unknown id', async () => {
        await store.write([makeRecord()]);
        expect(await store.get('00000000-0000-7000-8000-000000000000')).toBeNull();
        expect(await store.get("' OR 1=1 --")).toBeNull();
      });

      it('accepts an empty batch', async () => {
        await store.write([]);
        expect((await store.list({})).records).toEqual([]);
      });

      it('is idempotent: a replayed record is neither duplicated nor overwritten', async () => {
        const first = makeRecord({ model: 'first' });
        const other = makeRecord();
        await store.write([first, other]);
        await store.write([first, { ...first, model: 'replayed' }, other]);
        await store.write([{ ...first, model: 'again' }]);
        const page = await store.list({});
        expect(page.records.map((record) => record.id)).toEqual(idsInOrder([first, other]));
        expect((await store.get(first.id))?.model).toBe('first');
      });

      it('keeps the first of two records with the same id in one batch', async () => {
        const record = makeRecord({ model: 'kept' });
        await store.write([record, { ...record, model: 'dropped' }]);
        expect(await store.get(record.id)).toStrictEqual(record);
        expect((await store.list({})).records).toHaveLength(1);
      });

      it('treats SQL-looking content as data', async () => {
        const hostile = "'); DELETE FROM llm_request_logs; --";
        const record = makeRecord({
          userId: hostile,
          model: `gpt" OR ""="`,
          tags: [hostile, '%', '_', '\\'],
          systemPrompt: 'SELECT * FROM sqlite_master; /* */ --',
          metadata: { [hostile]: hostile },
        });
        const bystander = makeRecord();
        await store.write([record, bystander]);
        expect(await store.get(record.id)).toStrictEqual(record);
        expect(await store.get(bystander.id)).toStrictEqual(bystander);
        expect(ids(await store.list({ userId: hostile }))).toEqual([record.id]);
        expect(ids(await store.list({ model: `gpt" OR ""="` }))).toEqual([record.id]);
        expect(ids(await store.list({ tags: ['%'] }))).toEqual([record.id]);
        expect(ids(await store.list({ tags: ['_', '\\'] }))).toEqual([record.id]);
        expect(ids(await store.list({ userId: "' OR '1'='1" }))).toEqual([]);
        expect(ids(await store.list({ tags: ["' OR 1=1 --"] }))).toEqual([]);
      });
    });

    describe('list', () => {
      let dataset: CallRecord[];

      beforeEach(async () => {
        dataset = buildDataset(240);
        await store.write(dataset);
      });

      const expectList = async (filter: CallFilter) => {
        const expected = idsInOrder(dataset.filter((record) => matchesFilter(record, filter)));
        const page = await store.list({ ...filter, limit: 1000 });
        expect(ids(page)).toEqual(expected);
        expect(page.nextCursor).toBeNull();
        return expected;
      };

      const singleFilters: Array<[string, CallFilter]> = [
        ['sessionId', { sessionId: 's-2' }],
        ['userId', { userId: 'u-1' }],
        ['userId with quotes', { userId: "x' OR '1'='1" }],
        ['tenantId', { tenantId: 't-2' }],
        ['traceId', { traceId: 'trace-7' }],
        ['requestId', { requestId: 'req-3' }],
        ['callType', { callType: 'EMBEDDING' }],
        ['callType list', { callType: ['EMBEDDING', 'RAG_QUERY'] }],
        ['status', { status: 'error' }],
        ['status list', { status: ['partial', 'cancelled'] }],
        ['costStatus', { costStatus: 'unpriced' }],
        ['costStatus list', { costStatus: ['priced', 'estimated'] }],
        ['provider', { provider: 'anthropic' }],
        ['provider list', { provider: ['anthropic', 'azure'] }],
        ['model', { model: 'gpt-4o' }],
        ['model with SQL', { model: "o'reilly; DROP TABLE llm_request_logs; --" }],
        ['model list', { model: ['gpt-4o', 'claude-3-5-sonnet'] }],
        ['one tag', { tags: ['prod'] }],
        ['tag with a quote', { tags: ["it's"] }],
        ['from', { from: at(2000) }],
        ['to', { to: at(3000) }],
        ['from and to as Date', { from: new Date(at(1000)), to: new Date(at(4000)) }],
      ];

      for (const [label, filter] of singleFilters) {
        it(`filters by ${label}`, async () => {
          const expected = await expectList(filter);
          // A filter that matches everything or nothing would prove little.
          expect(expected.length).toBeGreaterThan(0);
          expect(expected.length).toBeLessThan(dataset.length);
        });
      }

      it('returns everything without a filter, newest id first', async () => {
        expect((await expectList({})).length).toBe(dataset.length);
      });

      it('matches nothing for an empty list or an unknown value', async () => {
        expect(ids(await store.list({ model: [] }))).toEqual([]);
        expect(ids(await store.list({ userId: 'nobody' }))).toEqual([]);
        expect(ids(await store.list({ tags: ['no-such-tag'] }))).toEqual([]);
      });

      it('requires every listed tag (all-of, not any-of)', async () => {
        const both = await expectList({ tags: ['prod', 'eu'] });
        const prod = dataset.filter((record) => record.tags.includes('prod')).length;
        const eu = dataset.filter((record) => record.tags.includes('eu')).length;
        expect(both.length).toBeGreaterThan(0);
        expect(both.length).toBeLessThan(Math.min(prod, eu));
        for (const id of both) {
          const record = dataset.find((candidate) => candidate.id === id)!;
          expect(record.tags).toEqual(expect.arrayContaining(['prod', 'eu']));
        }
        await expectList({ tags: ['prod', 'eu', 'beta'] });
      });

      it('combines filters with AND', async () => {
        const combined: CallFilter[] = [
          { userId: 'u-1', status: 'success' },
          { provider: 'openai', model: ['gpt-4o', 'gpt-4o-mini'], tags: ['prod'], from: at(500) },
          { tenantId: 't-1', callType: ['CHAT', 'RAG_QUERY'], costStatus: 'priced', to: at(6000) },
          { sessionId: 's-1', userId: 'u-2', status: ['success', 'error'], from: at(100), to: at(8000) },
        ];
        for (const filter of combined) {
          const expected = await expectList(filter);
          expect(expected.length).toBeGreaterThan(0);
        }
      });

      it('treats from as inclusive and to as exclusive', async () => {
        const boundary = dataset[100]!.startedAt;
        const from = await expectList({ from: boundary });
        const to = await expectList({ to: boundary });
        expect(from).toContain(dataset[100]!.id);
        expect(to).not.toContain(dataset[100]!.id);
        expect(from.length + to.length).toBe(dataset.length);
        // Same instant written without milliseconds and as a Date.
        const withoutMillis = boundary.replace('.000Z', 'Z');
        expect(ids(await store.list({ from: withoutMillis, limit: 1000 }))).toEqual(from);
        expect(ids(await store.list({ to: new Date(boundary), limit: 1000 }))).toEqual(to);
        expect(ids(await store.list({ from: boundary, to: boundary }))).toEqual([]);
      });

      it('rejects an invalid date bound', async () => {
        await expect(store.list({ from: 'not a date' })).rejects.toThrow(/date/i);
      });

      for (const order of ['desc', 'asc'] as const) {
        it(`pages with a cursor, ${order}, without duplicates or gaps`, async () => {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.list({ limit: 17, order, cursor });
            expect(page.records.length).toBeLessThanOrEqual(17);
            seen.push(...ids(page));
            cursor = page.nextCursor ?? undefined;
            if (cursor !== undefined) expect(cursor).toBe(page.records.at(-1)!.id);
            pages += 1;
            // A store whose pages never end must fail here, not hang.
          } while (cursor !== undefined && pages <= dataset.length);
          expect(pages).toBe(Math.ceil(dataset.length / 17));
          expect(seen).toEqual(idsInOrder(dataset, order));
        });

        it(`pages a filtered list, ${order}`, async () => {
          const filter: CallFilter = { provider: 'openai', status: ['success', 'partial'] };
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.list({ ...filter, limit: 9, order, cursor });
            seen.push(...ids(page));
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined && seen.length <= dataset.length);
          expect(seen).toEqual(
            idsInOrder(
              dataset.filter((record) => matchesFilter(record, filter)),
              order,
            ),
          );
        });
      }

      it('ends with a null cursor when the last page is exactly full', async () => {
        const first = await store.list({ limit: 120 });
        expect(first.records).toHaveLength(120);
        expect(first.nextCursor).not.toBeNull();
        const second = await store.list({ limit: 120, cursor: first.nextCursor! });
        expect(second.records).toHaveLength(120);
        expect(second.nextCursor).toBeNull();
      });

      it('returns full records', async () => {
        const page = await store.list({ limit: 5 });
        const byId = new Map(dataset.map((record) => [record.id, record]));
        for (const record of page.records) expect(record).toStrictEqual(byId.get(record.id));
      });
    });

    it('clamps the limit to 1..1000 and defaults to 50', async () => {
      const records = Array.from({ length: 1005 }, () => makeRecord());
      await store.write(records);
      const size = async (limit: number | undefined) => (await store.list({ limit })).records.length;
      expect(await size(undefined)).toBe(50);
      expect(await size(0)).toBe(1);
      expect(await size(-5)).toBe(1);
      expect(await size(2.7)).toBe(2);
      expect(await size(Number.NaN)).toBe(50);
      expect(await size(5000)).toBe(1000);
      expect(await size(1000)).toBe(1000);
      const capped = await store.list({ limit: 5000 });
      expect(capped.nextCursor).toBe(capped.records.at(-1)!.id);
    });

    describe('byTrace', () => {
      it('returns the calls of one trace by start time, then id, with parent links', async () => {
        const root = makeRecord({ traceId: 'trace-a', startedAt: at(10) });
        const childLate = makeRecord({ traceId: 'trace-a', parentId: root.id, startedAt: at(12) });
        const childEarly = makeRecord({ traceId: 'trace-a', parentId: root.id, startedAt: at(11) });
        const twinB = makeRecord({ traceId: 'trace-a', parentId: childEarly.id, startedAt: at(11) });
        const twinA = makeRecord({ traceId: 'trace-a', parentId: childEarly.id, startedAt: at(11) });
        const elsewhere = makeRecord({ traceId: 'trace-b', startedAt: at(11) });
        // Written out of order, in two batches.
        await store.write([childLate, twinB, elsewhere]);
        await store.write([twinA, root, childEarly]);
        const trace = await store.byTrace('trace-a');
        const expected = [root, childEarly, twinA, twinB, childLate].sort((a, b) =>
          a.startedAt === b.startedAt ? (a.id < b.id ? -1 : 1) : a.startedAt < b.startedAt ? -1 : 1,
        );
        expect(trace.map((record) => record.id)).toEqual(expected.map((record) => record.id));
        expect(trace[0]!.id).toBe(root.id);
        expect(trace.at(-1)!.id).toBe(childLate.id);
        expect(trace.find((record) => record.id === twinA.id)!.parentId).toBe(childEarly.id);
        expect(trace).toStrictEqual(expected);
        expect(await store.byTrace('trace-b')).toStrictEqual([elsewhere]);
        expect(await store.byTrace('no-such-trace')).toEqual([]);
      });
    });

    describe('summary', () => {
      let dataset: CallRecord[];

      beforeEach(async () => {
        dataset = buildDataset(300);
        await store.write(dataset);
      });

      for (const key of GROUP_KEYS) {
        it(`groups by ${key}`, async () => {
          const rows = await store.summary({ groupBy: [key] });
          const expected = expectedSummary(dataset, [key]);
          expect(expected.length).toBeGreaterThan(1);
          expectSummary(rows, expected);
        });
      }

      const combinations: GroupKey[][] = [
        ['model', 'day'],
        ['user', 'status', 'hour'],
        ['tenant', 'session'],
        ['provider', 'callType', 'model'],
      ];
      for (const keys of combinations) {
        it(`groups by ${keys.join(' + ')}`, async () => {
          expectSummary(await store.summary({ groupBy: keys }), expectedSummary(dataset, keys));
        });
      }

      it('totals everything without groupBy', async () => {
        const rows = await store.summary({});
        expect(rows).toHaveLength(1);
        expect(rows[0]!.group).toEqual({});
        expect(rows[0]!.calls).toBe(dataset.length);
        expectSummary(rows, expectedSummary(dataset, []));
      });

      it('applies where, from and to', async () => {
        const where: CallFilter = { provider: ['openai', 'azure'], tags: ['prod'] };
        const rows = await store.summary({ groupBy: ['model'], where, from: at(1000), to: at(9000) });
        expectSummary(rows, expectedSummary(dataset, ['model'], { ...where, from: at(1000), to: at(9000) }));
        // Top-level bounds win over those in where.
        const overridden = await store.summary({ where: { from: at(0), to: at(100) }, from: at(2000) });
        expectSummary(overridden, expectedSummary(dataset, [], { from: at(2000), to: at(100) }));
        expect(overridden).toEqual([]);
      });

      it('returns no rows when nothing matches', async () => {
        expect(await store.summary({ where: { userId: 'nobody' } })).toEqual([]);
        expect(await store.summary({ groupBy: ['model'], where: { userId: 'nobody' } })).toEqual([]);
      });

      it('counts errors and unpriced calls, and leaves unknown costs out of the sum', async () => {
        const rows = await store.summary({ groupBy: ['status'] });
        const errors = dataset.filter((record) => record.status === 'error');
        const errorRow = rows.find((row) => row.group.status === 'error')!;
        expect(errorRow.errors).toBe(errors.length);
        expect(rows.filter((row) => row.group.status !== 'error').every((row) => row.errors === 0)).toBe(true);
        const total = await store.summary({});
        const unpriced = dataset.filter((record) => record.cost?.status === 'unpriced').length;
        expect(unpriced).toBeGreaterThan(0);
        expect(total[0]!.unpricedCalls).toBe(unpriced);
        // Calls without any cost object are neither priced nor unpriced.
        expect(dataset.some((record) => record.cost === null)).toBe(true);
      });
    });

    it('sums costs exactly', async () => {
      const amounts = ['0.00000015', '0.0000003', '0.1', '0.2', '1.000000000000000001', '12.5'];
      const records = Array.from({ length: 10_000 }, (_, index) =>
        makeRecord({ cost: makeCost(amounts[index % amounts.length]!), startedAt: at(index % 1440) }),
      );
      await store.write(records);
      const [row] = await store.summary({});
      const expected = exactSum(records.map((record) => record.cost!.total!));
      expect(row!.cost).toBe(expected);
      // Binary floating point would have lost digits.
      const floating = records.reduce((total, record) => total + Number(record.cost!.total), 0);
      expect(String(floating)).not.toBe(expected);
      const perDay = await store.summary({ groupBy: ['hour'] });
      expect(exactSum(perDay.map((hour) => hour.cost))).toBe(expected);
    });

    it('sums 10,000 identical tiny amounts without drift', async () => {
      const records = Array.from({ length: 10_000 }, () => makeRecord({ cost: makeCost('0.00000015') }));
      await store.write(records);
      expect((await store.summary({}))[0]!.cost).toBe('0.0015');
    });

    it('computes latency average and percentiles by linear interpolation', async () => {
      const latencies = [40, 10, 30, 20];
      await store.write(latencies.map((latencyMs) => makeRecord({ latencyMs })));
      const [row] = await store.summary({});
      // Sorted 10, 20, 30, 40: p50 sits halfway between 20 and 30, p95 at 2.85 of 3 steps.
      expect(row!.latencyMs).toEqual({ avg: 25, p50: 25, p95: 38.5 });
    });

    it('computes percentiles per group like an independent implementation', async () => {
      const random = seeded(7);
      const records = Array.from({ length: 401 }, (_, index) =>
        makeRecord({
          model: `m-${index % 3}`,
          latencyMs: Math.round(random() * 5_000_000) / 1000,
        }),
      );
      await store.write(records);
      const rows = await store.summary({ groupBy: ['model'] });
      expect(rows.map((row) => row.group.model)).toEqual(['m-0', 'm-1', 'm-2']);
      for (const row of rows) {
        const latencies = records.filter((record) => record.model === row.group.model).map((r) => r.latencyMs);
        expect(row.latencyMs.p50).toBeCloseTo(expectedPercentile(latencies, 0.5), 9);
        expect(row.latencyMs.p95).toBeCloseTo(expectedPercentile(latencies, 0.95), 9);
        expect(row.latencyMs.avg).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 9);
      }
    });

    describe('updateCosts', () => {
      it('replaces costs, keeps the old ones in history, and skips unknown ids', async () => {
        const priced = makeRecord({ cost: makeCost('0.5') });
        const unknownCost = makeRecord({ cost: null });
        const untouched = makeRecord({ cost: makeCost('0.25') });
        await store.write([priced, unknownCost, untouched]);

        const repriced = makeCost('0.45', { pricingVersion: 'test-prices@2025-04-01' });
        const count = await store.updateCosts([
          { id: priced.id, cost: repriced },
          { id: unknownCost.id, cost: makeCost(null) },
          { id: 'no-such-id', cost: makeCost('1') },
        ]);
        expect(count).toBe(2);

        expect(await store.get(priced.id)).toStrictEqual({ ...priced, cost: repriced, costHistory: [priced.cost] });
        expect(await store.get(unknownCost.id)).toStrictEqual({ ...unknownCost, cost: makeCost(null) });
        expect(await store.get(untouched.id)).toStrictEqual(untouched);

        const again = makeCost('0.4');
        expect(await store.updateCosts([{ id: priced.id, cost: again }])).toBe(1);
        expect((await store.get(priced.id))!.costHistory).toStrictEqual([priced.cost, repriced]);
        expect((await store.get(priced.id))!.cost).toStrictEqual(again);

        expect(await store.updateCosts([{ id: priced.id, cost: null }])).toBe(1);
        const cleared = (await store.get(priced.id))!;
        expect(cleared.cost).toBeNull();
        expect(cleared.costHistory).toStrictEqual([priced.cost, repriced, again]);

        const [row] = await store.summary({});
        expect(row!.cost).toBe('0.25');
        expect(row!.unpricedCalls).toBe(1);
        expect(await store.updateCosts([])).toBe(0);
      });
    });

    describe('close', () => {
      it('is idempotent and makes every method fail with a non-retryable StoreError', async () => {
        const record = makeRecord();
        await store.write([record]);
        await store.close();
        await store.close();
        const attempts: Array<[string, () => Promise<unknown>]> = [
          ['write', () => store.write([makeRecord()])],
          ['get', () => store.get(record.id)],
          ['list', () => store.list({})],
          ['byTrace', () => store.byTrace(record.traceId)],
          ['summary', () => store.summary({})],
          ['updateCosts', () => store.updateCosts([{ id: record.id, cost: null }])],
        ];
        for (const [method, attempt] of attempts) {
          const error = await attempt().then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error, method).toBeInstanceOf(StoreError);
          expect((error as StoreError).retryable, method).toBe(false);
          expect((error as StoreError).code, method).toBe('STORE_ERROR');
        }
      });
    });
  });
}

function ids(page: { records: CallRecord[] }): string[] {
  return page.records.map((record) => record.id);
}

/** Exact on counts, tokens, cost and order; latency within float rounding of the other formula. */
function expectSummary(actual: SummaryRow[], expected: SummaryRow[]): void {
  expect(actual.map((row) => row.group)).toEqual(expected.map((row) => row.group));
  actual.forEach((row, index) => {
    const wanted = expected[index]!;
    const { latencyMs, ...exact } = row;
    const { latencyMs: wantedLatency, ...wantedExact } = wanted;
    expect(exact).toEqual(wantedExact);
    expect(latencyMs.avg).toBeCloseTo(wantedLatency.avg, 9);
    expect(latencyMs.p50).toBeCloseTo(wantedLatency.p50, 9);
    expect(latencyMs.p95).toBeCloseTo(wantedLatency.p95, 9);
  });
}

/** A deterministic generator, so that a failure can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Varied records: every filter value matches some of them and misses others. */
export function buildDataset(size: number, seed = 42): CallRecord[] {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const tagPool = ['prod', 'beta', 'eu', "it's", 'batch'];
  const records: CallRecord[] = [];
  for (let index = 0; index < size; index++) {
    const input = Math.floor(random() * 5000);
    const output = Math.floor(random() * 800);
    const cacheRead = Math.floor(random() * input * 0.5);
    const reasoning = Math.floor(random() * output * 0.3);
    const costKind = pick(['priced', 'priced', 'priced', 'estimated', 'unpriced', 'none'] as const);
    const amount = `0.${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
    records.push(
      makeRecord({
        traceId: `trace-${Math.floor(index / 3)}`,
        sessionId: pick([null, 's-1', 's-2', 's-3']),
        userId: pick([null, 'u-1', 'u-2', "x' OR '1'='1"]),
        tenantId: pick([null, 't-1', 't-2']),
        requestId: pick([null, 'req-1', 'req-2', 'req-3']),
        callType: pick(['CHAT', 'CHAT', 'EMBEDDING', 'RAG_QUERY']),
        provider: pick(['openai', 'openai', 'anthropic', 'azure']),
        model: pick(['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', "o'reilly; DROP TABLE llm_request_logs; --"]),
        tags: tagPool.filter(() => random() < 0.4),
        status: pick(['success', 'success', 'success', 'error', 'partial', 'cancelled'] as const),
        tokens: { input, output, total: input + output, cacheRead, cacheWrite: 0, reasoning },
        cost:
          costKind === 'none'
            ? null
            : costKind === 'unpriced'
              ? makeCost(null)
              : makeCost(amount, { status: costKind }),
        startedAt: at(index * 37 + Math.floor(random() * 30)),
        latencyMs: Math.round(random() * 30_000_000) / 1000,
      }),
    );
  }
  return records;
}

/** Every text hazard at once: tools, tool calls, scripts, SQL, control characters, nesting. */
function richRecord(): CallRecord {
  return makeRecord({
    parentId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    sessionId: 'session-😀',
    userId: 'user-漢字',
    tenantId: 'tenant <b>bold</b>',
    requestId: 'req_123',
    callType: 'RAG_SYNTHESIS',
    tags: ['prod', 'ünïcödé', '日本語', "it's", ''],
    metadata: {
      nested: { deeper: { list: [1, 2.5, -3, true, null, 'x'], empty: {} } },
      html: '<script>alert("xss")</script>&amp;',
      sql: "Robert'); DROP TABLE llm_request_logs;--",
      control: '\u0000\u0001\u0007\b\f\u001b\u007f',
      big: 9007199254740991,
      tiny: 1e-300,
    },
    provider: 'anthropic',
    model: 'claude-3-5-sonnet-20241022',
    systemPrompt: 'Réponds en français. 答えは日本語で。 Emoji: 👩‍👩‍👧‍👦 🇫🇷\nLine\ttab\r\n\u2028\u2029',
    messages: [
      { role: 'user', content: 'What is 2+2? <b>bold</b> & "quotes" \\ backslash' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }],
      },
      { role: 'tool', toolCallId: 'call_1', content: '4' },
      { role: 'user', content: [{ type: 'text', text: "SELECT * FROM users WHERE name = 'x' OR 1=1;" }] },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'add',
          description: 'Adds two numbers',
          parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
        },
      },
    ],
    toolChoice: { type: 'function', function: { name: 'add' } },
    params: { temperature: 0.7, maxTokens: 1024, topP: 0.95, stop: ['\n\n', 'END'], seed: 42, custom: { x: 1 } },
    responseModel: 'claude-3-5-sonnet-20241022',
    responseMessage: {
      role: 'assistant',
      content: '2 + 2 = 4 ✅',
      toolCalls: [{ id: 'call_2', type: 'function', function: { name: 'noop', arguments: '{}' } }],
    },
    finishReason: 'tool_calls',
    tokens: {
      input: 1200,
      output: 350,
      total: 1550,
      cacheRead: 1000,
      cacheWrite: 100,
      reasoning: 50,
      cacheWrite1h: 40,
      inputImage: 3,
    },
    tokenSource: 'tokenizer',
    cost: makeCost('0.000123456789', {
      breakdown: { input: '0.0000001', cacheRead: '0.00003', output: '0.000093356789' },
      status: 'estimated',
    }),
    costHistory: [makeCost('0.0002', { pricingVersion: 'old-prices' })],
    startedAt: '2025-03-02T23:59:59.999Z',
    endedAt: '2025-03-03T00:00:01.234Z',
    latencyMs: 1234.567,
    ttftMs: 88.125,
    requestMode: 'streaming',
    streamed: true,
    partial: true,
    status: 'partial',
    errorType: 'StreamInterrupted',
    errorMessage: 'stream ended early: "connection reset" <eof>',
    httpStatus: 529,
    retryAfterMs: 1500,
  });
}
