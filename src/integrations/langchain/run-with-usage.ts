import type { RunnableConfig } from '@langchain/core/runnables';
import type { RequestMode } from '../../core/record.js';
import { checkTaskOptions, taskConfig, taskHandler, type TaskUsageOptions } from './task-options.js';

/** Anything with LangChain's `invoke(input, config)`: a chain, a model, a graph. */
export interface InvokableRunnable<Input, Output> {
  invoke(input: Input, options?: RunnableConfig): Promise<Output>;
}

export interface RunWithUsageOptions<Input, Output> extends TaskUsageOptions<Input> {
  runnable: InvokableRunnable<Input, Output>;
  /**
   * Recorded request mode (Python's `request_mode`), default `sync`. A model configured to stream
   * (`streaming: true`) is recorded as `streaming` whatever this says.
   */
  requestMode?: RequestMode;
}

/**
 * Like Python's `run_with_usage`: runs `runnable.invoke(input)` and returns its result, recording every
 * chat model or LLM call inside as one record (call type `taskType`, its tokens, cost and status),
 * all in one trace. Success and failure both finalize each record; an error is re-thrown unchanged
 * after that. No record is made for the task itself, so totals equal the sum of the model calls.
 *
 * @example
 * const entities = await runWithUsage({
 *   taskType: 'entity_extraction',
 *   runnable: prompt.pipe(model).pipe(new JsonOutputParser()),
 *   input: { text: 'Elon Musk announced a new factory in Austin, Texas.' },
 *   modelName: 'openai/gpt-4o-mini',
 *   userId: user.id,
 * });
 */
export async function runWithUsage<Input, Output>(options: RunWithUsageOptions<Input, Output>): Promise<Output> {
  checkTaskOptions(options, 'invoke', 'runWithUsage');
  const handler = taskHandler(options, options.requestMode === 'streaming' ? 'streaming' : undefined);
  return options.runnable.invoke(options.input, taskConfig(handler, options));
}
