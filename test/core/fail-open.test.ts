import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreError, ValidationError } from '../../src/core/errors.js';
import type { LedgerHandler } from '../../src/core/handlers.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { FlakyStore, sleep, testLedger, type TestLedger } from './support.js';

let current: TestLedger | undefined;
function setup(options: Parameters<typeof testLedger>[0] = {}): TestLedger {
  current = testLedger(options);
  return current;
}
afterEach(async () => {
  const ledger = current?.ledger;
  current = undefined;
  await ledger?.close().catch(() => undefined);
});

describe('fail-open (the default)', () => {
  it('keeps calls going while the store fails, logs once, and writes everything once it recovers', async () => {
    const store = new FlakyStore();
    store.failing = true;
    const problems: Problem[] = [];
    const { ledger, logger } = setup({ store, flushIntervalMs: 5, onError: (problem) => problems.push(problem) });
    expect(ledger.settings.failOpen).toBe(true);

    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const value = await ledger.logCall({ model: 'm' }, async (call) => {
        ids.push(call.id);
        return index;
      });
      expect(value).toBe(index);
    }
    await expect(ledger.flush()).resolves.toBeUndefined();
    await expect(ledger.flush()).resolves.toBeUndefined();
    expect(ledger.stats().pending).toBe(20);
    expect(ledger.stats().failedWrites).toBeGreaterThanOrEqual(2);
    expect(ledger.stats().written).toBe(0);
    expect(logger.problems('disk full')).toHaveLength(1);
    expect(logger.problems('disk full')[0]?.object).toMatchObject({ kind: 'store', subject: 'flaky' });
    expect(problems.filter((problem) => problem.kind === 'store').length).toBe(ledger.stats().failedWrites);
    expect(problems[0]?.error).toBeInstanceOf(StoreError);

    store.failing = false;
    // the retry timer (backoff) writes the pending records without anyone calling flush()
    const deadline = Date.now() + 5_000;
    while (ledger.stats().pending > 0 && Date.now() < deadline) await sleep(10);
    expect(ledger.stats()).toMatchObject({ pending: 0, written: 20, queued: 20 });
    expect([...store.accepted].sort()).toEqual([...ids].sort());
    expect(new Set(store.accepted).size).toBe(store.accepted.length);
    expect(store.accepted).toEqual(ids);
  });

  it('logs a new outage again after a recovery', async () => {
    const store = new FlakyStore();
    const { ledger, logger } = setup({ store });
    store.failing = true;
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    store.failing = false;
    await ledger.flush();
    store.failing = true;
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    await ledger.flush();
    expect(logger.problems('disk full')).toHaveLength(2);
    store.failing = false;
    await ledger.flush();
    expect(new Set(store.accepted).size).toBe(2);
    expect(store.accepted).toHaveLength(2);
  });

  it('reads still work while writes fail (pending records are not visible yet)', async () => {
    const store = new FlakyStore();
    const { ledger } = setup({ store });
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    store.failing = true;
    ledger.start({ model: 'm' }).complete();
    const page = await ledger.calls.list({});
    expect(page.records).toHaveLength(1);
  });

  it('reports invalid input and records a sanitized value instead of throwing', async () => {
    const { ledger, logger } = setup();
    const record = ledger.start({ model: 'm' }).complete({ tokens: { input: -5, output: 2 } });
    expect(record.tokens).toMatchObject({ input: 0, output: 2 });
    expect(ledger.stats().invalidInput).toBe(1);
    expect(logger.problems('input is negative')).toHaveLength(1);
  });

  it('a throwing pricer leaves the cost unset and is reported', async () => {
    const { ledger, logger } = setup({
      pricer: {
        price() {
          throw new Error('price table corrupt');
        },
      },
    });
    const record = ledger.start({ model: 'm' }).complete({ tokens: { input: 1 } });
    expect(record.cost).toBeNull();
    expect(record.status).toBe('success');
    expect(logger.problems('price table corrupt')).toHaveLength(1);
  });

  it('close() reports records that could not be written and still closes', async () => {
    const store = new FlakyStore();
    store.failing = true;
    const { ledger, logger } = setup({ store });
    ledger.start({ model: 'm' }).complete();
    ledger.start({ model: 'm' }).complete();
    await expect(ledger.close()).resolves.toBeUndefined();
    expect(logger.problems('2 records could not be written before close')).toHaveLength(1);
  });
});

