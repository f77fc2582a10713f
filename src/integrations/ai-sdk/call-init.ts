import type { CallInit } from '../../core/call.js';
import type { CallParams } from '../../core/record.js';
import type { CallOptionsShape, EmbedOptionsShape, ModelShape } from './ai-sdk-shapes.js';
import { convertPrompt } from './convert-prompt.js';
import { isObject } from './convert-usage.js';
import { providerOfModel } from './model-provider.js';

/** Attribution and call type a middleware applies to every call it records. */
export interface AttributionOptions {
  callType?: string;
  userId?: string;
  sessionId?: string;
  tenantId?: string;
  tags?: readonly string[];
  metadata?: Record<string, unknown>;
}

/** The record's request side of one language model call. */
export function languageCallInit(
  model: ModelShape,
  params: CallOptionsShape,
  streaming: boolean,
  attribution: AttributionOptions,
): CallInit {
  const prompt = convertPrompt(Array.isArray(params.prompt) ? params.prompt : []);
  const tools = Array.isArray(params.tools) && params.tools.length > 0 ? params.tools.map(toolDefinition) : null;
  const init: CallInit = {
    model: modelName(model),
    provider: providerOfModel(model.provider, model.modelId),
    systemPrompt: prompt.systemPrompt,
    messages: prompt.messages,
    tools,
    params: callParams(params),
    requestMode: streaming ? 'streaming' : 'sync',
  };
  // The SDK sends `auto` even without tools; a choice is recorded only where there was one to make.
  if (tools && params.toolChoice !== undefined) init.toolChoice = toolChoice(params.toolChoice);
  return withAttribution(init, attribution);
}

/** The record's request side of one embedding call: the values are the messages, as `logEmbedding` does. */
export function embeddingCallInit(
  model: ModelShape,
  params: EmbedOptionsShape,
  attribution: AttributionOptions,
): CallInit {
  const values = Array.isArray(params.values) ? params.values : [];
  const init: CallInit = {
    model: modelName(model),
    provider: providerOfModel(model.provider, model.modelId),
    callType: 'EMBEDDING',
    messages: values.map((value) => ({ role: 'user', content: value })),
    params: params.dimensions === undefined ? {} : { dimensions: params.dimensions },
    requestMode: 'sync',
  };
  return withAttribution(init, attribution);
}

function modelName(model: ModelShape): string {
  return typeof model.modelId === 'string' && model.modelId.length > 0 ? model.modelId : 'unknown';
}

function withAttribution(init: CallInit, attribution: AttributionOptions): CallInit {
  // Explicit fields win over `ledger.context()`, so only the ones given are set.
  if (attribution.callType !== undefined) init.callType = attribution.callType;
  if (attribution.userId !== undefined) init.userId = attribution.userId;
  if (attribution.sessionId !== undefined) init.sessionId = attribution.sessionId;
  if (attribution.tenantId !== undefined) init.tenantId = attribution.tenantId;
  if (attribution.tags !== undefined) init.tags = attribution.tags;
  if (attribution.metadata !== undefined) init.metadata = attribution.metadata;
  return init;
}

/** The sampling parameters as sent, under the record's names (`maxOutputTokens` is `maxTokens`). */
function callParams(params: CallOptionsShape): CallParams {
  const result: CallParams = {};
  if (params.temperature !== undefined) result.temperature = params.temperature;
  if (params.maxOutputTokens !== undefined) result.maxTokens = params.maxOutputTokens;
  if (params.topP !== undefined) result.topP = params.topP;
  if (params.topK !== undefined) result.topK = params.topK;
  if (params.presencePenalty !== undefined) result.presencePenalty = params.presencePenalty;
  if (params.frequencyPenalty !== undefined) result.frequencyPenalty = params.frequencyPenalty;
  if (params.seed !== undefined) result.seed = params.seed;
  if (params.stopSequences !== undefined && params.stopSequences.length > 0) result.stop = [...params.stopSequences];
  if (typeof params.reasoning === 'string' && params.reasoning !== 'provider-default') {
    result.reasoningEffort = params.reasoning;
  }
  if (isObject(params.responseFormat) && params.responseFormat.type !== 'text') {
    const format = params.responseFormat;
    result.responseFormat =
      format.name === undefined ? { type: format.type } : { type: format.type, name: format.name };
  }
  return result;
}

/** A tool definition without provider options: name, description and input schema (or a provider tool's id and args). */
function toolDefinition(tool: unknown): unknown {
  if (!isObject(tool)) return tool;
  const { providerOptions: _options, inputExamples: _examples, ...definition } = tool;
  return definition;
}

/** `auto`, `none` and `required` as strings (as OpenAI takes them); a forced tool as `{ type: 'tool', name }`. */
function toolChoice(choice: unknown): unknown {
  if (!isObject(choice)) return choice;
  if (choice.type === 'tool') return { type: 'tool', name: choice.toolName };
  return choice.type;
}
