import type { CallRecord } from '../../../core/record.js';
import type { CallFilter, GroupKey, Store, SummaryRankKey, SummaryRow } from '../../../core/store.js';
import { at, makeCost, makeRecord } from '../records.js';
import { buildDataset } from './data.js';
import { expectedSummary, expectSummary } from './expectations.js';
import type { ContractTestApi } from '../test-api.js';

const RANK_KEYS: readonly SummaryRankKey[] = ['cost', 'calls', 'tokens', 'errors'];

/** Plain decimal strings compared exactly (by digits, not as floats). */
function compareAmounts(a: string, b: string): number {
  const scaled = (amount: string) => {
    const negative = amount.startsWith('-');
    const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
    const units = BigInt(whole + fraction.padEnd(40, '0'));
    return negative ? -units : units;
  };
  const [x, y] = [scaled(a), scaled(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function figure(row: SummaryRow, by: SummaryRankKey): number {
  return by === 'calls' ? row.calls : by === 'errors' ? row.errors : row.tokens.total;
}

/** The documented ranking, from the full expected summary: largest first, ties in group order. */
export function expectedTop(
  records: readonly CallRecord[],
  keys: readonly GroupKey[],
  by: SummaryRankKey,
  limit: number,
  filter: CallFilter = {},
): SummaryRow[] {
  const inGroupOrder = expectedSummary(records, keys, filter);
  const position = new Map(inGroupOrder.map((row, index) => [row, index]));
  return [...inGroupOrder]
    .sort(
      (a, b) =>
        (by === 'cost' ? compareAmounts(b.cost, a.cost) : figure(b, by) - figure(a, by)) ||
        position.get(a)! - position.get(b)!,
    )
    .slice(0, limit);
}

/**
 * summary({ top }): the N largest groups by cost, calls, tokens or errors, each row exactly the
 * unranked summary's row for its group, whatever shortcut the store takes to find them.
 */
export function describeRankedSummaryContract(t: ContractTestApi, current: () => Store, tolerance = 0): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('summary with top', () => {
    let dataset: CallRecord[];

    beforeEach(async () => {
      dataset = buildDataset(300);
      await store.write(dataset);
    });

    for (const by of RANK_KEYS) {
      for (const key of ['user', 'tenant', 'model', 'session', 'day'] as const) {
        it(`ranks groups by ${key} by ${by}`, async () => {
          const rows = await store.summary({ groupBy: [key], top: { by, limit: 2 } });
          const expected = expectedTop(dataset, [key], by, 2);
          expect(expected).toHaveLength(2);
          expectSummary(expect, rows, expected, tolerance);
        });
      }
    }

    it('ranks by several keys', async () => {
      const rows = await store.summary({ groupBy: ['user', 'status'], top: { by: 'cost', limit: 3 } });
      expectSummary(expect, rows, expectedTop(dataset, ['user', 'status'], 'cost', 3), tolerance);
    });

    it('returns every group, ranked, when the limit exceeds their number', async () => {
      const rows = await store.summary({ groupBy: ['user'], top: { by: 'cost', limit: 1000 } });
      const expected = expectedTop(dataset, ['user'], 'cost', 1000);
      expect(expected.length).toBe(expectedSummary(dataset, ['user']).length);
      // The calls without a user are one group, ranked like the others.
      expect(expected.some((row) => row.group.user === null)).toBe(true);
      expectSummary(expect, rows, expected, tolerance);
    });

    it('applies where, from and to before ranking', async () => {
      const where: CallFilter = { provider: ['openai', 'azure'], tags: ['prod'] };
      const rows = await store.summary({
        groupBy: ['user'],
        where,
        from: at(1000),
        to: at(9000),
        top: { by: 'calls', limit: 2 },
      });
      const expected = expectedTop(dataset, ['user'], 'calls', 2, { ...where, from: at(1000), to: at(9000) });
      expectSummary(expect, rows, expected, tolerance);
      const single = await store.summary({
        groupBy: ['user'],
        where: { userId: 'u-2' },
        top: { by: 'cost', limit: 3 },
      });
      expectSummary(expect, single, expectedTop(dataset, ['user'], 'cost', 3, { userId: 'u-2' }), tolerance);
      const none = await store.summary({
        groupBy: ['tenant'],
        where: { tenantId: null },
        top: { by: 'cost', limit: 3 },
      });
      expectSummary(expect, none, expectedTop(dataset, ['tenant'], 'cost', 3, { tenantId: null }), tolerance);
      expect(
        await store.summary({ groupBy: ['user'], where: { userId: 'nobody' }, top: { by: 'cost', limit: 3 } }),
      ).toEqual([]);
    });
  });

  it('breaks ties by group value, the group without a value last', async () => {
    const records = ['b', 'a', null, 'c', 'd'].flatMap((userId, index) =>
      Array.from({ length: index === 4 ? 1 : 2 }, () => makeRecord({ userId, cost: makeCost('0.25') })),
    );
    await store.write(records);
    for (const by of RANK_KEYS) {
      const rows = await store.summary({ groupBy: ['user'], top: { by, limit: 3 } });
      expectSummary(expect, rows, expectedTop(records, ['user'], by, 3), tolerance);
    }
    const withNull = await store.summary({ groupBy: ['user'], top: { by: 'calls', limit: 4 } });
    expect(withNull.map((row) => row.group.user)).toEqual(['a', 'b', 'c', null]);
  });

  it('ranks the calls without a value as a group', async () => {
    const records = [
      ...Array.from({ length: 3 }, () => makeRecord({ userId: null, cost: makeCost('1') })),
      makeRecord({ userId: 'u-1', cost: makeCost('0.5') }),
      makeRecord({ userId: 'u-2', cost: makeCost('0.75') }),
    ];
    await store.write(records);
    const rows = await store.summary({ groupBy: ['user'], top: { by: 'cost', limit: 2 } });
    expect(rows.map((row) => row.group.user)).toEqual([null, 'u-2']);
    expectSummary(expect, rows, expectedTop(records, ['user'], 'cost', 2), tolerance);
  });

  it('ranks costs exactly where floating point cannot tell them apart', async () => {
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point; 0.3 + 1e-18 rounds to 0.3.
    const cost = (userId: string, amounts: string[]) =>
      amounts.map((amount) => makeRecord({ userId, cost: makeCost(amount) }));
    const records = [
      ...cost('sum-of-tenths', ['0.1', '0.2']),
      ...cost('three-tenths', ['0.3']),
      ...cost('a-hair-more', ['0.3', '0.000000000000000001']),
      ...Array.from({ length: 20 }, (_, index) => cost(`small-${index}`, ['0.29'])).flat(),
    ];
    await store.write(records);
    const rows = await store.summary({ groupBy: ['user'], top: { by: 'cost', limit: 2 } });
    expect(rows.map((row) => [row.group.user, row.cost])).toEqual([
      ['a-hair-more', '0.300000000000000001'],
      ['sum-of-tenths', '0.3'],
    ]);
    expectSummary(expect, rows, expectedTop(records, ['user'], 'cost', 2), tolerance);
  });

  it('ranks by the exact cost when stored costs are malformed', async () => {
    // PostgreSQL's NUMERIC column refuses such a row at write; the other stores must rank it exactly.
    if (store.kind === 'postgres') return;
    const records = [
      // Read as a number, '9abc' would be 9; it is no decimal, so it is left out of the sum.
      makeRecord({ userId: 'odd', cost: makeCost('0.5', { total: '9abc' }) }),
      makeRecord({ userId: 'odd', cost: makeCost('0.1') }),
      makeRecord({ userId: 'negative', cost: makeCost('-2') }),
      makeRecord({ userId: 'negative', cost: makeCost('3') }),
      makeRecord({ userId: 'plain', cost: makeCost('0.5') }),
      ...Array.from({ length: 5 }, (_, index) => makeRecord({ userId: `p-${index}`, cost: makeCost('0.2') })),
    ];
    await store.write(records);
    const rows = await store.summary({ groupBy: ['user'], top: { by: 'cost', limit: 3 } });
    expect(rows.map((row) => [row.group.user, row.cost])).toEqual([
      ['negative', '1'],
      ['plain', '0.5'],
      ['p-0', '0.2'],
    ]);
    const odd = await store.summary({ groupBy: ['user'], top: { by: 'cost', limit: 100 } });
    const oddRow = odd.find((row) => row.group.user === 'odd')!;
    expect(oddRow.cost).toBe('0.1');
    expect(oddRow.malformedRows?.count).toBe(1);
    expect(odd.map((row) => row.group)).toEqual(
      (await store.summary({ groupBy: ['user'] }))
        .sort((a, b) => compareAmounts(b.cost, a.cost) || (a.group.user! < b.group.user! ? -1 : 1))
        .map((row) => row.group),
    );
  });

  it('rejects a malformed ranking', async () => {
    await store.write([makeRecord({ userId: 'u-1' })]);
    const bad: unknown[] = [
      { by: 'cost', limit: 0 },
      { by: 'cost', limit: 1.5 },
      { by: 'cost', limit: 1001 },
      { by: 'latency', limit: 5 },
      { by: 'cost', limit: 5, offset: 1 },
    ];
    for (const top of bad) {
      await expect(store.summary({ groupBy: ['user'], top: top as never })).rejects.toThrow(/top/);
    }
    await expect(store.summary({ top: { by: 'cost', limit: 5 } })).rejects.toThrow(/groupBy/);
  });
}
