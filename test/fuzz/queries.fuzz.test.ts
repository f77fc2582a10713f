import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { isLedgerError, ValidationError } from '../../src/core/errors.js';
import { compareDecimal, parseDecimal } from '../../src/core/money.js';
import type { CallRecord } from '../../src/core/record.js';
import type { CallFilter, GroupKey, SummaryRow } from '../../src/core/store.js';
import { exactParts, expectedSummary } from '../../src/extend/contract/store/expectations.js';
import { planRollup } from '../../src/stores/rollup/rollup-plan.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { fuzzParameters } from './fuzz-settings.js';

/**
 * Queries never fail untyped and are never widened: any unknown or invalid part throws
 * ValidationError; a valid query returns exactly the rows an independent reference filter picks.
 */

const USERS = ['u1', 'u2', 'u3', null];
const TENANTS = ['acme', 'globex', null];
const SESSIONS = ['s1', 's2', null];
const STATUSES = ['success', 'error', 'partial', 'cancelled'] as const;
const COST_STATUSES = ['priced', 'estimated', 'unpriced'] as const;
const CALL_TYPES = ['CHAT', 'EMBEDDING', 'RAG_QUERY'];
const PROVIDERS = ['openai', 'anthropic'];
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku', 'text-embedding-3-small'];
const TAGS = ['a', 'b', 'c'];
const DAY = Date.parse('2025-03-01T00:00:00.000Z');

function dataset(): CallRecord[] {
  const records: CallRecord[] = [];
  for (let index = 0; index < 60; index++) {
    const pick = <T>(list: readonly T[], salt: number) =>
      list[(index * 7 + salt * 3 + Math.floor(index / 5)) % list.length]!;
    const record = makeRecord({
      userId: pick(USERS, 1),
      tenantId: pick(TENANTS, 2),
      sessionId: pick(SESSIONS, 3),
      traceId: `t${index % 9}`,
      requestId: index % 4 === 0 ? null : `r${index % 11}`,
      status: pick(STATUSES, 4),
      callType: pick(CALL_TYPES, 5),
      provider: pick(PROVIDERS, 6),
      model: pick(MODELS, 7),
      tags: TAGS.filter((_tag, position) => (index >> position) % 2 === 1),
      startedAt: new Date(DAY + index * 3_600_000).toISOString(),
    });
    const costStatus = pick(COST_STATUSES, 8);
    record.cost =
      costStatus === 'unpriced'
        ? { ...record.cost!, status: costStatus, total: null }
        : { ...record.cost!, status: costStatus };
    records.push(record);
  }
  return records;
}

/** Written independently of core/query-eval.ts, from the README's description of the filters. */
function referenceMatches(record: CallRecord, filter: CallFilter): boolean {
  const anyOf = (actual: unknown, wanted: unknown) =>
    wanted === undefined || (Array.isArray(wanted) ? wanted.includes(actual) : actual === wanted);
  return (
    anyOf(record.userId, filter.userId) &&
    anyOf(record.tenantId, filter.tenantId) &&
    anyOf(record.sessionId, filter.sessionId) &&
    anyOf(record.traceId, filter.traceId) &&
    anyOf(record.requestId, filter.requestId) &&
    anyOf(record.status, filter.status) &&
    anyOf(record.callType, filter.callType) &&
    anyOf(record.provider, filter.provider) &&
    anyOf(record.model, filter.model) &&
    (filter.costStatus === undefined || (record.cost !== null && anyOf(record.cost.status, filter.costStatus))) &&
    (filter.tags ?? []).every((tag) => record.tags.includes(tag)) &&
    (filter.from === undefined || Date.parse(record.startedAt) >= new Date(filter.from).getTime()) &&
    (filter.to === undefined || Date.parse(record.startedAt) < new Date(filter.to).getTime())
  );
}

const oneOrList = <T>(values: fc.Arbitrary<T>) => fc.oneof(values, fc.array(values, { maxLength: 3 }));
const isoBound = fc
  .integer({ min: -5, max: 70 })
  .chain((hours) =>
    fc.constantFrom(new Date(DAY + hours * 3_600_000).toISOString(), new Date(DAY + hours * 3_600_000)),
  );

