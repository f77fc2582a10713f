import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { OUTPUT, PASS, type ChunkVerdict, type StreamAccumulator, type StreamOutcome } from '../stream-capture.js';
import { asString } from '../request-fields.js';
import { ProviderStreamError } from '../provider-stream-error.js';
import { responsesCallResult } from './responses-response.js';

type ResponseEvent = {
  type?: string;
  delta?: unknown;
  item_id?: string;
  item?: { type?: string; id?: string; call_id?: string; name?: string };
  response?: { model?: string; error?: unknown };
  code?: unknown;
  message?: unknown;
};

/**
 * Reads Responses API stream events. The final `response.completed` / `response.incomplete`
 * carries the whole response with usage; `response.failed` (error nested in the response) and a
 * flat `error` event are both recorded as errors. Nothing is hidden: every event is the user's.
 */
export class ResponsesStreamAccumulator implements StreamAccumulator<ResponseEvent> {
  private text = '';
  private hasText = false;
  private reasoning = '';
  private readonly calls = new Map<string, { callId: string | undefined; name: string; arguments: string }>();
  private model: string | null = null;
  private final: unknown = undefined;
  private error: Error | undefined = undefined;

  add(event: ResponseEvent): ChunkVerdict {
    switch (event?.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (typeof event.delta === 'string' && event.delta.length > 0) {
          this.text += event.delta;
          this.hasText = true;
          return OUTPUT;
        }
        return PASS;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof event.delta === 'string') this.reasoning += event.delta;
        return OUTPUT;
      case 'response.function_call_arguments.delta': {
        const call = event.item_id ? this.calls.get(event.item_id) : undefined;
        if (call && typeof event.delta === 'string') call.arguments += event.delta;
        return OUTPUT;
      }
      case 'response.output_item.added':
        if (event.item?.type === 'function_call' && event.item.id) {
          this.calls.set(event.item.id, { callId: event.item.call_id, name: event.item.name ?? '', arguments: '' });
        }
        return PASS;
      case 'response.created':
      case 'response.in_progress':
        this.model = asString(event.response?.model) ?? this.model;
        return PASS;
      case 'response.completed':
      case 'response.incomplete':
        this.final = event.response;
        return PASS;
      case 'response.failed':
        this.final = event.response;
        this.error = ProviderStreamError.from(event.response?.error, 'The response failed');
        return PASS;
      case 'error':
        this.error = ProviderStreamError.from(event, 'The stream reported an error');
        return PASS;
      default:
        return PASS;
    }
  }

  outcome(): StreamOutcome {
    const outputText = this.text + this.reasoning + [...this.calls.values()].map((call) => call.arguments).join('');
    if (this.final !== undefined) {
      const result = responsesCallResult(this.final);
      const tokens = result.tokens as StreamOutcome['tokens'];
      return {
        responseMessage: (result.responseMessage as ResponseMessage | null) ?? this.partialMessage(),
        responseModel: result.responseModel ?? this.model,
        finishReason: result.finishReason ?? null,
        tokens,
        usageComplete: tokens !== undefined,
        finished: this.error === undefined,
        outputText,
        reasoningText: this.reasoning,
        error: this.error,
      };
    }
    return {
      responseMessage: this.partialMessage(),
      responseModel: this.model,
      finishReason: null,
      tokens: undefined,
      usageComplete: false,
      finished: false,
      outputText,
      reasoningText: this.reasoning,
      error: this.error,
    };
  }

  private partialMessage(): ResponseMessage | null {
    if (!this.hasText && this.calls.size === 0 && !this.reasoning) return null;
    const message: ResponseMessage = { role: 'assistant', content: this.hasText ? this.text : null };
    const toolCalls: ToolCall[] = [...this.calls.values()].map((call) => ({
      ...(call.callId !== undefined ? { id: call.callId } : {}),
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    if (this.reasoning) message.reasoning = this.reasoning;
    return message;
  }
}