describe('fail-closed (failOpen: false)', () => {
  it('flush() rejects with a StoreError carrying the cause; the records stay pending', async () => {
    const store = new FlakyStore();
    store.failing = true;
    const { ledger } = setup({ store, failOpen: false });
    ledger.start({ model: 'm' }).complete();
    const error = await ledger.flush().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_ERROR', retryable: true });
    expect((error as StoreError).cause).toBe(store.failure);
    expect(ledger.stats().pending).toBe(1);
    store.failing = false;
    await ledger.flush();
    expect(store.accepted).toHaveLength(1);
  });

  it('a StoreError thrown by the store passes through unchanged', async () => {
    const store = new FlakyStore();
    store.failing = true;
    store.failure = new StoreError('database is locked', { retryable: false });
    const { ledger } = setup({ store, failOpen: false });
    ledger.start({ model: 'm' }).complete();
    await expect(ledger.flush()).rejects.toBe(store.failure);
  });

  it('queries reject when pending records cannot be written first', async () => {
    const store = new FlakyStore();
    const { ledger } = setup({ store, failOpen: false });
    store.failing = true;
    ledger.start({ model: 'm' }).complete();
    await expect(ledger.calls.list({})).rejects.toBeInstanceOf(StoreError);
  });

  it('invalid token counts throw ValidationError, and a corrected complete() then works', () => {
    const { ledger } = setup({ failOpen: false });
    const call = ledger.start({ model: 'm' });
    expect(() => call.complete({ tokens: { input: Number.NaN } })).toThrow(ValidationError);
    expect(call.finalized).toBe(false);
    expect(call.complete({ tokens: { input: 3 } }).tokens.input).toBe(3);
  });

  it('a missing model and an invalid startedAt throw ValidationError at start', () => {
    const { ledger } = setup({ failOpen: false });
    expect(() => ledger.start({ model: '' })).toThrow(expect.objectContaining({ field: 'model' }));
    expect(() => ledger.start({ model: 'm', startedAt: 'yesterday-ish' })).toThrow(
      expect.objectContaining({ field: 'startedAt', code: 'VALIDATION_ERROR' }),
    );
  });

  it('a bad caller cost throws ValidationError', () => {
    const { ledger } = setup({ failOpen: false });
    expect(() => ledger.start({ model: 'm' }).complete({ cost: 'about a dollar' })).toThrow(ValidationError);
  });

  it('in logCall, invalid input inside fn is recorded as the error and re-thrown', async () => {
    const { ledger } = setup({ failOpen: false });
    let thrown: unknown;
    await ledger
      .logCall({ model: 'm' }, async (call) => {
        call.complete({ tokens: { output: -1 } });
      })
      .catch((error: unknown) => (thrown = error));
    expect(thrown).toBeInstanceOf(ValidationError);
    const [record] = (await ledger.calls.list({})).records;
    expect(record).toMatchObject({ status: 'error', errorType: 'ValidationError' });
  });

  it('invalid streamed token counts are refused at update(), where the caller passes them', () => {
    const { ledger } = setup({ failOpen: false });
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    expect(() => call.update({ tokens: { input: -1 } })).toThrow(ValidationError);
    call.update({ appendText: 'ok', tokens: { input: 1 } });
    expect(call.complete().tokens.input).toBe(1);
  });

  it("in logCall, a refusal while recording fn's error never replaces that error", async () => {
    const { ledger, logger } = setup({
      failOpen: false,
      pricer: {
        price() {
          throw new Error('no prices today');
        },
      },
    });
    const failure = new Error('provider down');
    await expect(
      ledger.logCall({ model: 'm' }, async (call) => {
        call.update({ tokens: { input: 3 } });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(logger.problems('no prices today')).toHaveLength(1);
  });

  it('an abort whose recording is refused does not throw out of the signal', async () => {
    const { ledger } = setup({
      failOpen: false,
      pricer: {
        price() {
          throw new Error('no prices today');
        },
      },
    });
    const controller = new AbortController();
    const call = ledger.start({ model: 'm', signal: controller.signal });
    call.update({ tokens: { input: 3 } });
    expect(() => controller.abort()).not.toThrow();
    await sleep(5);
  });

  it('handler failures never reach the caller, even fail-closed', async () => {
    const throwing: LedgerHandler = {
      onEnd() {
        throw new Error('handler bug');
      },
    };
    const { ledger } = setup({ failOpen: false, handlers: [throwing] });
    ledger.start({ model: 'm' }).complete();
    await expect(ledger.flush()).resolves.toBeUndefined();
    expect(ledger.stats().handlers.errors).toBe(1);
  });
});

describe('enabled: false', () => {
  it('start() returns a no-op handle and nothing is recorded or dispatched', async () => {
    const seen: string[] = [];
    const store = new FlakyStore();
    const { ledger } = setup({
      store,
      enabled: false,
      handlers: [{ onStart: () => void seen.push('start'), onEnd: () => void seen.push('end') }],
    });
    expect(ledger.enabled).toBe(false);
    const call = ledger.start({ model: 'm' });
    call.update({ appendText: 'x' });
    const record = call.complete({ tokens: { input: -1 } });
    expect(record.status).toBe('success');
    expect(call.finalized).toBe(false);
    expect(() => call.complete()).not.toThrow();
    expect(() => call.fail(new Error('x'))).not.toThrow();
    await ledger.flush();
    expect(seen).toEqual([]);
    expect(store.attempts).toEqual([]);
    expect(ledger.stats()).toMatchObject({ queued: 0, invalidInput: 0 });
  });

  it('logCall still runs fn exactly once and returns its value, or re-throws its error', async () => {
    const { ledger } = setup({ enabled: false });
    let runs = 0;
    const value = await ledger.logCall({ model: 'm' }, async (call) => {
      runs += 1;
      call.complete();
      return { answer: 42 };
    });
    expect(value).toEqual({ answer: 42 });
    expect(runs).toBe(1);
    const error = new Error('x');
    await expect(
      ledger.logCall({ model: 'm' }, () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect((await ledger.calls.list({})).records).toEqual([]);
  });

  it('typed helpers and bad input are no-ops too', () => {
    const { ledger } = setup({ enabled: false, failOpen: false });
    expect(() => ledger.start({ model: '' })).not.toThrow();
    expect(() => ledger.logSentimentAnalysis({ text: 't', model: 'm' }).complete()).not.toThrow();
  });

  it('LLM_USAGE_LOGGING_ENABLED=false disables it through the environment', async () => {
    const { ledger } = setup({ env: { LLM_USAGE_LOGGING_ENABLED: 'false' } });
    expect(ledger.enabled).toBe(false);
    ledger.start({ model: 'm' }).complete();
    expect((await ledger.calls.list({})).records).toEqual([]);
  });

  it('LLM_USAGE_FAIL_OPEN with a bad value is a ConfigError naming the variable', () => {
    expect(() => testLedger({ env: { LLM_USAGE_FAIL_OPEN: 'maybe' } })).toThrow(ConfigError);
    expect(() => testLedger({ env: { LLM_USAGE_FAIL_OPEN: 'maybe' } })).toThrow(/LLM_USAGE_FAIL_OPEN/);
  });
});
