import type { CallStart } from '../../core/call.js';
import type { CallRecord } from '../../core/record.js';
import { textLength } from '../shared/content-size.js';
import { costKey } from '../shared/cost-key.js';
import type { Redactor } from '../shared/redaction.js';

/**
 * Builds log lines from calls with one vocabulary of field names: `prompt_tokens`,
 * `completion_tokens`, `total_tokens`, `duration_ms`, `cost_usd`, ... Absent values are left
 * out rather than written as null, to keep lines short. `event`, `emoji`, `model` and
 * `provider` are bound by the logger (see `LLMLogger.writeEvent`), not built here.
 */

/** Fields of `inference_started` / `stream_started`. */
export function startFields(call: CallStart, content: Redactor | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = { call_id: call.id };
  if (call.traceId !== call.id) fields.trace_id = call.traceId;
  if (call.parentId !== null) fields.parent_id = call.parentId;
  if (call.callType !== 'CHAT') fields.call_type = call.callType;
  identity(fields, call);
  fields.message_count = call.messages.length;
  fields.prompt_length = textLength(call.messages) + (call.systemPrompt?.length ?? 0);
  if (content) {
    if (call.systemPrompt !== null) fields.system_prompt = content.text(call.systemPrompt);
    fields.prompt = content.value(call.messages);
  }
  return fields;
}

/**
 * Fields of the completion and failure events. Values that are the usual case (status success,
 * trace id equal to the call id, call type CHAT, priced cost) are left out: this line is
 * written for every call, so each field is paid for on the hot path.
 */
export function endFields(record: CallRecord, content: Redactor | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = { call_id: record.id };
  if (record.traceId !== record.id) fields.trace_id = record.traceId;
  if (record.parentId !== null) fields.parent_id = record.parentId;
  if (record.responseModel !== null && record.responseModel !== record.model) {
    fields.response_model = record.responseModel;
  }
  if (record.callType !== 'CHAT') fields.call_type = record.callType;
  if (record.status !== 'success') fields.status = record.status;
  identity(fields, record);
  tokenFields(fields, record);
  fields.duration_ms = record.latencyMs;
  if (record.ttftMs !== null) fields.ttft_ms = record.ttftMs;
  if (record.streamed && record.tokenSource !== null) {
    fields.tokens_streamed = record.tokens.output;
    fields.tokens_per_second = tokensPerSecond(record);
  }
  costFields(fields, record);
  if (record.finishReason !== null) fields.finish_reason = record.finishReason;
  if (record.partial) fields.partial = true;
  fields.prompt_length = textLength(record.messages) + (record.systemPrompt?.length ?? 0);
  if (record.responseMessage !== null) fields.response_length = textLength(record.responseMessage.content);
  if (record.errorType !== null) {
    fields.error = record.errorMessage;
    fields.error_type = record.errorType;
    if (record.httpStatus !== null) fields.http_status = record.httpStatus;
    if (record.retryAfterMs !== null) fields.retry_after_ms = record.retryAfterMs;
  }
  if (content) {
    if (record.systemPrompt !== null) fields.system_prompt = content.text(record.systemPrompt);
    fields.prompt = content.value(record.messages);
    if (record.responseMessage !== null) fields.response = content.value(record.responseMessage.content);
  }
  return fields;
}

/** Fields of `token_count`. */
export function tokenCountFields(record: CallRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = { call_id: record.id };
  tokenFields(fields, record);
  return fields;
}

/** Fields of `request_cost_calculated` and `unknown_model_pricing`. */
export function costEventFields(record: CallRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = { call_id: record.id };
  tokenFields(fields, record);
  costFields(fields, record);
  return fields;
}

function costFields(fields: Record<string, unknown>, record: CallRecord): void {
  const cost = record.cost;
  if (cost === null) return;
  if (cost.total !== null) fields[cost.currency === 'USD' ? 'cost_usd' : costKey(cost.currency)] = cost.total;
  if (cost.status !== 'priced') fields.cost_status = cost.status;
}

function tokenFields(fields: Record<string, unknown>, record: CallRecord): void {
  if (record.tokenSource === null) return;
  const tokens = record.tokens;
  fields.prompt_tokens = tokens.input;
  fields.completion_tokens = tokens.output;
  fields.total_tokens = tokens.total;
  if (tokens.cacheRead > 0) fields.cache_read_tokens = tokens.cacheRead;
  if (tokens.cacheWrite > 0) fields.cache_write_tokens = tokens.cacheWrite;
  if (tokens.reasoning > 0) fields.reasoning_tokens = tokens.reasoning;
  if (record.tokenSource !== 'provider') fields.token_source = record.tokenSource;
}

function identity(
  fields: Record<string, unknown>,
  source: Pick<CallRecord, 'userId' | 'sessionId' | 'tenantId' | 'requestId'>,
): void {
  if (source.userId !== null) fields.user_id = source.userId;
  if (source.sessionId !== null) fields.session_id = source.sessionId;
  if (source.tenantId !== null) fields.tenant_id = source.tenantId;
  if (source.requestId !== null) fields.request_id = source.requestId;
}

/** Output tokens per second of wall time, two decimals, as `stream_completed` logs it. */
function tokensPerSecond(record: CallRecord): number {
  if (record.latencyMs <= 0) return 0;
  return Math.round((record.tokens.output / (record.latencyMs / 1000)) * 100) / 100;
}
