import type { BaseCallbackHandler, CallbackHandlerMethods } from '@langchain/core/callbacks/base';
import type { RunnableConfig } from '@langchain/core/runnables';
import { newCallId } from '../../core/call-id.js';
import { currentContext } from '../../core/context.js';
import { ValidationError } from '../../core/errors.js';
import { unknownKeyMessage } from '../../core/key-suggestions.js';
import { printableKey } from '../../core/unknown-keys.js';
import type { Ledger } from '../../core/ledger.js';
import type { RequestMode } from '../../core/record.js';
import { LedgerCallbackHandler } from './callback-handler.js';

/** A callback LangChain accepts in `config.callbacks`: a handler instance or a plain object of methods. */
export type LangChainCallback = BaseCallbackHandler | CallbackHandlerMethods;

/** The task parameters shared by `runWithUsage` and `streamWithUsage`. */
export interface TaskUsageOptions<Input> {
  /** Recorded as each model call's `callType`, e.g. `extraction`, `summarization`. */
  taskType: string;
  /** Input for the runnable. */
  input: Input;
  /** The model you expect, e.g. `openai/gpt-4o-mini`: recorded when a model run does not name its own. */
  modelName: string;
  sessionId?: string;
  userId?: string;
  requestId?: string;
  /** Your own callbacks, run beside the ledger's. */
  extraCallbacks?: readonly LangChainCallback[];
  /** Default: the process-wide ledger (`llm_config.yaml`, environment). */
  ledger?: Ledger;
}

const STREAM_OPTION_KEYS = [
  'taskType',
  'runnable',
  'input',
  'modelName',
  'sessionId',
  'userId',
  'requestId',
  'extraCallbacks',
  'ledger',
];
const RUN_OPTION_KEYS = [...STREAM_OPTION_KEYS, 'requestMode'];

/** Checks what the caller passed; throws ValidationError saying what to pass instead. */
export function checkTaskOptions(
  options: TaskUsageOptions<unknown> & { runnable?: unknown; requestMode?: unknown },
  method: 'invoke' | 'stream',
  helper: string,
): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', `${helper}() takes one object: { taskType, runnable, input, modelName }`);
  }
  const known = method === 'invoke' ? RUN_OPTION_KEYS : STREAM_OPTION_KEYS;
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as unknown as Record<string, unknown>)[key] === undefined) continue;
    // The Python names (task_type, model_name, extra_callbacks...) get their camelCase did-you-mean.
    throw new ValidationError(printableKey(key), `in ${helper}() options: ${unknownKeyMessage(key, known)}`);
  }
  if (typeof options.taskType !== 'string' || options.taskType.trim() === '') {
    throw new ValidationError('taskType', `pass a non-empty task type to ${helper}(), such as 'extraction'`);
  }
  const runnable = options.runnable as { invoke?: unknown; stream?: unknown } | null | undefined;
  if (typeof runnable !== 'object' && typeof runnable !== 'function') {
    throw new ValidationError('runnable', `pass a LangChain Runnable (a chain or a model) to ${helper}()`);
  }
  if (runnable === null || typeof runnable[method] !== 'function') {
    throw new ValidationError('runnable', `the runnable passed to ${helper}() has no ${method}() method`);
  }
  if (typeof options.modelName !== 'string' || options.modelName.trim() === '') {
    throw new ValidationError('modelName', `pass the model name to ${helper}(), such as 'openai/gpt-4o-mini'`);
  }
  if (options.requestMode !== undefined && options.requestMode !== 'sync' && options.requestMode !== 'streaming') {
    throw new ValidationError(
      'requestMode',
      `expected 'sync' or 'streaming', got ${JSON.stringify(options.requestMode)}`,
    );
  }
  if (options.extraCallbacks !== undefined && !Array.isArray(options.extraCallbacks)) {
    throw new ValidationError('extraCallbacks', 'pass an array of LangChain callback handlers');
  }
  const notHandler = options.extraCallbacks?.findIndex((handler) => typeof handler !== 'object' || handler === null);
  if (notHandler !== undefined && notHandler !== -1) {
    throw new ValidationError(
      `extraCallbacks[${notHandler}]`,
      'each entry must be a LangChain callback handler (a BaseCallbackHandler or an object of handler methods)',
    );
  }
  for (const id of ['sessionId', 'userId', 'requestId'] as const) {
    const value = options[id];
    if (value !== undefined && typeof value !== 'string') {
      throw new ValidationError(id, `expected a string, got ${typeof value}`);
    }
  }
}

/**
 * The handler for one task: every model run inside shares one trace (the surrounding
 * `ledger.context()` trace when there is one, else a new one) and carries the task's attribution.
 */
export function taskHandler(
  options: TaskUsageOptions<unknown>,
  requestMode: RequestMode | undefined,
): LedgerCallbackHandler {
  const context = currentContext();
  return new LedgerCallbackHandler({
    ledger: options.ledger,
    callType: options.taskType,
    modelName: options.modelName,
    requestMode,
    traceId: context?.traceId ?? newCallId(),
    parentId: context?.traceId ? context.parentId : undefined,
    sessionId: options.sessionId,
    userId: options.userId,
    requestId: options.requestId,
  });
}

/** The runnable's config: the ledger's handler first, then the caller's own callbacks. */
export function taskConfig(handler: LedgerCallbackHandler, options: TaskUsageOptions<unknown>): RunnableConfig {
  return { callbacks: [handler, ...(options.extraCallbacks ?? [])] };
}
