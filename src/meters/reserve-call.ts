import { newCallId } from '../core/call-id.js';
import type { CallInit } from '../core/call.js';
import { currentContext } from '../core/context.js';
import type { ReserveCall } from './meter.js';

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
