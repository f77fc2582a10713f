import { describe, expect, it } from 'vitest';
import { PASS, StreamCapture, type StreamAccumulator, type StreamOutcome } from '../../src/capture/stream-capture.js';
import { onlyRecord, testLedger } from './capture-harness.js';

const outcome: StreamOutcome = {
  responseMessage: null,
  responseModel: null,
  finishReason: null,
  tokens: undefined,
  usageComplete: false,
  finished: false,
  outputText: '',
  reasoningText: '',
  error: undefined,
};
const accumulator: StreamAccumulator<unknown> = { add: () => PASS, outcome: () => outcome };

function capture() {
  const ledger = testLedger();
  const call = ledger.start({ model: 'gpt-4o-mini', requestMode: 'streaming' });
  const stream = new StreamCapture<unknown>(call, accumulator, { idleTimeoutMs: 0 });
  return { ledger, call, stream };
}

/** A read that stays pending until `release` is called. */
function pendingSource() {
  let release: (result: IteratorResult<unknown>) => void = () => undefined;
  const inner: AsyncIterator<unknown> = {
    next: () => new Promise((resolve) => (release = resolve)),
  };
  return { inner, release: (result: IteratorResult<unknown>) => release(result) };
}

describe("watching an SDK stream's AbortController", () => {
  it('an abort with no read in flight cancels the call at once, and abort() behaves as before', async () => {
    const { ledger, call, stream } = capture();
    const controller = new AbortController();
    stream.watchController(controller);
    const reason = new Error('stop');
    expect(controller.abort(reason)).toBeUndefined();
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe(reason);
    expect(call.finalized).toBe(true);
    // A second abort is a no-op, as for the signal.
    controller.abort(new Error('again'));
    expect((await onlyRecord(ledger)).status).toBe('cancelled');
  });

  it('an abort during a read waits for that read: a stream that then ends quietly is cancelled', async () => {
    const { ledger, call, stream } = capture();
    const controller = new AbortController();
    stream.watchController(controller);
    const { inner, release } = pendingSource();
    const read = stream.iterate(inner).next();
    controller.abort();
    expect(call.finalized).toBe(false);
    release({ done: true, value: undefined });
    await read;
    expect((await onlyRecord(ledger)).status).toBe('cancelled');
  });

  it('a controller that already aborted cancels at once', async () => {
    const { ledger, stream } = capture();
    const controller = new AbortController();
    controller.abort();
    stream.watchController(controller);
    expect((await onlyRecord(ledger)).status).toBe('cancelled');
  });

  it('a stream that ended is not touched by a later abort', async () => {
    const { ledger, stream } = capture();
    const controller = new AbortController();
    stream.watchController(controller);
    const iterator = stream.iterate({ next: async () => ({ done: true, value: undefined }) });
    await iterator.next();
    // Finalized: the controller no longer holds the capture.
    expect(controller.abort).toBe(AbortController.prototype.abort);
    controller.abort();
    expect((await onlyRecord(ledger)).status).toBe('partial');
  });

  it('falls back to listening on the signal when there is no abort method', async () => {
    const { ledger, stream } = capture();
    const controller = new AbortController();
    stream.watchController({ signal: controller.signal });
    controller.abort();
    expect((await onlyRecord(ledger)).status).toBe('cancelled');
  });
});
