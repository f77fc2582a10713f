import type { RecordedRequest, Reply, Script, SseEvent } from './wire-server.js';

/** Replies in the exact shapes of OpenAI's Chat Completions and Embeddings APIs. */

const CREATED = 1_730_000_000;

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details?: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export function openaiUsage(prompt: number, completion: number, details: { cached?: number; reasoning?: number } = {}) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: details.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: details.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  } satisfies OpenAIUsage;
}

export interface ScriptedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatCompletionScript {
  id?: string;
  model?: string;
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  finishReason?: string;
  usage?: OpenAIUsage;
}

export function chatCompletionBody(script: ChatCompletionScript = {}) {
  const toolCalls = script.toolCalls?.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: script.id ?? 'chatcmpl-1',
    object: 'chat.completion',
    created: CREATED,
    model: script.model ?? 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: script.content === undefined ? (toolCalls ? null : 'Hello!') : script.content,
          refusal: null,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
          annotations: [],
        },
        finish_reason: script.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
        logprobs: null,
      },
    ],
    usage: script.usage ?? openaiUsage(12, 3),
    service_tier: 'default',
    system_fingerprint: 'fp_x',
  };
}

export function chatCompletion(script: ChatCompletionScript = {}): Reply {
  return { kind: 'json', body: chatCompletionBody(script), headers: { 'x-request-id': 'req_chat_1' } };
}

export interface ChatStreamScript {
  id?: string;
  model?: string;
  /** Text, one delta per piece. */
  content?: string[];
  /** Tool calls whose arguments arrive in pieces. */
  toolCalls?: Array<{ id: string; name: string; argumentPieces: string[] }>;
  /** Parallel tool calls with their deltas interleaved chunk by chunk (other providers do this). */
  interleaveToolCalls?: boolean;
  finishReason?: string;
  /** Sent in a final usage-only chunk, only when the request asked for `include_usage`. */
  usage?: OpenAIUsage;
  /** Azure: a first chunk with empty `choices` (prompt filter results) before any delta. */
  azureFilterChunk?: boolean;
  /** DeepSeek: usage on the finish chunk itself, no usage-only chunk. */
  usageOnFinishChunk?: boolean;
  /** OpenAI's `obfuscation` padding field, sent after `usage` on every chunk. */
  obfuscation?: boolean;
  /** An `error` data line after this many chunks, then the stream ends without [DONE]. */
  errorAfter?: { chunks: number; error: { message: string; type: string; code: string | null } };
  /** Stops the stream cleanly after this many chunks, without finish chunk, usage or [DONE]. */
  endAfter?: number;
  dropAfter?: number;
  intervalMs?: number;
  coalesce?: boolean;
}

/** The chunks a real server sends for `script`, given whether the request asked for usage. */
export function chatStreamEvents(script: ChatStreamScript, includeUsage: boolean): SseEvent[] {
  const id = script.id ?? 'chatcmpl-1';
  const model = script.model ?? 'gpt-4o-mini-2024-07-18';
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    data: {
      id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_x',
      choices,
      ...extra,
      // With include_usage every chunk carries `usage: null`, after `choices` as the API sends it.
      ...(includeUsage && !('usage' in extra) ? { usage: null } : {}),
      ...(script.obfuscation ? { obfuscation: 'Xk2p' } : {}),
    },
  });
  const delta = (value: Record<string, unknown>) => ({ index: 0, delta: value, logprobs: null, finish_reason: null });
  const events: SseEvent[] = [];
  if (script.azureFilterChunk) {
    events.push({
      data: {
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
      },
    });
  }
  events.push(chunk([delta({ role: 'assistant', content: '', refusal: null })]));
  for (const piece of script.content ?? []) events.push(chunk([delta({ content: piece })]));
  const toolDeltas = toolCallDeltas(script.toolCalls ?? [], script.interleaveToolCalls ?? false);
  for (const toolDelta of toolDeltas) events.push(chunk([delta({ tool_calls: [toolDelta] })]));
  const finishReason = script.finishReason ?? (script.toolCalls?.length ? 'tool_calls' : 'stop');
  const finish = { index: 0, delta: {}, logprobs: null, finish_reason: finishReason };
  const usage = script.usage ?? openaiUsage(12, 3);
  if (script.usageOnFinishChunk) events.push(chunk([finish], { usage }));
  else events.push(chunk([finish]));
  if (includeUsage && !script.usageOnFinishChunk) events.push(chunk([], { usage }));
  events.push({ data: '[DONE]' });

  if (script.errorAfter) {
    const kept = events.slice(0, script.errorAfter.chunks);
    kept.push({ data: { error: script.errorAfter.error } });
    return kept;
  }
  if (script.endAfter !== undefined) return events.slice(0, script.endAfter);
  return events;
}

function toolCallDeltas(calls: NonNullable<ChatStreamScript['toolCalls']>, interleave: boolean): unknown[] {
  const perCall = calls.map((call, index) => [
    { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
    ...call.argumentPieces.map((piece) => ({ index, function: { arguments: piece } })),
  ]);
  if (!interleave) return perCall.flat();
  const result: unknown[] = [];
  const longest = Math.max(0, ...perCall.map((deltas) => deltas.length));
  for (let step = 0; step < longest; step++) {
    for (const deltas of perCall) if (step < deltas.length) result.push(deltas[step]);
  }
  return result;
}

export function includesUsage(request: RecordedRequest): boolean {
  const options = request.body.stream_options as { include_usage?: boolean } | undefined;
  return options?.include_usage === true;
}

/** A streamed chat completion that, like the API, sends usage only when the request asked for it. */
export function chatStream(script: ChatStreamScript = {}): Script {
  return (request) => ({
    kind: 'sse',
    events: chatStreamEvents(script, includesUsage(request)),
    dropAfter: script.dropAfter,
    intervalMs: script.intervalMs,
    coalesce: script.coalesce,
    headers: { 'x-request-id': 'req_stream_1' },
  });
}

export function openaiError(
  status: number,
  error: { message: string; type: string; code?: string | null; param?: string | null },
  headers: Record<string, string> = {},
): Reply {
  return {
    kind: 'json',
    status,
    body: { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } },
    headers,
  };
}

export function openaiRateLimit(retryAfterSeconds = 2): Reply {
  return openaiError(
    429,
    { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' },
    {
      'retry-after': String(retryAfterSeconds),
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
    },
  );
}

/** Embeddings; the SDK asks for base64 by default and decodes it, so both encodings are served. */
export function embeddings(script: { vectors?: number[][]; promptTokens?: number; model?: string } = {}): Script {
  const vectors = script.vectors ?? [[0.1, 0.2, 0.3]];
  return (request) => {
    const base64 = request.body.encoding_format === 'base64';
    return {
      kind: 'json',
      body: {
        object: 'list',
        data: vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        })),
        model: script.model ?? 'text-embedding-3-small',
        usage: { prompt_tokens: script.promptTokens ?? 8, total_tokens: script.promptTokens ?? 8 },
      },
    };
  };
}
