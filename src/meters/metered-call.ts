import { uuidv7 } from 'uuidv7';
import type { CallHandle, CallInit } from '../core/call.js';
import { currentContext } from '../core/context.js';
import type { Ledger } from '../core/ledger.js';
import type { CallEstimate } from './limits/call-estimate.js';
import type { Meter, ReserveCall } from './meter.js';

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
  const withId: CallInit = { ...init, id: init.id ?? uuidv7() };
  await meter.reserve(reserveCallOf(withId), estimate);
  let handle: CallHandle | undefined;
  try {
    return await ledger.logCall(withId, (call) => {
      handle = call;
      return fn(call);
    });
  } finally {
    const record = handle?.record;
    if (record) void meter.settle(record);
    else void meter.release(withId.id!);
  }
}

/**
 * The call as the record will see it: attribution the init leaves out comes from the surrounding
 * `ledger.context()`, as `ledger.start` resolves it, so reservation and record name the same subjects.
 */
export function reserveCallOf(init: CallInit): ReserveCall {
  const context = currentContext();
  return {
    id: init.id ?? uuidv7(),
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
