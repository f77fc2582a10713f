import { afterEach, describe, expect, it } from 'vitest';
import type { CallStart } from '../../src/core/call.js';
import type { LedgerHandler } from '../../src/core/handlers.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import type { CallRecord } from '../../src/core/record.js';
import { deferred, nextTurn, sleep, testLedger, type TestLedger } from './support.js';

let current: TestLedger | undefined;
function setup(options: Parameters<typeof testLedger>[0] = {}): TestLedger {
  current = testLedger(options);
  return current;
}
afterEach(async () => {
  await current?.ledger.close();
  current = undefined;
});

/** Keeps every event it sees, in order. */
class RecordingHandler implements LedgerHandler {
  readonly events: string[] = [];
  readonly starts: CallStart[] = [];
  readonly ends: CallRecord[] = [];
  readonly errors: Array<{ record: CallRecord; error: unknown }> = [];

  onStart(call: CallStart): void {
    this.events.push(`start:${call.model}`);
    this.starts.push(call);
  }

  onEnd(record: CallRecord): void {
    this.events.push(`end:${record.model}:${record.status}`);
    this.ends.push(record);
  }

  onError(record: CallRecord, error: unknown): void {
    this.events.push(`error:${record.model}:${record.status}`);
    this.errors.push({ record, error });
  }
}

