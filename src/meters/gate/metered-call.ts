import type { CallHandle, CallInit } from '../../core/call.js';
import type { Ledger } from '../../core/ledger.js';
import type { CallEstimate } from '../limits/call-estimate.js';
import { createMeterGate } from './meter-gate.js';
import type { Meter } from '../meter.js';

/** The ledger methods a metered call uses. */
export type MeteredLedger = Pick<Ledger, 'logCall'>;

/**
 * `ledger.logCall` with budgets and rate limits: reserves the call's estimate before `fn` runs
 * (throwing QuotaExceededError or RateLimitedError, so the provider is never contacted), records
 * the call, then settles its actual usage and releases the rest of the reservation, whether it
 * succeeded, failed or was aborted. Settlement is not awaited: `meter.flush()` waits for it.
 *
 * @example
 * const answer = await meteredCall(ledger, meter, { model: 'gpt-4o', userId: 'u-42', messages, params: { maxTokens: 500 } },
 *   async (call) => {
 *     const response = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });
 *     call.complete({ responseMessage: response.choices[0]?.message, tokens: response.usage ?? undefined });
 *     return response.choices[0]?.message.content;
 *   });
 */
export async function meteredCall<T>(
  ledger: MeteredLedger,
  meter: Meter,
  init: CallInit,
  fn: (call: CallHandle) => Promise<T> | T,
  estimate?: CallEstimate,
): Promise<T> {
  const gate = createMeterGate(meter);
  const admitted = await gate.admit(init, estimate);
  let handle: CallHandle | undefined;
  try {
    return await ledger.logCall(admitted, (call) => {
      handle = call;
      return fn(call);
    });
  } finally {
    const record = handle?.record;
    if (record) gate.settle(record);
    else gate.release(admitted.id);
  }
}
