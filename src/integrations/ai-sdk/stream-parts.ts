import type { ResponseMessage } from '../../core/record.js';
import { functionToolCall } from '../../capture/request-fields.js';
import type { FinishReasonShape, StreamPartShape } from './ai-sdk-shapes.js';
import { convertAISDKUsage, isObject, type ConvertedUsage } from './convert-usage.js';
import { finishReasonOf, ResponseContent } from './response-message.js';

/** Input counts a provider announced before the stream's end (Anthropic's `message_start`). */
export interface EarlyInput {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Reads the parts of one LanguageModelV*StreamResult stream as they pass: text, reasoning and
 * tool-call deltas (tool inputs assembled by id), the response model, the `finish` part's usage
 * and finish reason, `error` parts. `add` is O(1) per part and never throws on odd parts.
 */
export class StreamState {
  readonly content = new ResponseContent();
  responseModel: string | undefined;
  responseId: string | undefined;
  finishReason: string | undefined;
  rawFinishReason: FinishReasonShape | undefined;
  usage: ConvertedUsage | undefined;
  earlyInput: EarlyInput | undefined;
  /** The `finish` part arrived: the provider said the response is complete. */
  finished = false;
  /** The first `error` part's error. */
  error: unknown;
  hasError = false;
  private readonly toolInputs = new Map<string, { name: string; input: string }>();

  /** Reads one part; returns true when it carried output (text, reasoning, tool input), for time to first token. */
  add(part: unknown): boolean {
    if (!isObject(part)) return false;
    const typed = part as StreamPartShape;
    switch (typed.type) {
      case 'text-delta':
        return this.appendText(typed.delta, 'text');
      case 'reasoning-delta':
        return this.appendText(typed.delta, 'reasoning');
      case 'tool-input-start':
        if (typeof typed.id === 'string') {
          this.toolInputs.set(typed.id, { name: typeof typed.toolName === 'string' ? typed.toolName : '', input: '' });
        }
        return false;
      case 'tool-input-delta': {
        const pending = typeof typed.id === 'string' ? this.toolInputs.get(typed.id) : undefined;
        if (!pending || typeof typed.delta !== 'string' || typed.delta.length === 0) return false;
        pending.input += typed.delta;
        return true;
      }
      case 'tool-call':
        if (typeof typed.toolCallId === 'string') this.toolInputs.delete(typed.toolCallId);
        this.content.addContent(typed);
        return true;
      case 'response-metadata':
        if (typeof typed.modelId === 'string') this.responseModel = typed.modelId;
        if (typeof typed.id === 'string') this.responseId = typed.id;
        return false;
      case 'finish':
        this.finished = true;
        this.rawFinishReason = typed.finishReason as FinishReasonShape | undefined;
        this.finishReason = finishReasonOf(this.rawFinishReason);
        this.usage = convertAISDKUsage(typed.usage);
        return false;
      case 'error':
        if (!this.hasError) {
          this.hasError = true;
          this.error = typed.error;
        }
        return false;
      case 'custom':
        if (typed.kind === 'anthropic.message_start') this.earlyInput = anthropicStartInput(typed.providerMetadata);
        return false;
      case 'text-start':
      case 'text-end':
      case 'reasoning-start':
      case 'reasoning-end':
      case 'tool-input-end':
      case 'stream-start':
      case 'raw':
      case 'ping':
        return false;
      default:
        this.content.addContent(typed);
        return false;
    }
  }

  /** The assistant message so far; tool inputs cut off mid-stream are kept with the arguments received. */
  message(): ResponseMessage | null {
    if (this.toolInputs.size === 0) return this.content.message();
    const message = this.content.message() ?? { role: 'assistant', content: null };
    const toolCalls = [...(message.toolCalls ?? [])];
    for (const [id, pending] of this.toolInputs) toolCalls.push(functionToolCall(id, pending.name, pending.input));
    return { ...message, toolCalls };
  }

  /** Every output character received, unfinished tool inputs included. */
  outputText(): string {
    let text = this.content.outputText();
    for (const pending of this.toolInputs.values()) text += pending.input;
    return text;
  }

  private appendText(delta: unknown, kind: 'text' | 'reasoning'): boolean {
    if (typeof delta !== 'string' || delta.length === 0) return false;
    if (kind === 'text') this.content.text += delta;
    else this.content.reasoning += delta;
    return true;
  }
}

/** Anthropic's exclusive input counts from `message_start`, summed into our inclusive input. */
function anthropicStartInput(metadata: unknown): EarlyInput | undefined {
  const usage = isObject(metadata) && isObject(metadata.anthropic) ? metadata.anthropic.usage : undefined;
  if (!isObject(usage) || typeof usage.input_tokens !== 'number') return undefined;
  const cacheRead = typeof usage.cache_read_input_tokens === 'number' ? usage.cache_read_input_tokens : 0;
  const cacheWrite = typeof usage.cache_creation_input_tokens === 'number' ? usage.cache_creation_input_tokens : 0;
  return { input: usage.input_tokens + cacheRead + cacheWrite, cacheRead, cacheWrite };
}
