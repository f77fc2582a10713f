import type { CallHandle, CallStart } from '../core/call.js';
import type { ResponseMessage } from '../core/record.js';
import {
  createCallTokenEstimator,
  type CallTokenEstimator,
  type EstimateRequest,
  type TokenEstimate,
} from '../tokens/call-token-estimator.js';
import type { ChatInput } from '../tokens/chat-request.js';

/**
 * Token counts for calls whose usage never arrived (a stream cut short, an API without usage),
 * through the one fallback chain of src/tokens: the model's tokenizer, else o200k_base scaled by the
 * family's ratio, else characters. Counting runs off the caller's path when the ledger allows it
 * (`finalizeSoon`), and in chunks that yield to the event loop for a large prompt or answer.
 */

/** Anything that may carry a configured estimator (a Ledger from createLedger). */
export interface EstimatorSource {
  readonly tokenEstimator?: CallTokenEstimator;
  /** @internal See `Ledger.finalizeSoon`. */
  finalizeSoon?(call: CallHandle, finalize: (mayWait: boolean) => void | Promise<void>): void;
}

let defaultEstimator: CallTokenEstimator | undefined;

/** The ledger's estimator, or the default chain (a Ledger built without createLedger). */
export function estimatorOf(source: EstimatorSource | undefined): CallTokenEstimator {
  return source?.tokenEstimator ?? (defaultEstimator ??= createCallTokenEstimator());
}

/**
 * The call's own copy of its request: the application's `messages` array may grow once the call
 * returns (the reply pushed onto it), and counting may happen a turn later.
 */
export function promptOf(call: Pick<CallStart, 'messages' | 'systemPrompt' | 'tools'>): ChatInput {
  // OpenAI chat requests keep the system prompt in the messages, and the record copies it out too.
  const system = call.systemPrompt && !call.messages.some(isSystemMessage) ? call.systemPrompt : null;
  return { messages: call.messages, system, tools: call.tools };
}

function isSystemMessage(message: unknown): boolean {
  const role = (message as { role?: unknown } | null)?.role;
  return role === 'system' || role === 'developer';
}

/** What to count for a call: its prompt unless the provider reported the input side, and its output. */
export function estimateRequestOf(
  call: CallStart,
  output: { text?: string; reasoningText?: string; inputKnown?: boolean },
  prompt?: ChatInput,
): EstimateRequest {
  return {
    model: call.model,
    provider: call.provider,
    callType: call.callType,
    prompt: output.inputKnown ? undefined : (prompt ?? promptOf(call)),
    outputText: call.callType === 'EMBEDDING' ? '' : output.text,
    reasoningText: output.reasoningText,
  };
}

/**
 * Runs `finalize` with the estimate of `request` (undefined when there is nothing to count): a
 * turn later when the ledger defers finalizations, counted in chunks when the texts are large;
 * otherwise at once. An estimator failure never loses the record: it is finalized without counts.
 */
export function finalizeWithEstimate(
  source: EstimatorSource | undefined,
  call: CallHandle,
  request: EstimateRequest | undefined,
  finalize: (estimate: TokenEstimate | undefined) => void,
  options: { defer: boolean },
): void {
  const run = (mayWait: boolean): void | Promise<void> => {
    if (call.finalized) return;
    if (!request) return finalize(undefined);
    const estimator = estimatorOf(source);
    if (mayWait && estimator.isLarge(request)) {
      return estimator.estimateAsync(request).then(
        (estimate) => {
          if (!call.finalized) finalize(estimate);
        },
        () => {
          if (!call.finalized) finalize(undefined);
        },
      );
    }
    let estimate: TokenEstimate | undefined;
    try {
      estimate = estimator.estimate(request);
    } catch {
      estimate = undefined;
    }
    finalize(estimate);
  };
  if (options.defer && source?.finalizeSoon) source.finalizeSoon(call, run);
  else void run(false);
}

/**
 * The estimate at once, on the current path (integrations whose records are read right after the
 * call); undefined when the estimator failed, so the record is kept without counts.
 */
export function estimateNow(source: EstimatorSource | undefined, request: EstimateRequest): TokenEstimate | undefined {
  try {
    return estimatorOf(source).estimate(request);
  } catch {
    return undefined;
  }
}

/** The text of a response message: its content (string or text parts) and its tool calls' arguments. */
export function responseTextOf(message: ResponseMessage | string | null | undefined): string {
  if (typeof message === 'string') return message;
  if (!message) return '';
  let text = contentText(message.content);
  for (const call of message.toolCalls ?? []) {
    const fn = (call as { function?: { name?: unknown; arguments?: unknown } }).function;
    const args = fn?.arguments ?? (call as { arguments?: unknown }).arguments;
    if (typeof fn?.name === 'string') text += fn.name;
    if (typeof args === 'string') text += args;
    else if (args !== undefined) text += JSON.stringify(args);
  }
  return text;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (typeof (part as { text?: unknown } | null)?.text === 'string') text += (part as { text: string }).text;
  }
  return text;
}
