import type { RunnableConfig } from '@langchain/core/runnables';
import type { LedgerCallbackHandler } from './callback-handler.js';
import { checkTaskOptions, taskConfig, taskHandler, type TaskUsageOptions } from './task-options.js';

/** Anything with LangChain's `stream(input, config)`: a chain, a model, a graph. */
export interface StreamableRunnable<Input, Output> {
  stream(input: Input, options?: RunnableConfig): Promise<AsyncIterable<Output>>;
}

export interface StreamWithUsageOptions<Input, Output> extends TaskUsageOptions<Input> {
  runnable: StreamableRunnable<Input, Output>;
}

/**
 * Like Python's `stream_with_usage`: yields the chunks of `runnable.stream(input)`, recording every
 * model call inside as a `streaming` record with its time to first token and the usage of its
 * final chunk. However the stream ends it is finalized: completed, failed (the error is re-thrown
 * unchanged), or `partial` when you `break` out early or the chain fails around a model still
 * streaming (LangChain fires no end event then; output tokens are estimated from the text
 * received). Leaving early also aborts the underlying request.
 *
 * Invalid options throw ValidationError at once, before any iteration.
 *
 * @example
 * for await (const chunk of streamWithUsage({
 *   taskType: 'summarization',
 *   runnable: prompt.pipe(model).pipe(new StringOutputParser()),
 *   input: { document },
 *   modelName: 'openai/gpt-4o-mini',
 *   sessionId: `doc-summary-${documentId}`,
 * })) {
 *   socket.send(chunk);
 * }
 */
export function streamWithUsage<Input, Output>(
  options: StreamWithUsageOptions<Input, Output>,
): AsyncGenerator<Output, void, undefined> {
  checkTaskOptions(options, 'stream', 'streamWithUsage');
  const handler = taskHandler(options, 'streaming');
  return streamChunks(options, handler);
}

async function* streamChunks<Input, Output>(
  options: StreamWithUsageOptions<Input, Output>,
  handler: LedgerCallbackHandler,
): AsyncGenerator<Output, void, undefined> {
  const controller = new AbortController();
  let ending: 'ended' | 'consumer_stopped' | 'chain_error' = 'consumer_stopped';
  try {
    const stream = await options.runnable.stream(options.input, {
      ...taskConfig(handler, options),
      signal: controller.signal,
    });
    for await (const chunk of stream) yield chunk;
    ending = 'ended';
  } catch (error) {
    ending = 'chain_error';
    throw error;
  } finally {
    if (handler.openRuns > 0) {
      // LangChain ends no run the consumer left: finalize them first, then stop the request.
      handler.interruptOpenRuns(ending === 'ended' ? 'chain_ended' : ending);
    }
    if (ending !== 'ended') controller.abort();
  }
}