describe('handler events', () => {
  it('onStart gets the call, onEnd the record, for a success', async () => {
    const handler = new RecordingHandler();
    const { ledger } = setup({ handlers: [handler] });
    const call = ledger.start({ model: 'gpt-4o', provider: 'openai', userId: 'u-1', messages: [{ role: 'user' }] });
    const record = call.complete({ responseMessage: 'hi' });
    await ledger.flush();
    expect(handler.events).toEqual(['start:gpt-4o', 'end:gpt-4o:success']);
    expect(handler.starts[0]).toMatchObject({
      id: call.id,
      traceId: call.traceId,
      model: 'gpt-4o',
      provider: 'openai',
      userId: 'u-1',
      messages: [{ role: 'user' }],
    });
    expect(typeof handler.starts[0]?.startedAtMs).toBe('number');
    expect(handler.ends[0]).toBe(record);
    expect(handler.errors).toEqual([]);
  });

  it('onError runs for error and cancelled calls only, with the error', async () => {
    const handler = new RecordingHandler();
    const { ledger } = setup({ handlers: [handler] });
    const failure = new Error('boom');
    await expect(
      ledger.logCall({ model: 'failing' }, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const reason = new DOMException('stop', 'AbortError');
    ledger.start({ model: 'cancelled' }).cancel(reason);
    ledger.start({ model: 'partial' }).complete({ status: 'partial' });
    ledger.start({ model: 'ok' }).complete();
    await ledger.flush();
    expect(handler.errors.map(({ record }) => `${record.model}:${record.status}`)).toEqual([
      'failing:error',
      'cancelled:cancelled',
    ]);
    expect(handler.errors[0]?.error).toBe(failure);
    expect(handler.errors[1]?.error).toBe(reason);
    expect(handler.ends.map((record) => record.status)).toEqual(['error', 'cancelled', 'partial', 'success']);
  });

  it('runs onStart before onEnd even for a call cancelled at start', async () => {
    const handler = new RecordingHandler();
    const { ledger } = setup({ handlers: [handler] });
    ledger.start({ model: 'm', signal: AbortSignal.abort() });
    await ledger.flush();
    expect(handler.events).toEqual(['start:m', 'end:m:cancelled', 'error:m:cancelled']);
  });

  it('calls every method with its handler as `this`, and accepts partial handlers', async () => {
    const seen: string[] = [];
    const onlyEnd: LedgerHandler = {
      name: 'only-end',
      onEnd(record) {
        seen.push(`${this.name}:${record.status}`);
      },
    };
    const { ledger } = setup({ handlers: [onlyEnd, {}] });
    ledger.start({ model: 'm' }).fail(new Error('x'));
    await ledger.flush();
    expect(seen).toEqual(['only-end:error']);
  });

  it('runs off the caller path: nothing is dispatched until the caller yields', async () => {
    const handler = new RecordingHandler();
    const { ledger } = setup({ handlers: [handler] });
    ledger.start({ model: 'm' }).complete();
    expect(handler.events).toEqual([]);
    await nextTurn();
    expect(handler.events).toEqual(['start:m', 'end:m:success']);
  });
});

describe('handler isolation', () => {
  const throwing: LedgerHandler = {
    name: 'throwing',
    onStart() {
      throw new Error('sync throw in onStart');
    },
    onEnd() {
      throw new Error('sync throw in onEnd');
    },
  };
  const rejecting: LedgerHandler = {
    name: 'rejecting',
    async onEnd() {
      throw new Error('async rejection');
    },
    onError: () => Promise.reject(new Error('async rejection in onError')),
  };

  it('a throwing or rejecting handler changes nothing for the call or the other handlers', async () => {
    const healthy = new RecordingHandler();
    const { ledger, logger } = setup({ handlers: [throwing, rejecting, healthy] });
    const value = await ledger.logCall({ model: 'm' }, async (call) => {
      call.complete({ responseMessage: 'ok' });
      return 'result';
    });
    expect(value).toBe('result');
    const failure = new Error('the call failed');
    await expect(
      ledger.logCall({ model: 'f' }, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await ledger.flush();
    expect(healthy.events).toEqual(['start:m', 'end:m:success', 'start:f', 'end:f:error', 'error:f:error']);
    // throwing: onStart x2 + onEnd x2; rejecting: onEnd x2 + onError x1
    expect(ledger.stats().handlers).toEqual({ errors: 7, timeouts: 0 });
    const records = (await ledger.calls.list({ order: 'asc' })).records;
    expect(records.map((record) => record.status)).toEqual(['success', 'error']);
    expect(logger.problems('throwing.onStart')).toHaveLength(1);
    expect(logger.problems('rejecting.onError')).toHaveLength(1);
  });

  it('logs a failing handler once however many calls it fails, and counts every failure', async () => {
    const { ledger, logger } = setup({ handlers: [throwing] });
    for (let index = 0; index < 50; index++) ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    expect(ledger.stats().handlers.errors).toBe(100);
    expect(logger.problems('throwing.onStart')).toHaveLength(1);
    expect(logger.problems('throwing.onEnd')).toHaveLength(1);
    expect(logger.problems('sync throw in onEnd')[0]?.object).toMatchObject({ kind: 'handler' });
  });

  it('passes every failure to onError, each with its handler', async () => {
    const problems: Problem[] = [];
    const { ledger } = setup({ handlers: [rejecting], onError: (problem) => problems.push(problem) });
    ledger.start({ model: 'm' }).complete();
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    expect(problems.map((problem) => `${problem.kind}:${problem.subject}`)).toEqual([
      'handler:rejecting.onEnd',
      'handler:rejecting.onEnd',
    ]);
  });

  it('a hanging handler times out without delaying the call or the other handlers', async () => {
    const neverSettles = new Promise<void>(() => {});
    const hanging: LedgerHandler = { name: 'hanging', onEnd: () => neverSettles };
    const healthy = new RecordingHandler();
    const { ledger, logger } = setup({ handlers: [hanging, healthy], handlerTimeoutMs: 30 });
    const before = Date.now();
    const value = await ledger.logCall({ model: 'm' }, async () => 'fast');
    expect(value).toBe('fast');
    // the call returned before the handler even started, let alone timed out
    expect(ledger.stats().handlers.timeouts).toBe(0);
    await nextTurn();
    expect(healthy.events).toEqual(['start:m', 'end:m:success']);
    await ledger.flush();
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
    expect(ledger.stats().handlers).toEqual({ errors: 0, timeouts: 1 });
    expect(logger.problems('hanging.onEnd')).toHaveLength(1);
    expect(logger.problems('did not settle within 30 ms')).toHaveLength(1);
  });

  it('the call returns before a slow handler finishes', async () => {
    const order: string[] = [];
    const slow: LedgerHandler = {
      async onEnd() {
        order.push('handler started');
        await sleep(40);
        order.push('handler finished');
      },
    };
    const { ledger } = setup({ handlers: [slow] });
    await ledger.logCall({ model: 'm' }, async () => {
      order.push('fn');
    });
    order.push('logCall returned');
    const call = ledger.start({ model: 'm' });
    call.complete();
    order.push('complete returned');
    await ledger.flush();
    order.push('flushed');
    expect(order).toEqual([
      'fn',
      'logCall returned',
      'complete returned',
      'handler started',
      'handler started',
      'handler finished',
      'handler finished',
      'flushed',
    ]);
  });

  it('runs slow handlers in parallel, not one after another', async () => {
    const slow = (): LedgerHandler => ({ onEnd: () => sleep(300) });
    const { ledger } = setup({ handlers: [slow(), slow(), slow(), slow()] });
    ledger.start({ model: 'm' }).complete();
    const before = Date.now();
    await ledger.flush();
    const elapsed = Date.now() - before;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // one after another would take 1200 ms
    expect(elapsed).toBeLessThan(1000);
  });

  it('a handler that rejects after its timeout is counted once, as a timeout', async () => {
    const late = deferred();
    const handler: LedgerHandler = { name: 'late', onEnd: () => late.promise };
    const { ledger, logger } = setup({ handlers: [handler], handlerTimeoutMs: 10 });
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    late.reject(new Error('finally failed'));
    await sleep(5);
    expect(ledger.stats().handlers).toEqual({ errors: 0, timeouts: 1 });
    expect(logger.problems('finally failed')).toHaveLength(0);
  });

  it('a handler whose method cannot even be read does not stop the others or crash the process', async () => {
    const hostile = {
      name: 'hostile',
      get onEnd(): never {
        throw new Error('getter exploded');
      },
    } as unknown as LedgerHandler;
    const healthy = new RecordingHandler();
    const { ledger } = setup({ handlers: [hostile, healthy] });
    ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    expect(healthy.events).toEqual(['start:m', 'end:m:success']);
    expect(ledger.stats().handlers.errors).toBeGreaterThanOrEqual(1);
  });

  it('a handler cannot change the record it gets: the row is immutable', async () => {
    const vandal: LedgerHandler = {
      onEnd(record) {
        record.status = 'error';
      },
      onStart() {},
    };
    const tokenVandal: LedgerHandler = {
      onEnd(record) {
        record.tokens.input = 999;
      },
    };
    const { ledger } = setup({ handlers: [vandal, tokenVandal] });
    const call = ledger.start({ model: 'm' });
    call.complete({ tokens: { input: 1 } });
    await ledger.flush();
    expect(await ledger.calls.get(call.id)).toMatchObject({ status: 'success', tokens: { input: 1 } });
    expect(ledger.stats().handlers.errors).toBe(2);
  });

  it('a logger that throws does not break recording', async () => {
    const { ledger } = setup({
      handlers: [throwing],
      logger: {
        debug() {},
        info() {},
        warn() {
          throw new Error('logger down');
        },
        error() {
          throw new Error('logger down');
        },
      },
      onError: () => {
        throw new Error('hook down too');
      },
    });
    const record = ledger.start({ model: 'm' }).complete({ tokens: { input: -1 } });
    expect(record.tokens.input).toBe(0);
    await ledger.flush();
    expect(await ledger.calls.get(record.id)).not.toBeNull();
  });
});

describe('adding and removing handlers at run time', () => {
  it('a handler added later sees later calls; a removed one sees no more', async () => {
    const first = new RecordingHandler();
    const second = new RecordingHandler();
    const { ledger } = setup();
    ledger.start({ model: 'before' }).complete();
    await ledger.flush();
    ledger.addHandler(first);
    ledger.addHandler(second);
    ledger.addHandler(first);
    ledger.start({ model: 'both' }).complete();
    await ledger.flush();
    expect(ledger.removeHandler(first)).toBe(true);
    expect(ledger.removeHandler(first)).toBe(false);
    ledger.start({ model: 'second-only' }).complete();
    await ledger.flush();
    expect(first.events).toEqual(['start:both', 'end:both:success']);
    expect(second.events).toEqual(['start:both', 'end:both:success', 'start:second-only', 'end:second-only:success']);
  });

  it('a handler can remove itself while handling', async () => {
    const { ledger } = setup();
    let calls = 0;
    const once: LedgerHandler = {
      onEnd() {
        calls += 1;
        ledger.removeHandler(once);
      },
    };
    ledger.addHandler(once);
    ledger.start({ model: 'a' }).complete();
    await ledger.flush();
    ledger.start({ model: 'b' }).complete();
    await ledger.flush();
    expect(calls).toBe(1);
  });
});

describe('flush and handlers', () => {
  it('queries flush first: the caller reads its own writes, and handlers have seen them', async () => {
    const seen: string[] = [];
    const { ledger } = setup({ handlers: [{ onEnd: async (record) => void seen.push(record.id) }] });
    const call = ledger.start({ model: 'm' });
    call.complete();
    expect(await ledger.calls.get(call.id)).toMatchObject({ id: call.id });
    expect(seen).toEqual([call.id]);
  });

  it('flush() waits for async handlers to finish', async () => {
    let finished = 0;
    const slow: LedgerHandler = {
      async onEnd() {
        await sleep(20);
        finished += 1;
      },
    };
    const { ledger } = setup({ handlers: [slow] });
    for (let index = 0; index < 5; index++) ledger.start({ model: 'm' }).complete();
    await ledger.flush();
    expect(finished).toBe(5);
  });

  it('flush() also waits for events raised by handlers during the flush', async () => {
    const seen: string[] = [];
    const { ledger } = setup();
    const chained: LedgerHandler = {
      async onEnd(record) {
        seen.push(record.model);
        await sleep(5);
        if (record.model === 'first') ledger.start({ model: 'second' }).complete();
      },
    };
    ledger.addHandler(chained);
    ledger.start({ model: 'first' }).complete();
    await ledger.flush();
    expect(seen).toEqual(['first', 'second']);
    expect((await ledger.calls.list({})).records).toHaveLength(2);
  });
});
