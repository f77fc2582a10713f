import type { Reply, SseEvent } from './wire-server.js';

/** Replies in the exact shapes of Anthropic's Messages API, JSON and SSE. */

export interface AnthropicUsageScript {
  /** Uncached input: Anthropic's `input_tokens` EXCLUDES cache reads and writes. */
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** The part of `cacheWrite` with a one-hour lifetime. */
  cacheWrite1h?: number;
}

export function anthropicUsage(usage: AnthropicUsageScript, output = usage.output) {
  const cacheWrite = usage.cacheWrite ?? 0;
  const oneHour = usage.cacheWrite1h ?? 0;
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: usage.cacheRead ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite - oneHour, ephemeral_1h_input_tokens: oneHour },
    output_tokens: output,
    service_tier: 'standard',
  };
}

export interface ScriptedToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface MessageScript {
  id?: string;
  model?: string;
  text?: string;
  toolUses?: ScriptedToolUse[];
  stopReason?: string;
  usage?: AnthropicUsageScript;
}

export function messageBody(script: MessageScript = {}) {
  const content: unknown[] = [];
  if (script.text !== undefined || !script.toolUses) content.push({ type: 'text', text: script.text ?? 'Hello!' });
  for (const use of script.toolUses ?? [])
    content.push({ type: 'tool_use', id: use.id, name: use.name, input: use.input });
  return {
    id: script.id ?? 'msg_1',
    type: 'message',
    role: 'assistant',
    model: script.model ?? 'claude-sonnet-4-6',
    content,
    stop_reason: script.stopReason ?? (script.toolUses ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: anthropicUsage(script.usage ?? { input: 20, output: 5 }),
  };
}

export function message(script: MessageScript = {}): Reply {
  return { kind: 'json', body: messageBody(script), headers: { 'request-id': 'req_msg_1' } };
}

export interface MessageStreamScript {
  id?: string;
  model?: string;
  textPieces?: string[];
  thinkingPieces?: string[];
  toolUses?: Array<{ id: string; name: string; jsonPieces: string[] }>;
  stopReason?: string;
  usage?: AnthropicUsageScript;
  /** Fields repeated in `message_delta.usage`, which correct `message_start` (last value wins). */
  deltaUsage?: Partial<AnthropicUsageScript>;
  /** A `ping` event after every content delta. */
  pings?: boolean;
  /** An `error` event after this many events, then the stream ends. */
  errorAfter?: { events: number; type: string; message: string };
  dropAfter?: number;
  intervalMs?: number;
  coalesce?: boolean;
}

export function messageStreamEvents(script: MessageStreamScript = {}): SseEvent[] {
  const usage = script.usage ?? { input: 20, output: 5 };
  const events: SseEvent[] = [];
  const push = (type: string, fields: Record<string, unknown>) =>
    events.push({ event: type, data: { type, ...fields } });
  push('message_start', {
    message: {
      id: script.id ?? 'msg_1',
      type: 'message',
      role: 'assistant',
      model: script.model ?? 'claude-sonnet-4-6',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // output_tokens here is a placeholder, not a count.
      usage: anthropicUsage(usage, 1),
    },
  });
  let index = 0;
  const ping = () => {
    if (script.pings) push('ping', {});
  };
  if (script.thinkingPieces) {
    push('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    for (const piece of script.thinkingPieces) {
      push('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } });
      ping();
    }
    push('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig' } });
    push('content_block_stop', { index });
    index += 1;
  }
  if (script.textPieces ?? !script.toolUses) {
    push('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const piece of script.textPieces ?? ['Hello!']) {
      push('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      ping();
    }
    push('content_block_stop', { index });
    index += 1;
  }
  for (const use of script.toolUses ?? []) {
    push('content_block_start', { index, content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} } });
    for (const piece of use.jsonPieces) {
      push('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      ping();
    }
    push('content_block_stop', { index });
    index += 1;
  }
  const deltaUsage: Record<string, number> = { output_tokens: usage.output };
  if (script.deltaUsage) {
    const full = anthropicUsage({ ...usage, ...script.deltaUsage }, usage.output);
    if (script.deltaUsage.input !== undefined) deltaUsage.input_tokens = full.input_tokens;
    if (script.deltaUsage.cacheRead !== undefined) deltaUsage.cache_read_input_tokens = full.cache_read_input_tokens;
    if (script.deltaUsage.cacheWrite !== undefined) {
      deltaUsage.cache_creation_input_tokens = full.cache_creation_input_tokens;
    }
    if (script.deltaUsage.output !== undefined) deltaUsage.output_tokens = script.deltaUsage.output;
  }
  push('message_delta', {
    delta: { stop_reason: script.stopReason ?? (script.toolUses ? 'tool_use' : 'end_turn'), stop_sequence: null },
    usage: deltaUsage,
  });
  push('message_stop', {});
  if (script.errorAfter) {
    const kept = events.slice(0, script.errorAfter.events);
    kept.push({
      event: 'error',
      data: { type: 'error', error: { type: script.errorAfter.type, message: script.errorAfter.message } },
    });
    return kept;
  }
  return events;
}

export function messageStream(script: MessageStreamScript = {}): Reply {
  return {
    kind: 'sse',
    events: messageStreamEvents(script),
    dropAfter: script.dropAfter,
    intervalMs: script.intervalMs,
    coalesce: script.coalesce,
    headers: { 'request-id': 'req_stream_1' },
  };
}

export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return {
    kind: 'json',
    status,
    body: { type: 'error', error: { type, message }, request_id: 'req_err_1' },
    headers: { 'request-id': 'req_err_1', ...headers },
  };
}
