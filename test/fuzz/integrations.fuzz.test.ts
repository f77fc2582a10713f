import { RunnableLambda } from '@langchain/core/runnables';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import { ledgerEmbeddingMiddleware, ledgerMiddleware } from '../../src/integrations/ai-sdk.js';
import { LedgerCallbackHandler, runWithUsage, streamWithUsage } from '../../src/integrations/langchain.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { fuzzParameters, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';

/**
 * The integrations' option objects, meter.get() and limits.set()/setRate(): arbitrary values are
 * accepted or refused with a typed error (ConfigError, ValidationError), never a TypeError, and an
 * unknown key is always refused.
 */

const ledger = createLedger({ store: 'memory', configFile: false, env: {}, meter: false, shutdownHooks: false });
const meter = createMeter({ backend: 'memory', env: {} });
afterAll(async () => {
  await ledger.close();
  await meter.close();
});

const anyValue = fc.anything({ withDate: true, withMap: true, withNullPrototype: true, maxDepth: 2 });

/** Entries mixing known keys (with any value, or a valid one) and unknown ones. */
function entries(known: readonly string[], valid: Record<string, fc.Arbitrary<unknown>>) {
  return fc.array(
    fc.oneof(
      fc.constantFrom(...known).chain((key) => fc.tuple(fc.constant(key), fc.oneof(anyValue, valid[key] ?? anyValue))),
      fc.tuple(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('user_id', 'call_type', 'model_name', 'task_type', 'constructor', 'streamIdleTimeout'),
        ),
        anyValue,
      ),
    ),
    { maxLength: 4 },
  );
}

function typed(error: unknown): void {
  expect(
    error instanceof ConfigError || error instanceof ValidationError,
    `expected ConfigError or ValidationError, got ${String(error)}`,
  ).toBe(true);
}

/** The unknown keys of the object the pairs make (a later pair overrides an earlier one). */
const unknownIn = (pairs: Array<[string, unknown]>, known: readonly string[]) =>
  Object.entries(Object.fromEntries(pairs)).filter(([key, value]) => !known.includes(key) && value !== undefined);

const ATTRIBUTION = ['callType', 'userId', 'sessionId', 'tenantId', 'tags', 'metadata'];
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  callType: fc.string({ minLength: 1, maxLength: 8 }).filter((text) => text.trim() !== ''),
  userId: fc.string({ maxLength: 8 }),
  sessionId: fc.string({ maxLength: 8 }),
  tenantId: fc.string({ maxLength: 8 }),
  requestId: fc.string({ maxLength: 8 }),
  tags: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  metadata: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  streamIdleTimeoutMs: fc.nat(),
  requestMode: fc.constantFrom('sync', 'streaming'),
  modelName: fc.constantFrom('gpt-4o-mini', 'openai/gpt-4o-mini'),
  cache: fc.boolean(),
};

/** Builds with the options; returns whether it was accepted, asserting a refusal is typed. */
function accepted(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch (error) {
    typed(error);
    return false;
  }
}

