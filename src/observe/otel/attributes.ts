/**
 * Attribute names we emit. The GenAI semantic conventions are in development status and the
 * `@opentelemetry/semantic-conventions` package renames and deprecates its `ATTR_GEN_AI_*`
 * constants between releases, so the names are pinned here and tested by value.
 */
export const GEN_AI_ATTRIBUTES = Object.freeze({
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTopP: 'gen_ai.request.top_p',
  requestSeed: 'gen_ai.request.seed',
  requestStopSequences: 'gen_ai.request.stop_sequences',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  conversationId: 'gen_ai.conversation.id',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
});

/** General semantic-convention attributes. */
export const ERROR_TYPE_ATTRIBUTE = 'error.type';

/** The ledger's own attributes, to find the record behind a span. */
export const LEDGER_ATTRIBUTES = Object.freeze({
  callId: 'llm_ledger.call_id',
  traceId: 'llm_ledger.trace_id',
  parentId: 'llm_ledger.parent_id',
  callType: 'llm_ledger.call_type',
  status: 'llm_ledger.status',
  cost: 'llm_ledger.cost',
  costCurrency: 'llm_ledger.cost_currency',
  costStatus: 'llm_ledger.cost_status',
  partial: 'llm_ledger.partial',
});
