import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { capturingLogger } from './support.js';

const REQUIRED = process.env.CI === 'true';
const pgUp = await postgresAvailable();
const messages = [{ role: 'user', content: 'hello' }];
const schemas: string[] = [];
afterAll(async () => {
  if (pgUp) for (const schema of schemas) await dropSchema(schema);
});

interface StoreKind {
  name: string;
  skip: boolean;
  /** Opens the same store twice: two processes sharing one database. */
  open(): { first: () => Store | string; second: () => Store | string; cleanup: () => void };
}

const kinds: StoreKind[] = [
  {
    name: 'memory',
    skip: false,
    open() {
      const store = new MemoryStore();
      return { first: () => store, second: () => store, cleanup: () => undefined };
    },
  },
  {
    name: 'sqlite',
    skip: false,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-parent-'));
      const path = join(dir, 'ledger.db');
      return { first: () => path, second: () => path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: !pgUp && !REQUIRED,
    open() {
      const schema = uniqueSchema('parent_trace');
      schemas.push(schema);
      return {
        first: () => new PostgresStore({ connectionString: PG_URL, schema }),
        second: () => new PostgresStore({ connectionString: PG_URL, schema }),
        cleanup: () => undefined,
      };
    },
  },
];

function ledgerOn(store: Store | string, failOpen = true) {
  const errors: Problem[] = [];
  const logger = capturingLogger();
  const ledger = createLedger({
    store: store as never,
    configFile: false,
    env: {},
    logger,
    pricer: false,
    deadLetters: false,
    spool: false,
    failOpen,
    onError: (problem) => errors.push(problem),
  });
  return { ledger, errors, logger };
}

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`an explicit parentId joins the parent's trace (${kind.name} store)`, () => {
    const open: CreatedLedger[] = [];
    let cleanup: (() => void) | undefined;
    afterEach(async () => {
      // The memory store is shared by both ledgers: closing the first closes it for the second.
      for (const ledger of open.splice(0).reverse()) await ledger.close();
      cleanup?.();
    });

    it('a parent started in this process gives its trace at once', async () => {
      const stores = kind.open();
      cleanup = stores.cleanup;
      const { ledger } = ledgerOn(stores.first());
      open.push(ledger);
      const parent = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages, traceId: 'request-7' });
      const child = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages, parentId: parent.id });
      expect(child.traceId).toBe('request-7');
      child.complete({ tokens: { input: 1, output: 1 } });
      parent.complete({ tokens: { input: 1, output: 1 } });
      await ledger.logCall({ model: 'm', provider: 'p', parentId: child.id }, async (call) => {
        call.complete({ tokens: { input: 1, output: 1 } });
      });
      const trace = await ledger.calls.byTrace('request-7');
      expect(trace.map((record) => record.parentId).sort()).toEqual([child.id, parent.id, null].sort());
      expect(ledger.stats().invalidInput).toBe(0);
    });

    it("a parent from another process is found in the store, off the caller's path; its children follow", async () => {
      const stores = kind.open();
      cleanup = stores.cleanup;
      const earlier = ledgerOn(stores.first()).ledger;
      open.push(earlier);
      const parent = earlier.start({ provider: 'openai', model: 'gpt-4o-mini', messages });
      parent.complete({ tokens: { input: 3, output: 2 } });
      await earlier.flush();

      const { ledger, errors } = ledgerOn(stores.second());
      open.push(ledger);
      let grandchildId = '';
      const childRecord = await ledger.logCall(
        { provider: 'openai', model: 'gpt-4o-mini', messages, parentId: parent.id },
        async (child) => {
          await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, async (grandchild) => {
            grandchildId = grandchild.id;
            grandchild.complete({ tokens: { input: 1, output: 1 } });
          });
          return child.complete({ tokens: { input: 1, output: 1 } });
        },
      );
      // The caller got its record at once, before the store answered: a trace of its own so far.
      expect(childRecord.traceId).toBe(childRecord.id);
      const trace = await ledger.calls.byTrace(parent.traceId);
      expect(trace.map((record) => record.id).sort()).toEqual([parent.id, childRecord.id, grandchildId].sort());
      const stored = await ledger.calls.get(childRecord.id);
      expect(stored).toMatchObject({ traceId: parent.traceId, parentId: parent.id });
      expect(stored?.problems ?? []).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('a parentId that matches nothing is kept, listed on the record and reported once, also when fail-closed', async () => {
      for (const failOpen of [true, false]) {
        const stores = kind.open();
        cleanup = stores.cleanup;
        const { ledger, errors, logger } = ledgerOn(stores.first(), failOpen);
        open.push(ledger);
        const call = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages, parentId: 'no-such-call' });
        // Not thrown, even fail-closed: the lookup happens after the call returned.
        const record = call.complete({ tokens: { input: 1, output: 1 } });
        await ledger.flush();
        const stored = await ledger.calls.get(record.id);
        expect(stored).toMatchObject({ parentId: 'no-such-call', traceId: record.id });
        expect(stored?.problems).toEqual([
          expect.stringMatching(/^parentId: no call with id "no-such-call" was found/),
        ]);
        expect(ledger.stats().invalidInput).toBe(1);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ kind: 'validation', subject: 'parentId' });
        expect(logger.problems('no-such-call')).toHaveLength(1);
        await ledger.close();
        open.pop();
        stores.cleanup();
        cleanup = undefined;
      }
    });
  });
}