describe('fuzz: integration options', () => {
  const cases: Array<[string, readonly string[], (options: Record<string, unknown>) => unknown]> = [
    [
      'new LedgerCallbackHandler()',
      [...ATTRIBUTION, 'ledger', 'modelName', 'requestMode', 'traceId', 'parentId', 'requestId'],
      (options) => new LedgerCallbackHandler({ ledger, ...options } as never),
    ],
    [
      'ledgerMiddleware()',
      [...ATTRIBUTION, 'ledger', 'streamIdleTimeoutMs', 'cache'],
      (options) => ledgerMiddleware({ ledger, ...options } as never),
    ],
    [
      'ledgerEmbeddingMiddleware()',
      [...ATTRIBUTION, 'ledger'],
      (options) => ledgerEmbeddingMiddleware({ ledger, ...options } as never),
    ],
  ];
  it.each(cases)(
    '%s accepts valid options, refuses the rest with a typed error, unknown keys always',
    async (_name, known, build) => {
      await fc.assert(
        fc.asyncProperty(entries(known, VALID), async (pairs) => {
          const options = Object.fromEntries(pairs.filter(([key]) => key !== 'ledger'));
          const ok = accepted(() => build(options));
          if (ok) expect(unknownIn(pairs, known)).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  const TASK_KEYS = ['taskType', 'input', 'modelName', 'sessionId', 'userId', 'requestId', 'extraCallbacks'];
  it.each([
    ['runWithUsage', [...TASK_KEYS, 'requestMode']],
    ['streamWithUsage', TASK_KEYS],
  ] as const)(
    '%s refuses bad options with a typed error before running anything, unknown keys always',
    async (name, known) => {
      // The runnable ignores its input: an error it threw would be the application's, re-thrown unchanged.
      const runnable = RunnableLambda.from(() => 'done');
      await fc.assert(
        fc.asyncProperty(entries(known, { ...VALID, taskType: VALID.callType! }), async (pairs) => {
          const options = {
            taskType: 'extraction',
            modelName: 'gpt-4o-mini',
            input: 'x',
            ...Object.fromEntries(pairs),
            runnable,
            ledger,
          };
          let ok = true;
          try {
            if (name === 'runWithUsage') await runWithUsage(options as never);
            else for await (const _chunk of streamWithUsage(options as never)) void _chunk;
          } catch (error) {
            ok = false;
            typed(error);
          }
          if (ok) expect(unknownIn(pairs, known)).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('fuzz: meter.get() and limits', () => {
  const subject = fc.oneof(
    anyValue,
    fc.constantFrom('user:u-1', 'tenant:acme', 'user:*'),
    fc.record({ dimension: fc.constantFrom('user', 'tenant'), id: fc.string({ minLength: 1, maxLength: 5 }) }),
    fc.record({ dimension: fc.constant('user'), user_id: fc.string({ maxLength: 5 }) }),
  );
  const period = fc.oneof(
    anyValue,
    fc.constantFrom('day', 'month', 'cycle', 'cycle:2025-01-15', undefined),
    fc.record({ cycleStartDate: fc.constantFrom('2025-01-15', '2025-02-31') }),
    fc.record({ cycle_start_date: fc.constant('2025-01-15') }),
  );
  const at = fc.oneof(anyValue, fc.date({ noInvalidDate: false }), fc.double(), fc.constant(undefined));

  it(
    'meter.get(subject, period, at) answers or throws a typed error',
    async () => {
      await fc.assert(
        fc.asyncProperty(subject, period, at, async (s, p, when) => {
          try {
            const usage = await meter.get(s as never, p as never, when as never);
            expect(usage.requests).toBe(0);
          } catch (error) {
            typed(error);
            if (typeof s === 'object' && s !== null && 'user_id' in s) {
              expect(String(error)).toMatch(/user_id/);
            }
          }
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  const BUDGET_KEYS = ['subject', 'period', 'maxCost', 'maxTokens', 'maxRequests', 'mode'];
  const RATE_KEYS = ['subject', 'requestsPerMinute', 'tokensPerMinute'];
  const LIMIT_VALID: Record<string, fc.Arbitrary<unknown>> = {
    subject: fc.constantFrom('user:*', 'tenant:acme'),
    period: fc.constantFrom('day', 'month'),
    maxCost: fc.constantFrom('10', '0.5'),
    maxTokens: fc.nat(),
    maxRequests: fc.nat(),
    mode: fc.constantFrom('hard', 'soft'),
    requestsPerMinute: fc.nat(),
    tokensPerMinute: fc.nat(),
  };
  it.each([
    ['limits.set()', BUDGET_KEYS, (input: unknown) => meter.limits.set(input as never)],
    ['limits.setRate()', RATE_KEYS, (input: unknown) => meter.limits.setRate(input as never)],
  ] as const)(
    '%s accepts a valid limit, refuses the rest with ConfigError, unknown keys always',
    async (_name, known, set) => {
      const input = fc.oneof(
        entries(known, LIMIT_VALID).map((pairs) => ({ pairs, raw: undefined as unknown })),
        anyValue.map((raw) => ({ pairs: undefined, raw })),
      );
      await fc.assert(
        fc.asyncProperty(input, async ({ pairs, raw }) => {
          const value = pairs ? Object.fromEntries(pairs) : raw;
          try {
            set(value);
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(ConfigError);
            return;
          }
          if (pairs) expect(unknownIn(pairs, known)).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
