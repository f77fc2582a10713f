import { newCallId } from '../../core/call-id.js';
import type { CallInit } from '../../core/call.js';
import { currentContext } from '../../core/context.js';
import type { CallRecord } from '../../core/record.js';
import type { CallEstimate } from '../limits/call-estimate.js';
import type { Meter, ReserveCall } from '../meter.js';

/**
 * What the ledger needs from a meter around each call: `admit` before the provider is contacted
 * (gives the call its id and reserves, or throws QuotaExceededError / RateLimitedError), `settle`
 * once its record is final, `release` when it was admitted but never started. The core can hold
 * this shape without importing the meters.
 */
export interface MeterGate {
  admit(init: CallInit, estimate?: CallEstimate): Promise<CallInit & { id: string }>;
  settle(record: CallRecord): void;
  release(id: string): void;
  /** Waits until the settlements given so far are applied (or kept for replay). */
  flush(): Promise<void>;
}

/**
 * @example
 * const gate = createMeterGate(meter);
 * const admitted = await gate.admit({ model: 'gpt-4o', userId: 'u-42', messages, params: { maxTokens: 500 } });
 * const call = ledger.start(admitted); // ... call.complete(...) ...
 * gate.settle(call.record!);
 */
export function createMeterGate(meter: Meter): MeterGate {
  return {
    async admit(init, estimate) {
      const admitted = { ...init, id: init.id ?? newCallId() };
      await meter.reserve(reserveCallOf(admitted), estimate);
      return admitted;
    },
    settle(record) {
      void meter.settle(record);
    },
    release(id) {
      void meter.release(id);
    },
    flush() {
      return meter.flush();
    },
  };
}

/**
 * The call as the record will see it: attribution the init leaves out comes from the surrounding
 * `ledger.context()`, as `ledger.start` resolves it, so reservation and record name the same subjects.
 *
 * @example
 * await meter.reserve(reserveCallOf({ id: callId, model: 'gpt-4o', messages }));
 */
export function reserveCallOf(init: CallInit): ReserveCall {
  const context = currentContext();
  return {
    id: init.id ?? newCallId(),
    model: init.model,
    provider: init.provider ?? 'unknown',
    userId: init.userId ?? context?.userId ?? null,
    tenantId: init.tenantId ?? context?.tenantId ?? null,
    metadata: context?.metadata ? { ...context.metadata, ...init.metadata } : (init.metadata ?? {}),
    messages: init.messages,
    systemPrompt: init.systemPrompt,
    tools: init.tools,
    params: init.params,
  };
}
