import type { CallHandle, FailureDetails } from '../../core/call.js';
import type { TokenSource, TokenUsage } from '../../core/record.js';
import { classifyError, type ClassifiedError } from '../../capture/error-classification.js';
import { estimateNow, estimateRequestOf, type EstimatorSource } from '../../capture/estimate-tokens.js';
import type { ChatInput } from '../../tokens/chat-request.js';
import { asRecord } from '../../capture/request-fields.js';
import { outputTextOf, toResponseMessage } from './message-conversion.js';
import { CACHE_INFO_FIELD, noteGenerationRecord } from './langchain-cache.js';
import { correctStreamedUsage, sumUsage, tokensFromLlmOutput, tokensFromUsageMetadata } from './usage-conversion.js';

/** How a run that LangChain never ended was cut short, kept in `metadata.streamEnd`. */
export type RunInterruption = 'consumer_stopped' | 'chain_error' | 'chain_ended';

/**
 * One chat model or LLM run in progress: it collects new-token events (text, time to first token,
 * per-chunk usage) and finalizes its call exactly once, from `handleLLMEnd`, `handleLLMError`, or
 * `interrupt()` when the stream was abandoned and LangChain will say nothing more.
 */
export class ModelRun {
  private text = '';
  private sawOutput = false;
  private readonly chunkUsages: TokenUsage[] = [];

  constructor(
    readonly call: CallHandle,
    private readonly provider: string,
    /** The request as counted when the provider's counts are missing (its system text is in the messages). */
    private readonly prompt: ChatInput,
    /** The ledger, for its token chain. */
    private readonly ledger: EstimatorSource | undefined,
  ) {}

  /** `handleLLMNewToken`: `chunk` is the ChatGenerationChunk (or GenerationChunk) LangChain passes along. */
  token(token: string, chunk: unknown): void {
    const message = asRecord(asRecord(chunk)?.message);
    if (token) {
      this.sawOutput = true;
      this.text += token;
      this.call.update({ appendText: token });
    }
    const toolChunks = message?.tool_call_chunks;
    if (Array.isArray(toolChunks) && toolChunks.length > 0) {
      for (const piece of toolChunks as unknown[]) {
        const fields = asRecord(piece);
        if (typeof fields?.name === 'string') this.text += fields.name;
        if (typeof fields?.args === 'string') this.text += fields.args;
      }
      if (!this.sawOutput) {
        this.sawOutput = true;
        this.call.update({ firstToken: true });
      }
    }
    const usage = tokensFromUsageMetadata(message?.usage_metadata);
    if (usage) this.chunkUsages.push(usage);
  }

  /** `handleLLMEnd` with its LLMResult. */
  end(output: unknown): void {
    if (this.call.finalized) return;
    const result = asRecord(output);
    const generations = result?.generations;
    const first = Array.isArray(generations) && Array.isArray(generations[0]) ? asRecord(generations[0][0]) : undefined;
    const message = asRecord(first?.message);
    const response = toResponseMessage(message, typeof first?.text === 'string' ? first.text : undefined);
    const reported = tokensFromUsageMetadata(message?.usage_metadata) ?? tokensFromLlmOutput(result?.llmOutput);
    let tokens: TokenUsage;
    let tokenSource: TokenSource = 'provider';
    if (reported) {
      tokens = correctStreamedUsage(this.provider, reported, this.chunkUsages);
    } else {
      const estimated = this.estimate(outputTextOf(response), undefined);
      tokens = estimated.tokens;
      tokenSource = estimated.tokenSource;
    }
    const record = this.call.complete({
      ...responseFields(first, message),
      responseMessage: response,
      tokens,
      tokenSource,
    });
    // The generation LangChain is about to store in its cache: a LedgerLangChainCache names this cost.
    if (first) noteGenerationRecord(first, record);
  }

  /**
   * `handleLLMEnd` of an answer from LangChain's cache: no provider call, nothing billed. The cost
   * the original call had comes with the generation when the cache is a LedgerLangChainCache.
   */
  endCached(output: unknown): void {
    if (this.call.finalized) return;
    const generations = asRecord(output)?.generations;
    const first = Array.isArray(generations) && Array.isArray(generations[0]) ? asRecord(generations[0][0]) : undefined;
    const message = asRecord(first?.message);
    const saved = asRecord(asRecord(first?.generationInfo)?.[CACHE_INFO_FIELD])?.costSaved;
    this.call.complete({
      ...responseFields(first, message),
      responseMessage: toResponseMessage(message, typeof first?.text === 'string' ? first.text : undefined),
      cacheHit: { costSaved: typeof saved === 'string' ? saved : null },
    });
  }

