import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { ValidationError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';

const pgAvailable = await postgresAvailable();
const schema = uniqueSchema('strict_queries');
afterAll(async () => {
  if (pgAvailable) await dropSchema(schema);
});

const stores: Array<[string, () => Store, boolean]> = [
  ['memory', () => new MemoryStore(), true],
  ['sqlite', () => new SqliteStore({ path: ':memory:' }), true],
  ['postgres', () => new PostgresStore({ connectionString: PG_URL, schema }), pgAvailable],
];

for (const [kind, makeStore, available] of stores) {
  describe.skipIf(!available)(`queries are strict in every mode (${kind})`, () => {
    let ledger: CreatedLedger;
    beforeAll(async () => {
      const store = makeStore();
      await store.write([
        makeRecord({ userId: 'a', tenantId: 'acme', sessionId: 's1', status: 'success' }),
        makeRecord({ userId: 'b', tenantId: 'acme', sessionId: 's2', status: 'error' }),
        makeRecord({ userId: 'c', tenantId: 'other', sessionId: 's3', status: 'success' }),
      ]);
      // failOpen: true is the default; queries are strict anyway.
      ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false });
    });
    afterAll(async () => ledger.close());

    it.each([
      [{ company_id: 'x' }, 'company_id', undefined],
      [{ session_id: 's1' }, 'session_id', 'sessionId'],
      [{ start_date: '2025-01-01' }, 'start_date', 'from'],
      [{ user_id: 'a' }, 'user_id', 'userId'],
      [{ tennantId: 'acme' }, 'tennantId', 'tenantId'],
    ])(
      'calls.list(%j) throws ValidationError naming the key instead of returning every record',
      async (query, key, hint) => {
        const error = await ledger.calls.list(query as never).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ValidationError);
        const message = (error as Error).message;
        expect(message).toContain(`"${key}"`);
        expect(message).toContain('calls.list()');
        expect(message).toContain('known keys: sessionId, userId');
        if (hint) expect(message).toContain(`did you mean "${hint}"?`);
      },
    );

    it("status: 'ERROR' is a ValidationError listing the statuses, not an empty page", async () => {
      await expect(ledger.calls.list({ status: 'ERROR' as never })).rejects.toThrow(
        /status.*one of success, error, partial, cancelled/,
      );
    });

    it('an invalid date is a ValidationError, not a RangeError', async () => {
      for (const from of ['x', 'yesterday', '2025-13-45', new Date(Number.NaN)]) {
        await expect(ledger.calls.list({ from })).rejects.toBeInstanceOf(ValidationError);
        await expect(ledger.usage.summary({ from })).rejects.toBeInstanceOf(ValidationError);
      }
    });

    it("userId: ['a', 'b'] as the README allows returns exactly those users' calls", async () => {
      const page = await ledger.calls.list({ userId: ['a', 'b'] });
      expect(page.records.map((record) => record.userId).sort()).toEqual(['a', 'b']);
      const many = await ledger.calls.list({
        userId: Array.from({ length: 500 }, (_x, index) => `u${index}`).concat('c'),
      });
      expect(many.records.map((record) => record.userId)).toEqual(['c']);
      expect((await ledger.calls.list({ tenantId: [] })).records).toEqual([]);
    });

    it('usage.summary({ where: { typo } }) and summary({ group_by }) throw instead of summing everything', async () => {
      await expect(ledger.usage.summary({ where: { tenant: 'acme' } as never })).rejects.toThrow(
        /where\.tenant.*did you mean "tenantId"\?/,
      );
      await expect(ledger.usage.summary({ group_by: ['model'] } as never)).rejects.toThrow(/did you mean "groupBy"\?/);
      await expect(ledger.usage.summary({ groupBy: ['user_id'] as never })).rejects.toBeInstanceOf(ValidationError);
      await expect(ledger.usage.summary({ from: '2025-01-01', where: { from: '2025-02-01' } })).rejects.toThrow(
        /give it once/,
      );
      const rows = await ledger.usage.summary({ where: { tenantId: 'acme' }, groupBy: ['user'] });
      expect(rows.map((row) => [row.group.user, row.calls])).toEqual([
        ['a', 1],
        ['b', 1],
      ]);
    });

    it('calls.get and byTrace take a non-empty string id', async () => {
      for (const id of [undefined, null, 42, '', { id: 'x' }]) {
        await expect(ledger.calls.get(id as never)).rejects.toBeInstanceOf(ValidationError);
        await expect(ledger.calls.byTrace(id as never)).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(ledger.calls.get('no-such-id')).resolves.toBeNull();
    });

    it('a query that is not an object, a bad limit, order or cursor is a ValidationError', async () => {
      for (const query of [
        null,
        'userId=a',
        [],
        { limit: 0 },
        { limit: 2.5 },
        { order: 'up' },
        { cursor: '' },
        { tags: 'x' },
      ]) {
        await expect(ledger.calls.list(query as never)).rejects.toBeInstanceOf(ValidationError);
      }
    });
  });
}
