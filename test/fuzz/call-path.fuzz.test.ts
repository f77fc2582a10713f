import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallHandle, CallInit } from '../../src/core/call.js';
import { isLedgerError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/core/ledger.js';
import { parseDecimal } from '../../src/core/money.js';
import type { CallRecord } from '../../src/core/record.js';
import { MAX_TOKENS_PER_CALL } from '../../src/core/token-input.js';
import { createPricer } from '../../src/pricing/index.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { testLedger } from '../core/support.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { callScript, type CallScript } from './call-inputs.js';
import { assertProperty, FUZZ_RUNS, FUZZ_SEED, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';

/*
 * Drives start / update / complete / fail / cancel / logCall and the typed helpers with arbitrary
 * values and checks the call path's promises: no untyped error; nothing thrown on the caller's path
 * when fail-open; every call yields exactly one record or a typed refusal; every record round-trips
 * through calls.get / calls.list / usage.summary; no record whose tokens or cost contradict its
 * inputs without a listed problem.
 */

const APP_RESULT = Symbol('the application result');

interface Outcome {
  record?: CallRecord;
  /** What the call path threw (fail-closed only). */
  refused?: unknown;
}

function helperInit(script: CallScript): unknown {
  const init = script.init;
  if (typeof init !== 'object' || init === null || Array.isArray(init)) return init;
  if (script.entry === 'logEmbedding') return { ...init, input: script.helperText };
  return { ...init, text: script.helperText };
}

function drive(call: CallHandle, script: CallScript): CallRecord {
  for (const progress of script.updates) call.update(progress as never);
  const ending = script.ending;
  if (ending.kind === 'complete') return call.complete(ending.result as never);
  if (ending.kind === 'fail') return call.fail(ending.error, ending.details as never);
  return call.cancel(ending.reason, ending.details as never);
}

async function run(ledger: Ledger, script: CallScript): Promise<Outcome> {
  try {
    if (script.entry === 'logCall') {
      let record: CallRecord | undefined;
      const value = await ledger.logCall(script.init as CallInit, (call) => {
        record = drive(call, script);
        return APP_RESULT;
      });
      expect(value).toBe(APP_RESULT);
      return { record };
    }
    const call =
      script.entry === 'start'
        ? ledger.start(script.init as CallInit)
        : ledger[script.entry](helperInit(script) as never);
    return { record: drive(call, script) };
  } catch (error) {
    return { refused: error };
  }
}

/** The record's own consistency, and its agreement with what the caller gave unless a problem is listed. */
function checkRecord(record: CallRecord, script: CallScript): void {
  expect(Object.isFrozen(record)).toBe(true);
  const { tokens } = record;
  for (const value of [tokens.input, tokens.output, tokens.cacheRead, tokens.cacheWrite, tokens.reasoning]) {
    expect(Number.isInteger(value) && value >= 0 && value <= MAX_TOKENS_PER_CALL).toBe(true);
  }
  expect(tokens.cacheRead + tokens.cacheWrite).toBeLessThanOrEqual(tokens.input);
  expect(tokens.reasoning).toBeLessThanOrEqual(tokens.output);
  expect(tokens.total).toBeGreaterThanOrEqual(tokens.input + tokens.output);
  expect(['success', 'partial', 'error', 'cancelled']).toContain(record.status);
  expect(['sync', 'streaming']).toContain(record.requestMode);
  expect(record.latencyMs).toBeGreaterThanOrEqual(0);
  if (record.ttftMs !== null) expect(record.ttftMs).toBeGreaterThanOrEqual(0);
  const year = Number(record.startedAt.slice(0, 4));
  expect(year >= 2000 && year < 2200).toBe(true);
  for (const text of [record.model, record.provider, record.callType, record.id, record.traceId]) {
    expect(typeof text === 'string' && text.isWellFormed()).toBe(true);
  }
  for (const text of [record.responseModel, record.finishReason, record.errorType, record.systemPrompt]) {
    expect(text === null || (typeof text === 'string' && text.isWellFormed())).toBe(true);
  }
  const cost = record.cost;
  if (cost !== null && cost.total !== null) expect(parseDecimal(cost.total).units >= 0n).toBe(true);
  if (record.tokenSource === null && cost !== null && cost.pricingVersion !== 'caller') {
    expect(cost.total === null || cost.status === 'unpriced').toBe(true);
  }
  // Not contradicted without a listed problem: counts given in our shape are kept as given.
  const ending = script.ending;
  if (record.problems === undefined && ending.kind === 'complete' && isObject(ending.result)) {
    const given = ending.result.tokens;
    if (isObject(given) && isCount(given.input) && isCount(given.output) && Object.keys(given).length === 2) {
      expect(tokens).toMatchObject({ input: given.input, output: given.output });
    }
    if (ending.result.cost !== undefined) expect(cost?.pricingVersion).toBe('caller');
  }
  expect(JSON.stringify(record)).not.toContain('[object Object]');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TOKENS_PER_CALL;

// Content of every kind (NUL, the private-use character PostgreSQL's encoding escapes with, lone
// surrogates) round-trips through PostgreSQL too wherever it runs (always in CI).
const postgres = await postgresAvailable();
const schema = uniqueSchema('fuzz_call_path');

const opened: Ledger[] = [];
afterAll(async () => {
  for (const ledger of opened.splice(0)) await ledger.close().catch(() => undefined);
  if (postgres) await dropSchema(schema);
});

describe(`call path fuzz (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs)`, () => {
  const stores: Array<[string, () => Store]> = [
    ['memory', () => new MemoryStore()],
    ['sqlite', () => new SqliteStore({ path: ':memory:' })],
  ];
  if (postgres) stores.push(['postgres', () => new PostgresStore({ connectionString: PG_URL, schema })]);

  for (const [kind, makeStore] of stores) {
    it(
      `fail-open, ${kind}: never throws, one record per call, each one round-trips`,
      async () => {
        const { ledger } = testLedger({ store: makeStore(), pricer: kind === 'sqlite' ? createPricer() : false });
        opened.push(ledger);
        const ids: string[] = [];
        await assertProperty(
          fc.asyncProperty(callScript, async (script) => {
            const outcome = await run(ledger, script);
            if (outcome.refused !== undefined) throw outcome.refused;
            const record = outcome.record!;
            checkRecord(record, script);
            ids.push(record.id);
            expect(await ledger.calls.get(record.id)).toEqual(record);
          }) as never,
        );
        await ledger.flush();
        expect(new Set(ids).size).toBe(ids.length);
        const stats = ledger.stats();
        expect(stats.written).toBe(ids.length);
        const [row] = await ledger.usage.summary({});
        expect(row?.calls).toBe(ids.length);
        let listed = 0;
        let cursor: string | undefined;
        do {
          const page = await ledger.calls.list({ limit: 500, cursor });
          listed += page.records.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        expect(listed).toBe(ids.length);
      },
      FUZZ_TIMEOUT_MS,
    );
  }

  it(
    'fail-closed: a typed refusal or exactly one record, never an untyped error',
    async () => {
      const { ledger } = testLedger({ failOpen: false });
      opened.push(ledger);
      let records = 0;
      await assertProperty(
        fc.asyncProperty(callScript, async (script) => {
          const outcome = await run(ledger, script);
          if (outcome.refused !== undefined) {
            if (!isLedgerError(outcome.refused)) throw outcome.refused;
            return;
          }
          checkRecord(outcome.record!, script);
          records += 1;
        }) as never,
      );
      await ledger.flush();
      expect(ledger.stats().written).toBe(records);
    },
    FUZZ_TIMEOUT_MS,
  );
});
