import type { TokenUsage } from '../../core/record.js';
import { MessagesStreamAccumulator } from '../anthropic/messages-stream-accumulator.js';
import { GenerateStreamAccumulator } from '../gemini/generate-stream-accumulator.js';
import { ChatStreamAccumulator } from '../openai/chat-stream-accumulator.js';
import { ResponsesStreamAccumulator } from '../openai/responses-stream-accumulator.js';
import { asRecord, asString } from '../request-fields.js';
import { OUTPUT, PASS, type ChunkVerdict, type StreamAccumulator, type StreamOutcome } from '../stream-capture.js';
import { universalUsage } from './universal-usage.js';

const ANTHROPIC_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
]);

/**
 * Reads chunks of a stream of unknown make. The first recognisable chunk picks the provider's
 * accumulator (OpenAI chat chunks, Responses events, Anthropic events, Gemini chunks); anything
 * else is read as text pieces: strings, `{ text }`, `{ delta }`, `{ content }`, with `usage`.
 */
export class UniversalStreamAccumulator implements StreamAccumulator<unknown> {
  private delegate: StreamAccumulator<unknown> | undefined;
  private text = '';
  private usage: TokenUsage | undefined;
  private finishReason: string | null = null;
  private model: string | null = null;

  constructor(private readonly provider: string) {}

  add(chunk: unknown): ChunkVerdict {
    if (this.delegate) return this.delegate.add(chunk);
    const record = asRecord(chunk);
    if (record) {
      this.delegate = pickDelegate(record);
      if (this.delegate) return this.delegate.add(chunk);
    }
    return this.addPlain(chunk, record);
  }

  outcome(): StreamOutcome {
    if (this.delegate) return this.delegate.outcome();
    return {
      responseMessage: this.text ? { role: 'assistant', content: this.text } : null,
      responseModel: this.model,
      finishReason: this.finishReason,
      tokens: this.usage,
      usageComplete: this.usage !== undefined,
      // A plain stream says nothing about completeness: reaching its end is all there is.
      finished: true,
      outputText: this.text,
      reasoningText: '',
      error: undefined,
    };
  }

  private addPlain(chunk: unknown, record: Record<string, unknown> | undefined): ChunkVerdict {
    let piece: string | null = typeof chunk === 'string' ? chunk : null;
    if (record) {
      const delta = record.delta;
      piece =
        asString(record.text) ??
        asString(delta) ??
        asString(asRecord(delta)?.text) ??
        asString(asRecord(delta)?.content) ??
        asString(record.content) ??
        asString(record.token);
      const usage = universalUsage(record.usage ?? record.usageMetadata, this.provider);
      if (usage) this.usage = usage;
      this.finishReason = asString(record.finish_reason) ?? asString(record.finishReason) ?? this.finishReason;
      this.model = asString(record.model) ?? this.model;
    }
    if (!piece) return PASS;
    this.text += piece;
    return OUTPUT;
  }
}

function pickDelegate(record: Record<string, unknown>): StreamAccumulator<unknown> | undefined {
  if (Array.isArray(record.choices)) return new ChatStreamAccumulator(false) as StreamAccumulator<unknown>;
  if (Array.isArray(record.candidates)) return new GenerateStreamAccumulator() as StreamAccumulator<unknown>;
  const type = record.type;
  if (typeof type === 'string') {
    if (ANTHROPIC_EVENTS.has(type)) return new MessagesStreamAccumulator() as StreamAccumulator<unknown>;
    if (type.startsWith('response.')) return new ResponsesStreamAccumulator() as StreamAccumulator<unknown>;
  }
  return undefined;
}
