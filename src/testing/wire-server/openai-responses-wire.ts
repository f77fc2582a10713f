import type { Reply, SseEvent } from './wire-server.js';
import type { ScriptedToolCall } from './openai-wire.js';

/** Replies in the exact shapes of OpenAI's Responses API, JSON and SSE (named events). */

const CREATED = 1_730_000_000;

export interface ResponsesUsageScript {
  input: number;
  output: number;
  cached?: number;
  reasoning?: number;
}

function responsesUsage(usage: ResponsesUsageScript) {
  return {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: usage.cached ?? 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: usage.input + usage.output,
  };
}

export interface ResponseScript {
  id?: string;
  model?: string;
  text?: string;
  functionCalls?: ScriptedToolCall[];
  usage?: ResponsesUsageScript;
  status?: 'completed' | 'incomplete' | 'failed' | 'in_progress';
}

export function responseBody(script: ResponseScript = {}) {
  const output: unknown[] = [];
  if (script.text !== undefined || !script.functionCalls) {
    output.push({
      type: 'message',
      id: 'msg_1',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: script.text ?? 'Hi', annotations: [], logprobs: [] }],
    });
  }
  for (const call of script.functionCalls ?? []) {
    output.push({
      type: 'function_call',
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: 'completed',
    });
  }
  const status = script.status ?? 'completed';
  return {
    id: script.id ?? 'resp_1',
    object: 'response',
    created_at: CREATED,
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model: script.model ?? 'gpt-4.1-2025-04-14',
    output: status === 'in_progress' ? [] : output,
    parallel_tool_calls: true,
    tools: [],
    usage: status === 'in_progress' ? null : responsesUsage(script.usage ?? { input: 50, output: 12 }),
    service_tier: 'default',
  };
}

export function response(script: ResponseScript = {}): Reply {
  return { kind: 'json', body: responseBody(script) };
}

export interface ResponseStreamScript extends Omit<ResponseScript, 'text' | 'status'> {
  textPieces?: string[];
  /** Ends with `response.incomplete` (max_output_tokens) instead of `response.completed`. */
  incomplete?: boolean;
  /** Ends with `response.failed` after this many events. */
  failAfter?: { events: number; error: { code: string; message: string } };
  /** A flat `error` event after this many events. */
  errorEventAfter?: { events: number; code: string; message: string };
  dropAfter?: number;
  intervalMs?: number;
}

export function responseStreamEvents(script: ResponseStreamScript = {}): SseEvent[] {
  const text = (script.textPieces ?? ['Hi']).join('');
  const final = responseBody({ ...script, text, status: script.incomplete ? 'incomplete' : 'completed' });
  const started = { ...responseBody({ ...script, status: 'in_progress' }) };
  let sequence = 0;
  const events: SseEvent[] = [];
  const push = (type: string, fields: Record<string, unknown>) =>
    events.push({ event: type, data: { type, sequence_number: sequence++, ...fields } });
  push('response.created', { response: started });
  push('response.in_progress', { response: started });
  const message = { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] };
  push('response.output_item.added', { output_index: 0, item: message });
  const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
  push('response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part });
  for (const piece of script.textPieces ?? ['Hi']) {
    push('response.output_text.delta', {
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: piece,
      logprobs: [],
    });
  }
  push('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text, logprobs: [] });
  push('response.content_part.done', {
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    part: { ...part, text },
  });
  push('response.output_item.done', { output_index: 0, item: final.output[0] });
  for (const [offset, call] of (script.functionCalls ?? []).entries()) {
    const outputIndex = offset + 1;
    const item = { type: 'function_call', id: `fc_${call.id}`, call_id: call.id, name: call.name, arguments: '' };
    push('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress' } });
    push('response.function_call_arguments.delta', {
      item_id: item.id,
      output_index: outputIndex,
      delta: call.arguments,
    });
    push('response.function_call_arguments.done', {
      item_id: item.id,
      output_index: outputIndex,
      arguments: call.arguments,
    });
    push('response.output_item.done', {
      output_index: outputIndex,
      item: { ...item, arguments: call.arguments, status: 'completed' },
    });
  }
  if (script.failAfter) {
    const kept = events.slice(0, script.failAfter.events);
    kept.push({
      event: 'response.failed',
      data: {
        type: 'response.failed',
        sequence_number: kept.length,
        response: { ...started, status: 'failed', error: script.failAfter.error, usage: null },
      },
    });
    return kept;
  }
  if (script.errorEventAfter) {
    const kept = events.slice(0, script.errorEventAfter.events);
    kept.push({
      event: 'error',
      data: {
        type: 'error',
        code: script.errorEventAfter.code,
        message: script.errorEventAfter.message,
        param: null,
        sequence_number: kept.length,
      },
    });
    return kept;
  }
  const last = script.incomplete ? 'response.incomplete' : 'response.completed';
  push(last, { response: final });
  return events;
}

export function responseStream(script: ResponseStreamScript = {}): Reply {
  return {
    kind: 'sse',
    events: responseStreamEvents(script),
    dropAfter: script.dropAfter,
    intervalMs: script.intervalMs,
  };
}
