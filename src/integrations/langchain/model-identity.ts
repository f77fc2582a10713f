import type { CallParams } from '../../core/record.js';
import { providerOfClient } from '../../capture/provider-name.js';
import { asRecord, requestParams } from '../../capture/request-fields.js';

/** What a model run's start event says about the model: who serves it, which one, with which settings. */
export interface ModelIdentity {
  provider: string | undefined;
  model: string | undefined;
  params: CallParams;
  tools: unknown[] | null;
  toolChoice: unknown;
  /** The invocation parameters ask the provider to stream (`streaming: true`). */
  streaming: boolean;
}

/** LangChain's `ls_provider` names mapped to the ones capture records. */
const PROVIDERS: Readonly<Record<string, string>> = {
  google_genai: 'gemini',
  'google-genai': 'gemini',
  google_vertexai: 'vertex_ai',
  'google-vertexai': 'vertex_ai',
  azure_openai: 'azure',
  azure: 'azure',
  amazon_bedrock: 'bedrock',
  bedrock: 'bedrock',
  mistralai: 'mistral',
};

/** Kept elsewhere in the record, or transport details that are no request parameter. */
const NOT_PARAMS = new Set([
  'model',
  'model_name',
  'modelName',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'stream',
  'streaming',
  'stream_options',
  'betas',
  '_type',
]);

/**
 * Reads the model from `handleChatModelStart` / `handleLLMStart`: the LangSmith metadata every
 * chat model sets (`ls_provider`, `ls_model_name`, `ls_temperature`, `ls_max_tokens`), the
 * invocation parameters (the request's own fields: tools, tool choice, sampling), and the
 * serialized constructor (`id: ['langchain', 'chat_models', 'openai', 'ChatOpenAI']`, its base URL).
 */
export function modelIdentity(serialized: unknown, extraParams: unknown, metadata: unknown): ModelIdentity {
  const invocation = asRecord(asRecord(extraParams)?.invocation_params) ?? {};
  const ls = asRecord(metadata) ?? {};
  const kwargs = asRecord(asRecord(serialized)?.kwargs) ?? {};
  const params = requestParams(invocation, NOT_PARAMS);
  if (params.temperature === undefined && typeof ls.ls_temperature === 'number') params.temperature = ls.ls_temperature;
  if (params.maxTokens === undefined && typeof ls.ls_max_tokens === 'number') params.maxTokens = ls.ls_max_tokens;
  const tools = invocation.tools ?? invocation.functions;
  return {
    provider: providerOf(ls, serialized, kwargs),
    model: firstText(ls.ls_model_name, invocation.model, invocation.model_name, kwargs.model, kwargs.model_name),
    params,
    tools: Array.isArray(tools) && tools.length > 0 ? tools : null,
    toolChoice: invocation.tool_choice ?? invocation.function_call,
    streaming: invocation.stream === true || invocation.streaming === true,
  };
}

/** `openai/gpt-4o-mini` (a declared `model_name`) -> `{ provider: 'openai', model: 'gpt-4o-mini' }`. */
export function splitDeclaredModel(modelName: string | undefined): { provider?: string; model?: string } {
  if (!modelName) return {};
  const match = /^([A-Za-z0-9_.-]+)[/:](.+)$/.exec(modelName);
  return match ? { provider: match[1]!.toLowerCase(), model: match[2]! } : { model: modelName };
}

function providerOf(
  ls: Record<string, unknown>,
  serialized: unknown,
  kwargs: Record<string, unknown>,
): string | undefined {
  const named = typeof ls.ls_provider === 'string' ? ls.ls_provider : serializedProvider(serialized);
  if (!named) return undefined;
  const provider = PROVIDERS[named.toLowerCase()] ?? named.toLowerCase();
  if (provider !== 'openai') return provider;
  // ChatOpenAI pointed at an OpenAI-compatible host (DeepSeek, Groq, OpenRouter...) is priced as that host.
  const baseURL = asRecord(kwargs.configuration)?.baseURL ?? kwargs.base_url ?? kwargs.baseURL;
  return typeof baseURL === 'string' ? providerOfClient({ baseURL }, provider) : provider;
}

/** `['langchain', 'chat_models', 'openai', 'ChatOpenAI']` -> `openai`. */
function serializedProvider(serialized: unknown): string | undefined {
  const id = asRecord(serialized)?.id;
  if (!Array.isArray(id) || id.length < 4) return undefined;
  const segment: unknown = id[id.length - 2];
  return typeof segment === 'string' ? segment : undefined;
}

function firstText(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value;
  return undefined;
}