  /** `handleLLMError`: failed, or cancelled when it was an abort. Same classification as capture. */
  error(error: unknown): void {
    if (this.call.finalized) return;
    const classified = classifyWrapped(error);
    const aborted = classified.errorType === 'aborted' || isLangChainAbort(error);
    const details: FailureDetails = {
      errorType: aborted ? 'aborted' : classified.errorType,
      httpStatus: classified.httpStatus,
      retryAfterMs: classified.retryAfterMs,
      partial: this.sawOutput,
      // A request refused outright is not billed; one that produced output is, so it is estimated.
      ...(this.sawOutput ? this.estimatedSoFar() : {}),
    };
    if (aborted) this.call.cancel(error, details);
    else this.call.fail(error, details);
  }

  /**
   * The run will never end: the consumer left the stream (LangChain fires no handleLLMEnd then) or
   * the chain around it stopped. Recorded as `partial`, with the provider's counts if they had
   * all arrived, otherwise output estimated from the text received.
   */
  interrupt(reason: RunInterruption): void {
    if (this.call.finalized) return;
    const known = this.streamedUsage();
    const estimated = known ? undefined : this.estimatedSoFar();
    this.call.complete({
      status: 'partial',
      tokens: known ?? estimated!.tokens,
      tokenSource: known ? 'provider' : estimated!.tokenSource,
      metadata: { streamEnd: reason },
    });
  }

  /** Complete provider counts from the chunks seen, when the final usage chunk had arrived. */
  private streamedUsage(): TokenUsage | undefined {
    const sum = sumUsage(this.chunkUsages);
    if (!sum) return undefined;
    if (this.provider === 'anthropic') {
      const corrected = correctStreamedUsage(this.provider, sum, this.chunkUsages);
      return corrected === sum ? undefined : corrected;
    }
    return sum.output > 0 ? sum : undefined;
  }

  private estimatedSoFar(): { tokens: TokenUsage; tokenSource: TokenSource } {
    const known = sumUsage(this.chunkUsages);
    return this.estimate(this.text, known && known.input > 0 ? known : undefined);
  }

  /** The token chain's count of the output text, and of the prompt unless `known` has the input side. */
  private estimate(
    outputText: string,
    known: TokenUsage | undefined,
  ): { tokens: TokenUsage; tokenSource: TokenSource } {
    const request = estimateRequestOf(this.call, { text: outputText, inputKnown: known !== undefined }, this.prompt);
    const estimate = estimateNow(this.ledger, request);
    const input = known ? known.input : (estimate?.input ?? 0);
    const output = estimate?.output ?? 0;
    return {
      tokens: {
        input,
        output,
        total: input + output,
        cacheRead: known?.cacheRead ?? 0,
        cacheWrite: known?.cacheWrite ?? 0,
        reasoning: 0,
      },
      tokenSource: known ? 'estimate' : (estimate?.source ?? 'estimate'),
    };
  }
}

/**
 * LangChain wraps some provider errors (`ContextOverflowError` around openai-node's
 * `BadRequestError`): the HTTP status and retry delay are read from the cause when the wrapper has none.
 */
function classifyWrapped(error: unknown): ClassifiedError {
  const classified = classifyError(error);
  const cause = asRecord(error)?.cause;
  if (classified.httpStatus !== null || typeof cause !== 'object' || cause === null) return classified;
  const inner = classifyError(cause);
  return {
    errorType: classified.errorType === 'unknown' ? inner.errorType : classified.errorType,
    httpStatus: inner.httpStatus,
    retryAfterMs: classified.retryAfterMs ?? inner.retryAfterMs,
  };
}

/** `ModelAbortError`, or ChatOpenAI's bare `new Error('AbortError')` after its signal fired. */
function isLangChainAbort(error: unknown): boolean {
  const fields = asRecord(error);
  return fields?.name === 'ModelAbortError' || (error instanceof Error && error.message === 'AbortError');
}

/** The response model and finish reason, wherever the provider's integration put them. */
function responseFields(
  first: Record<string, unknown> | undefined,
  message: Record<string, unknown> | undefined,
): { responseModel: string | null; finishReason: string | null } {
  const metadata = asRecord(message?.response_metadata) ?? {};
  const extra = asRecord(message?.additional_kwargs) ?? {};
  const info = asRecord(first?.generationInfo) ?? {};
  return {
    responseModel: text(metadata.model_name, metadata.model, info.model_name, extra.model),
    finishReason: text(
      metadata.finish_reason,
      metadata.stop_reason,
      metadata.finishReason,
      info.finish_reason,
      info.finishReason,
      extra.stop_reason,
    ),
  };
}

function text(...values: unknown[]): string | null {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value;
  return null;
}
