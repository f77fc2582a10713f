import type { CallRecord } from '../../../core/record.js';
import { GROUP_KEYS, type CallFilter, type GroupKey, type Store } from '../../../core/store.js';
import { at, makeCost, makeRecord } from '../records.js';
import { buildDataset, seeded } from './data.js';
import { exactSum, expectedPercentile, expectedSummary, expectLatency, expectSummary } from './expectations.js';
import type { ContractTestApi } from '../test-api.js';

/**
 * summary: every group key and combinations, exact cost sums, percentiles (exact, or within
 * `tolerance` for stores that estimate them from rollup histograms).
 */
export function describeSummaryContract(t: ContractTestApi, current: () => Store, tolerance = 0): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
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
        expectSummary(expect, rows, expected, tolerance);
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
        expectSummary(expect, await store.summary({ groupBy: keys }), expectedSummary(dataset, keys), tolerance);
      });
    }

    it('totals everything without groupBy', async () => {
      const rows = await store.summary({});
      expect(rows).toHaveLength(1);
      expect(rows[0]!.group).toEqual({});
      expect(rows[0]!.calls).toBe(dataset.length);
      expectSummary(expect, rows, expectedSummary(dataset, []), tolerance);
    });

    it('applies where, from and to', async () => {
      const where: CallFilter = { provider: ['openai', 'azure'], tags: ['prod'] };
      const rows = await store.summary({ groupBy: ['model'], where, from: at(1000), to: at(9000) });
      expectSummary(
        expect,
        rows,
        expectedSummary(dataset, ['model'], { ...where, from: at(1000), to: at(9000) }),
        tolerance,
      );
      // Top-level bounds win over those in where.
      const overridden = await store.summary({ where: { from: at(0), to: at(100) }, from: at(2000) });
      expectSummary(expect, overridden, expectedSummary(dataset, [], { from: at(2000), to: at(100) }), tolerance);
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
    if (tolerance === 0) expect(row!.latencyMs).toEqual({ avg: 25, p50: 25, p95: 38.5 });
    else expectLatency(expect, row!.latencyMs, { avg: 25, p50: 25, p95: 38.5 }, tolerance);
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
      const exact = {
        avg: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        p50: expectedPercentile(latencies, 0.5),
        p95: expectedPercentile(latencies, 0.95),
      };
      expectLatency(expect, row.latencyMs, exact, tolerance);
    }
  });
}
