import type { CallRecord } from '../../../core/record.js';
import type { CallFilter, GroupKey, Store } from '../../../core/store.js';
import { makeCost } from '../records.js';
import { buildDataset, seeded } from './data.js';
import { exactParts, expectedSummary, expectSummary } from './expectations.js';
import type { ContractTestApi } from '../test-api.js';

/**
 * Summaries a store may answer from rollup tables must equal the scan: counts, errors, every token
 * bucket, cost and unpriced calls exactly, percentiles within `tolerance`, after replays,
 * repricing and purges too. A bound inside an hour (or a filter no rollup has) forces the scan.
 */
export function describeRollupContract(t: ContractTestApi, current: () => Store, tolerance: number): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  const groupings: GroupKey[][] = [
    [],
    ['model'],
    ['day'],
    ['hour'],
    ['model', 'day'],
    ['user', 'tenant'],
    ['user'],
    ['tenant'],
    ['tenant', 'day'],
    ['day', 'user'],
    ['provider', 'callType', 'status'],
    ['user', 'hour'],
    ['tenant', 'model', 'day'],
    ['status', 'model', 'provider', 'callType', 'user', 'tenant', 'hour'],
  ];
  const filters: CallFilter[] = [
    {},
    { model: ['gpt-4o', 'claude-3-5-sonnet'] },
    { userId: 'u-1' },
    // Untyped callers may pass null: "no user".
    { userId: null as unknown as string, tenantId: 't-2' },
    { status: ['error', 'success'], provider: 'openai' },
    { costStatus: 'unpriced' },
    { costStatus: ['priced', 'estimated'], callType: 'CHAT' },
    { model: [] },
    { from: '2025-03-03T00:00:00.000Z', to: '2025-03-09T05:00:00.000Z' },
    // On midnights: the daily tables (by tenant and by user too) can apply them.
    { from: '2025-03-03T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z' },
    { tenantId: 't-1', from: '2025-03-02T00:00:00.000Z' },
    { tenantId: null as unknown as string, to: '2025-03-05T00:00:00.000Z' },
    // A user or tenant given as a list: any of them, and an empty list matches nothing.
    { tenantId: ['t-1', 't-2'] },
    { userId: ['u-1', "x' OR '1'='1"] },
    { tenantId: ['t-2'], userId: ['u-2'] },
    { tenantId: [] },
    { userId: [], from: '2025-03-03T00:00:00.000Z' },
  ];

  /** The same filter with a from bound one millisecond inside an hour: the store must scan. */
  function scanning(where: CallFilter): CallFilter {
    const from = where.from === undefined ? '1970-01-01T00:00:00.000Z' : String(where.from);
    // Records start on whole minutes, so the last millisecond before `from` holds none of them.
    return { ...where, from: new Date(Date.parse(from) - 1).toISOString() };
  }

  async function expectAllSummaries(records: readonly CallRecord[], groups = groupings, where = filters) {
    for (const filter of where) {
      for (const groupBy of groups) {
        const label = JSON.stringify({ groupBy, filter });
        const expected = expectedSummary(records, groupBy, filter);
        const fast = await store.summary({ groupBy, where: filter });
        const scanned = await store.summary({ groupBy, where: scanning(filter) });
        expect(exactParts(fast), label).toEqual(exactParts(expected));
        expect(exactParts(scanned), label).toEqual(exactParts(fast));
        expectSummary(expect, fast, expected, tolerance);
        expectSummary(expect, scanned, expected, tolerance);
      }
    }
  }

  describe('summaries that rollups can answer', () => {
    it('equal the scan and the expected values on random data, for many groupings and filters', async () => {
      const dataset = buildDataset(600, 99);
      await store.write(dataset.slice(0, 250));
      await store.write(dataset.slice(250));
      await expectAllSummaries(dataset);
    });

    it('never count a replayed record twice', async () => {
      const dataset = buildDataset(200, 5);
      await store.write(dataset.slice(0, 120));
      await store.write(dataset.slice(80)); // overlaps the first batch
      await store.write([...dataset.slice(10, 20), ...dataset.slice(10, 20), { ...dataset[0]!, model: 'replayed' }]);
      await store.write(dataset);
      await expectAllSummaries(
        dataset,
        [['model', 'day'], [], ['user', 'status'], ['user'], ['tenant', 'day']],
        [{}, { costStatus: 'priced' }, { userId: 'u-2' }],
      );
    });

    it('stay right after repricing, including status changes and cleared costs', async () => {
      const dataset = buildDataset(300, 11);
      await store.write(dataset);
      const random = seeded(3);
      const updated = dataset.map((record, index): CallRecord => {
        if (index % 3 !== 0) return record;
        const choice = Math.floor(random() * 4);
        const amount = `1.${String(Math.floor(random() * 1e12)).padStart(12, '0')}`;
        const cost =
          choice === 0
            ? null
            : choice === 1
              ? makeCost(null)
              : makeCost(amount, { status: choice === 2 ? 'priced' : 'estimated' });
        return { ...record, cost };
      });
      const updates = updated.filter((_record, index) => index % 3 === 0).map(({ id, cost }) => ({ id, cost }));
      expect(await store.updateCosts([...updates, { id: 'no-such-id', cost: null }])).toBe(updates.length);
      await expectAllSummaries(
        updated,
        [['model', 'day'], [], ['user', 'tenant'], ['hour'], ['user'], ['tenant', 'day']],
        filters.slice(0, 7),
      );
      // Repricing twice, back to the original costs, leaves the rollups as they were first.
      await store.updateCosts(
        dataset.filter((_record, index) => index % 3 === 0).map(({ id, cost }) => ({ id, cost })),
      );
      await expectAllSummaries(
        dataset,
        [['model', 'day'], ['status', 'user'], ['tenant'], ['user']],
        [{}, { costStatus: 'unpriced' }],
      );
    });

    it('stay right after purges inside an hour and on an hour', async () => {
      if (store.purge === undefined) return;
      const dataset = buildDataset(300, 21);
      await store.write(dataset);
      const inside = '2025-03-03T10:17:30.000Z';
      const purged = dataset.filter((record) => record.startedAt < inside).length;
      expect(purged).toBeGreaterThan(0);
      expect(await store.purge(inside, { dryRun: true })).toBe(purged);
      expect(await store.purge(inside)).toBe(purged);
      let remaining = dataset.filter((record) => record.startedAt >= inside);
      await expectAllSummaries(
        remaining,
        [['model', 'hour'], [], ['user', 'day'], ['tenant']],
        [{}, { userId: 'u-2' }, { tenantId: 't-2' }],
      );
      const onHour = '2025-03-05T00:00:00.000Z';
      await store.purge(new Date(onHour));
      remaining = remaining.filter((record) => record.startedAt >= onHour);
      await expectAllSummaries(remaining, [['model', 'hour'], [], ['user'], ['tenant', 'day']], [{}]);
      await store.write(dataset); // the purged calls come back as new calls
      await expectAllSummaries(dataset, [['model', 'day'], [], ['user'], ['tenant']], [{}]);
    });
  });

  it('answers filters and groups no rollup has by scanning', async () => {
    const dataset = buildDataset(300, 8);
    await store.write(dataset);
    const cases: Array<{ groupBy: GroupKey[]; where: CallFilter }> = [
      { groupBy: ['session'], where: {} },
      { groupBy: ['model'], where: { sessionId: 's-1' } },
      { groupBy: ['day'], where: { traceId: 'trace-4' } },
      { groupBy: [], where: { requestId: 'req-2' } },
      { groupBy: ['user'], where: { tags: ['prod'] } },
      { groupBy: ['model'], where: { from: '2025-03-02T10:30:00.000Z', to: '2025-03-06T00:00:00.001Z' } },
    ];
    for (const { groupBy, where } of cases) {
      expectSummary(
        expect,
        await store.summary({ groupBy, where }),
        expectedSummary(dataset, groupBy, where),
        tolerance,
      );
    }
  });
}
