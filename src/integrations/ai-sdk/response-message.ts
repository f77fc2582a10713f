import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { functionToolCall } from '../../capture/request-fields.js';
import type { FinishReasonShape } from './ai-sdk-shapes.js';
import { isObject } from './convert-usage.js';

/** What a model call produced, collected from a generate result's content or from stream parts. */
export class ResponseContent {
  text = '';
  reasoning = '';
  readonly toolCalls: ToolCall[] = [];
  /** Everything else the model produced (sources, files, provider-executed tool results), by type. */
  readonly other: Record<string, number> = {};

  /** Adds one content part of a generate result (or a stream part of the same type). */
  addContent(part: unknown): void {
    if (!isObject(part)) return;
    switch (part.type) {
      case 'text':
        if (typeof part.text === 'string') this.text += part.text;
        return;
      case 'reasoning':
        if (typeof part.text === 'string') this.reasoning += part.text;
        return;
      case 'tool-call':
        this.toolCalls.push(
          functionToolCall(
            typeof part.toolCallId === 'string' ? part.toolCallId : undefined,
            typeof part.toolName === 'string' ? part.toolName : '',
            part.input ?? '',
          ),
        );
        return;
      default:
        if (typeof part.type === 'string') this.other[part.type] = (this.other[part.type] ?? 0) + 1;
    }
  }

  /** The assistant message the record keeps; null when nothing was produced. */
  message(): ResponseMessage | null {
    const hasTools = this.toolCalls.length > 0;
    if (!this.text && !this.reasoning && !hasTools) return null;
    const message: ResponseMessage = { role: 'assistant', content: this.text || null };
    if (hasTools) message.toolCalls = this.toolCalls;
    if (this.reasoning) message.reasoning = this.reasoning;
    return message;
  }

  /** Every output character received, for estimates when usage never arrives. */
  outputText(): string {
    let text = this.text + this.reasoning;
    for (const call of this.toolCalls) text += call.function?.arguments ?? '';
    return text;
  }
}

/**
 * The finish reason the record keeps: the provider's own (`stop`, `tool_calls`, `end_turn`), as the
 * other adapters record it, else the SDK's unified one (`stop`, `tool-calls`, `length`...).
 */
export function finishReasonOf(reason: FinishReasonShape | undefined): string | undefined {
  if (typeof reason === 'string') return reason;
  if (!isObject(reason)) return undefined;
  if (typeof reason.raw === 'string' && reason.raw) return reason.raw;
  return typeof reason.unified === 'string' ? reason.unified : undefined;
}

/** The SDK's unified finish reason (V3/V4), or V2's string. */
export function unifiedFinishReason(reason: FinishReasonShape | undefined): string | undefined {
  if (typeof reason === 'string') return reason;
  return isObject(reason) && typeof reason.unified === 'string' ? reason.unified : undefined;
}