const anyFilter: fc.Arbitrary<CallFilter> = fc.record(
  {
    userId: fc.oneof(
      fc.constantFrom(...USERS),
      fc.array(fc.constantFrom('u1', 'u2', 'u3', 'nobody'), { maxLength: 3 }),
    ),
    tenantId: fc.oneof(
      fc.constantFrom(...TENANTS, 'initech'),
      fc.array(fc.constantFrom('acme', 'globex'), { maxLength: 2 }),
    ),
    sessionId: fc.constantFrom(...SESSIONS),
    traceId: oneOrList(fc.constantFrom('t0', 't3', 't8', 'missing')),
    requestId: fc.constantFrom('r1', 'r2', null),
    status: oneOrList(fc.constantFrom(...STATUSES)),
    costStatus: oneOrList(fc.constantFrom(...COST_STATUSES)),
    callType: oneOrList(fc.constantFrom(...CALL_TYPES, 'OTHER')),
    provider: oneOrList(fc.constantFrom(...PROVIDERS)),
    model: oneOrList(fc.constantFrom(...MODELS)),
    tags: fc.subarray(TAGS),
    from: isoBound,
    to: isoBound,
  },
  { requiredKeys: [] },
);

/**
 * Summaries the rollup tables can answer: filters on their dimensions only, each given as one
 * value, null, a list or an empty list, and bounds on whole hours or midnights. The tables are
 * by hour or day with provider, model, call type, status and cost status, or by day and tenant;
 * a user, or a tenant with anything else, goes to the scan (a few of those are mixed in).
 */
const identity = (values: readonly (string | null)[], listed: readonly string[]) =>
  fc.oneof(fc.constantFrom(...values), fc.array(fc.constantFrom(...listed), { maxLength: 3 }));
const wholeHour = fc.integer({ min: -5, max: 70 }).map((hours) => new Date(DAY + hours * 3_600_000).toISOString());
const midnight = fc.integer({ min: -1, max: 3 }).map((days) => new Date(DAY + days * 86_400_000).toISOString());
const baseRollup = fc.record({
  where: fc.record(
    {
      status: oneOrList(fc.constantFrom(...STATUSES)),
      costStatus: oneOrList(fc.constantFrom(...COST_STATUSES)),
      callType: oneOrList(fc.constantFrom(...CALL_TYPES, 'OTHER')),
      provider: oneOrList(fc.constantFrom(...PROVIDERS)),
      model: oneOrList(fc.constantFrom(...MODELS)),
      from: fc.oneof(wholeHour, midnight),
      to: fc.oneof(wholeHour, midnight),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<CallFilter>,
  groupBy: fc.subarray<GroupKey>(['model', 'provider', 'callType', 'status', 'day', 'hour'], { maxLength: 3 }),
});
const tenantRollup = fc.record({
  where: fc.record(
    { tenantId: identity(TENANTS, ['acme', 'globex', 'initech']), from: midnight, to: midnight },
    { requiredKeys: [] },
  ) as fc.Arbitrary<CallFilter>,
  groupBy: fc.subarray<GroupKey>(['tenant', 'day']),
});
const scannedInstead = fc.record({
  where: fc.record(
    { userId: identity(USERS, ['u1', 'u2', 'u3', 'nobody']), tenantId: identity(TENANTS, ['acme', 'globex']) },
    { requiredKeys: [] },
  ) as fc.Arbitrary<CallFilter>,
  groupBy: fc.subarray<GroupKey>(['user', 'tenant', 'model'], { maxLength: 2 }),
});
const rollupSummary = fc.oneof(
  { arbitrary: baseRollup, weight: 3 },
  { arbitrary: tenantRollup, weight: 3 },
  { arbitrary: scannedInstead, weight: 1 },
);

/** At most three filters at once, so that most valid queries match some rows of the dataset. */
const validFilter: fc.Arbitrary<CallFilter> = fc
  .tuple(anyFilter, fc.integer({ min: 0, max: 3 }))
  .map(([filter, size]) => Object.fromEntries(Object.entries(filter).slice(0, size)) as CallFilter);

const FILTER_KEYS = [
  'sessionId',
  'userId',
  'tenantId',
  'traceId',
  'requestId',
  'callType',
  'status',
  'costStatus',
  'provider',
  'model',
  'tags',
  'from',
  'to',
];
const LIST_KEYS = [...FILTER_KEYS, 'limit', 'cursor', 'order'];
const SUMMARY_KEYS = ['groupBy', 'from', 'to', 'where'];

/** One part that makes a query invalid: an unknown key, a bad enum value, a bad date or type. */
const corruption = (known: readonly string[]): fc.Arbitrary<[string, unknown]> =>
  fc.oneof(
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !known.includes(key) && key !== '__proto__'),
        fc.anything(),
      )
      .filter(([, value]) => value !== undefined),
    fc.tuple(fc.constant('status'), fc.oneof(fc.constantFrom('ERROR', 'Success', 'ok', ''), fc.integer())),
    fc.tuple(fc.constant('costStatus'), fc.constantFrom('free', 'PRICED')),
    fc.tuple(
      fc.constantFrom('from', 'to'),
      fc.oneof(
        fc.constantFrom('x', 'yesterday', '2025-13-45', '1', ''),
        fc.constant(new Date(Number.NaN)),
        fc.integer(),
      ),
    ),
    fc.tuple(
      fc.constantFrom('userId', 'tenantId', 'model', 'provider', 'tags'),
      fc.oneof(fc.integer(), fc.boolean(), fc.object(), fc.array(fc.integer(), { minLength: 1 })),
    ),
  );

