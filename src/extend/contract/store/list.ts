import type { CallRecord } from '../../../core/record.js';
import type { CallFilter, Store } from '../../../core/store.js';
import { at, makeRecord } from '../records.js';
import { buildDataset } from './data.js';
import { ids, idsInOrder, matchesFilter } from './expectations.js';
import type { ContractTestApi } from '../test-api.js';

/** list: every filter, date bounds, keyset pagination both ways, limit clamping. */
export function describeListContract(t: ContractTestApi, current: () => Store): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
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
}
