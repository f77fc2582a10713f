import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { mergeAnthropicUsage, tokenUsageFromAnthropic } from '../../tokens/anthropic-usage.js';
import { asString, slotOf } from '../request-fields.js';
import { OUTPUT, PASS, type ChunkVerdict, type StreamAccumulator, type StreamOutcome } from '../stream-capture.js';

interface Block {
  type: string;
  text: string;
  id: string | undefined;
  name: string | undefined;
}

type MessageEvent = {
  type?: string;
  index?: number;
  message?: { model?: string; usage?: unknown };
  content_block?: { type?: string; text?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null };
  usage?: unknown;
};

/**
 * Reads Messages stream events. Input and cache counts come from `message_start`, whose
 * `output_tokens` is a placeholder; `message_delta.usage` is cumulative and may correct any field,
 * so the last value of each field wins. `tool_use` input is assembled from `input_json_delta`.
 * (`error` events never get here: the SDK throws them.)
 */
export class MessagesStreamAccumulator implements StreamAccumulator<MessageEvent> {
  private readonly blocks: Block[] = [];
  private model: string | null = null;
  private usage: Record<string, unknown> | undefined;
  private outputCounted = false;
  private stopReason: string | null = null;

  add(event: MessageEvent): ChunkVerdict {
    switch (event?.type) {
      case 'content_block_delta': {
        const index = slotOf(event.index, 0);
        const block = index === undefined ? undefined : this.blocks[index];
        const delta = event.delta;
        if (!block || !delta) return PASS;
        const text =
          delta.type === 'text_delta'
            ? delta.text
            : delta.type === 'input_json_delta'
              ? delta.partial_json
              : delta.type === 'thinking_delta'
                ? delta.thinking
                : undefined;
        if (typeof text !== 'string' || text === '') return PASS;
        block.text += text;
        return OUTPUT;
      }
      case 'content_block_start': {
        const index = slotOf(event.index, this.blocks.length);
        if (index === undefined) return PASS;
        const start = event.content_block;
        const type = asString(start?.type) ?? 'text';
        const text = asString(start?.text) ?? '';
        this.blocks[index] = {
          type,
          text,
          id: asString(start?.id) ?? undefined,
          name: asString(start?.name) ?? undefined,
        };
        return type === 'tool_use' || text !== '' ? OUTPUT : PASS;
      }
      case 'message_start':
        this.model = asString(event.message?.model);
        this.usage = mergeAnthropicUsage(event.message?.usage);
        return PASS;
      case 'message_delta': {
        const stopReason = asString(event.delta?.stop_reason);
        if (stopReason) this.stopReason = stopReason;
        if (event.usage) {
          this.usage = mergeAnthropicUsage(this.usage, event.usage);
          this.outputCounted = true;
        }
        return PASS;
      }
      default:
        return PASS;
    }
  }

  outcome(): StreamOutcome {
    let text: string | null = null;
    let reasoning = '';
    let outputText = '';
    const toolCalls: ToolCall[] = [];
    for (const block of this.blocks) {
      if (!block) continue;
      outputText += block.text;
      if (block.type === 'text') text = (text ?? '') + block.text;
      else if (block.type === 'thinking') reasoning += block.text;
      else if (block.type === 'tool_use') {
        // The JSON arrives in fragments; an interrupted stream leaves it as sent so far.
        toolCalls.push({
          ...(block.id !== undefined ? { id: block.id } : {}),
          type: 'function',
          function: { name: block.name ?? '', arguments: block.text || '{}' },
        });
      }
    }
    let responseMessage: ResponseMessage | null = null;
    if (this.blocks.length > 0) {
      responseMessage = { role: 'assistant', content: text };
      if (toolCalls.length > 0) responseMessage.toolCalls = toolCalls;
      if (reasoning) responseMessage.reasoning = reasoning;
    }
    return {
      responseMessage,
      responseModel: this.model,
      finishReason: this.stopReason,
      tokens: this.usage ? tokenUsageFromAnthropic(this.usage) : undefined,
      usageComplete: this.outputCounted,
      finished: this.stopReason !== null,
      outputText,
      reasoningText: reasoning,
      error: undefined,
    };
  }
}