// PostgreSQL answers many summaries from its own rollup SQL: it is fuzzed beside the others
// wherever it runs (always in CI, where the store tests already require it).
const postgres = await postgresAvailable();
const schema = uniqueSchema('fuzz_queries');

describe('fuzz: queries', () => {
  const records = dataset();
  const ledgers: Array<[string, CreatedLedger]> = [];
  beforeAll(async () => {
    const stores: Array<[string, 'memory' | SqliteStore | PostgresStore]> = [
      ['memory', 'memory'],
      ['sqlite', new SqliteStore({ path: ':memory:' })],
    ];
    if (postgres) stores.push(['postgres', new PostgresStore({ connectionString: PG_URL, schema })]);
    for (const [kind, store] of stores) {
      const ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false });
      if (typeof store === 'object') await store.write(records);
      else await (ledger as unknown as { store: { write(r: CallRecord[]): Promise<void> } }).store.write(records);
      ledgers.push([kind, ledger]);
    }
  });
  afterAll(async () => {
    for (const [, ledger] of ledgers) await ledger.close();
    if (postgres) await dropSchema(schema);
  });

  const matched: number[] = [];
  it('a valid calls.list() returns exactly the reference rows, in id order', async () => {
    await fc.assert(
      fc.asyncProperty(validFilter, fc.boolean(), async (filter, ascending) => {
        const expected = records
          .filter((record) => referenceMatches(record, filter))
          .map((record) => record.id)
          .sort();
        if (!ascending) expected.reverse();
        matched.push(expected.length);
        for (const [, ledger] of ledgers) {
          const page = await ledger.calls.list({ ...filter, limit: 1000, order: ascending ? 'asc' : 'desc' });
          expect(page.records.map((record) => record.id)).toEqual(expected);
        }
      }),
      fuzzParameters(),
    );
    // The property is only worth something if many queries select some rows, and not all of them.
    const partial = matched.filter((count) => count > 0 && count < records.length).length;
    expect(partial).toBeGreaterThan(matched.length / 4);
  });

  it('paging through calls.list() with any page size returns every matching call once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(validFilter, fc.boolean(), fc.integer({ min: 1, max: 7 }), async (filter, ascending, limit) => {
        const expected = records
          .filter((record) => referenceMatches(record, filter))
          .map((record) => record.id)
          .sort();
        if (!ascending) expected.reverse();
        for (const [kind, ledger] of ledgers) {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page <= records.length; page++) {
            const result = await ledger.calls.list({ ...filter, limit, cursor, order: ascending ? 'asc' : 'desc' });
            expect(result.records.length, kind).toBeLessThanOrEqual(limit);
            seen.push(...result.records.map((record) => record.id));
            if (result.nextCursor === null) break;
            cursor = result.nextCursor;
          }
          expect(seen, `${kind}: ${JSON.stringify({ filter, ascending, limit })}`).toEqual(expected);
        }
      }),
      fuzzParameters(),
    );
  });

  it('a valid usage.summary({ where }) counts exactly the reference rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        validFilter,
        fc.subarray(['model', 'user', 'status', 'day'] as const),
        async (where, groupBy) => {
          const expected = records.filter((record) => referenceMatches(record, where)).length;
          for (const [, ledger] of ledgers) {
            const rows = await ledger.usage.summary({ where, groupBy: [...groupBy] });
            expect(rows.reduce((sum, row) => sum + row.calls, 0)).toBe(expected);
          }
        },
      ),
      fuzzParameters(),
    );
  });

  it('a summary the rollups can answer equals the reference group by group, and the scan of the same rows', async () => {
    let fromRollups = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(rollupSummary, async ({ where, groupBy }) => {
        runs++;
        if (planRollup({ where, groupBy }) !== undefined) fromRollups++;
        const expected = exactParts(
          expectedSummary(
            records.filter((record) => referenceMatches(record, where)),
            groupBy,
          ),
        );
        // One millisecond before `from` (records start on whole hours) no rollup can apply.
        const from = new Date(Date.parse(where.from === undefined ? '1970-01-01' : String(where.from)) - 1);
        for (const [kind, ledger] of ledgers) {
          const label = `${kind}: ${JSON.stringify({ where, groupBy })}`;
          expect(exactParts(await ledger.usage.summary({ where, groupBy })), label).toEqual(expected);
          expect(exactParts(await ledger.usage.summary({ where: { ...where, from }, groupBy })), label).toEqual(
            expected,
          );
        }
      }),
      fuzzParameters(),
    );
    // Worth something only if most of these summaries do take the rollup path.
    expect(fromRollups).toBeGreaterThan(runs / 2);
  });

  it('a ranked summary (top) is the reference top: largest first, ties in group order, null like any group', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validFilter,
          rollupSummary.map(({ where }) => where),
        ),
        fc.constantFrom<GroupKey>('user', 'tenant', 'session', 'model', 'provider', 'callType', 'status', 'day'),
        fc.constantFrom('cost', 'calls', 'tokens', 'errors') as fc.Arbitrary<'cost' | 'calls' | 'tokens' | 'errors'>,
        fc.integer({ min: 1, max: 5 }),
        async (where, key, by, limit) => {
          const figure = (row: SummaryRow) =>
            by === 'calls' ? row.calls : by === 'tokens' ? row.tokens.total : by === 'errors' ? row.errors : 0;
          // expectedSummary is in group order, and the sort is stable: ties keep it.
          const expected = exactParts(
            expectedSummary(
              records.filter((record) => referenceMatches(record, where)),
              [key],
            )
              .sort((a, b) =>
                by === 'cost' ? compareDecimal(parseDecimal(b.cost), parseDecimal(a.cost)) : figure(b) - figure(a),
              )
              .slice(0, limit),
          );
          for (const [kind, ledger] of ledgers) {
            const rows = await ledger.usage.summary({ where, groupBy: [key], top: { by, limit } });
            expect(exactParts(rows), `${kind}: ${JSON.stringify({ where, key, by, limit })}`).toEqual(expected);
          }
        },
      ),
      fuzzParameters(),
    );
  });

  it('a query with any unknown or invalid part throws ValidationError (never a widened result)', async () => {
    await fc.assert(
      fc.asyncProperty(validFilter, corruption(LIST_KEYS), fc.boolean(), async (filter, [key, value], inWhere) => {
        const query = { ...filter, [key]: value };
        for (const [, ledger] of ledgers) {
          await expect(ledger.calls.list(query)).rejects.toBeInstanceOf(ValidationError);
          const summary = inWhere
            ? { where: query }
            : { ...pick(filter as Record<string, unknown>, ['from', 'to']), [key]: value };
          if (!inWhere && SUMMARY_KEYS.includes(key) && key !== 'from' && key !== 'to') continue;
          await expect(ledger.usage.summary(summary as never)).rejects.toBeInstanceOf(ValidationError);
        }
      }),
      fuzzParameters(),
    );
  });

  it('arbitrary values given to every query method resolve or throw a typed error, never an untyped one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withDate: true, withMap: true, withNullPrototype: true }), async (value) => {
        for (const [, ledger] of ledgers) {
          for (const run of [
            () => ledger.calls.list(value as never),
            () => ledger.usage.summary(value as never),
            () => ledger.usage.summary({ where: value } as never),
            () => ledger.calls.get(value as never),
            () => ledger.calls.byTrace(value as never),
          ]) {
            const outcome = await run().then(
              () => undefined,
              (error: unknown) => error,
            );
            if (outcome !== undefined) expect(isLedgerError(outcome), String(outcome)).toBe(true);
          }
          const listed = await ledger.calls.list(value as never).then(
            () => true,
            () => false,
          );
          // Whatever was accepted holds only known keys: nothing was silently dropped.
          if (listed && typeof value === 'object' && value !== null) {
            for (const key of Object.keys(value)) expect(LIST_KEYS).toContain(key);
          }
        }
      }),
      fuzzParameters(),
    );
  });
});

function pick(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => keys.includes(key)));
}
