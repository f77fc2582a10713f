import { describe, expect, it } from 'vitest';
import type { LedgerHandler } from '../../src/core/handlers.js';
import { LLMLogger } from '../../src/observe/logging/llm-logger.js';
import { timeHandler, type CallbackObserver } from '../../src/observe/timing/timed-handler.js';
import { LineSink, observedLedger } from './support.js';

/** A monotonic clock the handler itself advances, so "slow" needs no real waiting. */
function steppingClock() {
  let now = 0;
  return { now: () => now, advance: (milliseconds: number) => (now += milliseconds) };
}

function recordingObserver(): CallbackObserver & { seen: Array<[string, number, boolean]> } {
  const seen: Array<[string, number, boolean]> = [];
  return { seen, observeCallback: (type, seconds, failed) => void seen.push([type, seconds, failed]) };
}

describe('timeHandler', () => {
  it('logs invocations slower than PERFORMANCE_LOG_THRESHOLD as slow_callback', async () => {
    const clock = steppingClock();
    const durations = [1500, 200, 2500];
    const inner: LedgerHandler = {
      name: 'BillingHandler',
      // Synchronous, so invocations do not overlap and each duration is exactly its own step.
      onEnd: () => void clock.advance(durations.shift()!),
    };
    const sink = new LineSink();
    const logger = new LLMLogger({ destination: sink, env: {} });
    const observer = recordingObserver();
    const timed = timeHandler(inner, {
      logger,
      observer,
      now: clock.now,
      env: { PERFORMANCE_LOG_THRESHOLD: '1000' },
    });
    expect(timed.name).toBe('BillingHandler');
    const ledger = observedLedger([timed]);
    for (let index = 0; index < 3; index++) ledger.start({ model: 'gpt-4o' }).complete();
    await ledger.close();

    expect(sink.byEvent('slow_callback')).toEqual([
      expect.objectContaining({
        emoji: '⏱️',
        level: 40,
        handler_type: 'BillingHandler',
        method: 'onEnd',
        duration_ms: 1500,
        threshold_ms: 1000,
        failed: false,
      }),
      expect.objectContaining({ duration_ms: 2500 }),
    ]);
    expect(observer.seen).toEqual([
      ['BillingHandler', 1.5, false],
      ['BillingHandler', 0.2, false],
      ['BillingHandler', 2.5, false],
    ]);
  });

  it('defaults to 1000 ms, passes errors through and counts them', async () => {
    const clock = steppingClock();
    const observer = recordingObserver();
    const warnings: Array<Record<string, unknown>> = [];
    class AuditHandler implements LedgerHandler {
      onStart(): void {
        clock.advance(1001);
        throw new Error('audit store down');
      }
      async onEnd(): Promise<void> {
        clock.advance(999);
        throw new Error('late failure');
      }
    }
    const timed = timeHandler(new AuditHandler(), {
      observer,
      now: clock.now,
      env: {},
      logger: { warn: (object) => void warnings.push(object) },
    });
    const ledger = observedLedger([timed]);
    ledger.start({ model: 'gpt-4o' }).complete();
    await ledger.close();
    expect(observer.seen).toEqual([
      ['AuditHandler', 1.001, true],
      ['AuditHandler', 0.999, true],
    ]);
    // The ledger still sees both failures.
    expect(ledger.stats().handlers.errors).toBe(2);
    expect(warnings).toEqual([
      {
        event: 'slow_callback',
        handler_type: 'AuditHandler',
        method: 'onStart',
        duration_ms: 1001,
        threshold_ms: 1000,
        failed: true,
      },
    ]);
  });

  it('leaves the handler alone when performance monitoring is disabled', () => {
    const handler: LedgerHandler = { onEnd() {} };
    expect(timeHandler(handler, { env: { ENABLE_PERFORMANCE_MONITORING: 'false' } })).toBe(handler);
  });
});
