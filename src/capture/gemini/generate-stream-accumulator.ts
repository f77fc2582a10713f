import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { tokenUsageFromGemini } from '../../tokens/gemini-usage.js';
import { OUTPUT, PASS, type ChunkVerdict, type StreamAccumulator, type StreamOutcome } from '../stream-capture.js';
import { asString, functionToolCall } from '../request-fields.js';

type Part = { text?: string; thought?: boolean; functionCall?: { id?: string; name?: string; args?: unknown } };
type Chunk = {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string }>;
  usageMetadata?: { candidatesTokenCount?: number };
  modelVersion?: string;
};

/**
 * Reads generateContentStream chunks: each carries new parts; `usageMetadata` may appear on every
 * chunk and the last one holds the final counts (intermediate ones often only the prompt count).
 */
export class GenerateStreamAccumulator implements StreamAccumulator<Chunk> {
  private text = '';
  private hasText = false;
  private reasoning = '';
  private readonly toolCalls: ToolCall[] = [];
  private usage: unknown = undefined;
  private usageFinal = false;
  private finishReason: string | null = null;
  private model: string | null = null;

  add(chunk: Chunk): ChunkVerdict {
    if (typeof chunk !== 'object' || chunk === null) return PASS;
    const model = asString(chunk.modelVersion);
    if (model) this.model = model;
    const candidate = chunk.candidates?.[0];
    const finishReason = asString(candidate?.finishReason);
    if (finishReason) this.finishReason = finishReason;
    if (chunk.usageMetadata) {
      this.usage = chunk.usageMetadata;
      this.usageFinal = chunk.usageMetadata.candidatesTokenCount !== undefined || this.finishReason !== null;
    }
    const parts = candidate?.content?.parts;
    if (!Array.isArray(parts)) return PASS;
    let verdict: ChunkVerdict = PASS;
    for (const part of parts as unknown[] as NonNullable<typeof parts>) {
      if (typeof part !== 'object' || part === null) continue;
      if (typeof part.text === 'string' && part.text.length > 0) {
        if (part.thought) this.reasoning += part.text;
        else {
          this.text += part.text;
          this.hasText = true;
        }
        verdict = OUTPUT;
      }
      if (part.functionCall) {
        const call = part.functionCall;
        this.toolCalls.push(functionToolCall(asString(call.id) ?? undefined, asString(call.name) ?? '', call.args));
        verdict = OUTPUT;
      }
    }
    return verdict;
  }

  outcome(): StreamOutcome {
    let responseMessage: ResponseMessage | null = null;
    if (this.hasText || this.toolCalls.length > 0 || this.reasoning) {
      responseMessage = { role: 'assistant', content: this.hasText ? this.text : null };
      if (this.toolCalls.length > 0) responseMessage.toolCalls = this.toolCalls;
      if (this.reasoning) responseMessage.reasoning = this.reasoning;
    }
    let outputText = this.text + this.reasoning;
    for (const call of this.toolCalls) outputText += call.function?.arguments ?? '';
    return {
      responseMessage,
      responseModel: this.model,
      finishReason: this.finishReason,
      tokens: this.usage ? tokenUsageFromGemini(this.usage) : undefined,
      usageComplete: this.usageFinal,
      finished: this.finishReason !== null,
      outputText,
      reasoningText: this.reasoning,
      error: undefined,
    };
  }
}
