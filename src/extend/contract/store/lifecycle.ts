import { StoreError } from '../../../core/errors.js';
import type { Store } from '../../../core/store.js';
import { at, makeCost, makeRecord } from '../records.js';
import type { ContractTestApi } from '../test-api.js';

/** byTrace, updateCosts (repricing with history) and close. */
export function describeLifecycleContract(t: ContractTestApi, current: () => Store): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
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
}
