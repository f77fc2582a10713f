import type { CallHandle, CallInit } from '../../core/call.js';
import type { Ledger } from '../../core/ledger.js';
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from '../../capture/capture-defaults.js';
import { getDefaultLedger } from '../default-ledger.js';
import { ATTRIBUTION_CHECKS, BOOLEAN, checkIntegrationOptions, DURATION_MS, LEDGER } from '../integration-options.js';
import { aiSdkCacheTicket, noteParts, replayGenerate, replayStreamResult, storableGenerate } from './ai-sdk-cache.js';
import type { CallOptionsShape, GenerateResultShape, ModelShape, StreamResultShape } from './ai-sdk-shapes.js';
import { beginCall, failCall, resolveLedger, safely, type MiddlewareLedger } from './begin-call.js';
import { languageCallInit, type AttributionOptions } from './call-init.js';
import { countTokens } from './call-tokens.js';
import { convertAISDKUsage } from './convert-usage.js';
import { finishReasonOf, ResponseContent } from './response-message.js';
import { StreamRecorder } from './stream-recorder.js';

export interface LedgerMiddlewareOptions extends AttributionOptions {
  /** The ledger to record into; default: the process-wide default ledger (`llm_config.yaml`, SQLite). */
  ledger?: Ledger;
  /**
   * A stream the application stops reading for this long (no read pending) is recorded as `partial`
   * with `metadata.streamEnd = 'abandoned'`. Default 5 minutes; 0 turns it off.
   */
  streamIdleTimeoutMs?: number;
  /**
   * The ledger's response cache (createLedger's `cache`) for this model's calls: `false` never uses
   * it, `true` uses it even when the cache is opt-in. Default: the ledger's setting. A hit is
   * answered without calling the model (`doGenerate` / `doStream`), a stream replayed as the same
   * stream parts, and recorded with `cacheHit: true` and cost '0'.
   */
  cache?: boolean;
}

const MIDDLEWARE_OPTION_CHECKS = {
  ...ATTRIBUTION_CHECKS,
  ledger: LEDGER,
  streamIdleTimeoutMs: DURATION_MS,
  cache: BOOLEAN,
};

/** What `wrapGenerate` and `wrapStream` receive, for every specification version. */
export interface WrapCallOptions<GenerateResult, StreamResult> {
  doGenerate: () => PromiseLike<GenerateResult>;
  doStream: () => PromiseLike<StreamResult>;
  params: CallOptionsShape;
  model: ModelShape;
}

/**
 * A language model middleware for `wrapLanguageModel` from `ai`: structurally a
 * `LanguageModelV4Middleware` (`ai` 7); the same object works with V3 (`ai` 6) and V2 (`ai` 5)
 * models, whose usage shapes it reads too.
 */
export interface LedgerLanguageModelMiddleware {
  readonly specificationVersion: 'v4';
  wrapGenerate<Result extends GenerateResultShape>(options: WrapCallOptions<Result, unknown>): Promise<Result>;
  wrapStream<Result extends StreamResultShape>(options: WrapCallOptions<unknown, Result>): Promise<Result>;
}

/**
 * Records every call of a wrapped AI SDK language model: one record per model call (per step in
 * multi-step tool loops), with the prompt, tools, parameters, response text, reasoning and tool
 * calls, exact usage (cached input and reasoning tokens included), finish reason, time to first
 * token for streams, errors, and aborted or unfinished streams (output tokens then estimated).
 * Provider and model come from the model object. Attribution set with `ledger.context()` around the
 * call is inherited; options given here win over it.
 *
 * @example
 * import { generateText, wrapLanguageModel } from 'ai';
 * import { openai } from '@ai-sdk/openai';
 * import { ledgerMiddleware } from 'llm-ledger/ai-sdk';
 *
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: ledgerMiddleware({ ledger }) });
 * const { text } = await ledger.context({ userId: 'u-42' }, () => generateText({ model, prompt: 'Hi' }));
 */
export function ledgerMiddleware(options: LedgerMiddlewareOptions = {}): LedgerLanguageModelMiddleware {
  checkIntegrationOptions(options, MIDDLEWARE_OPTION_CHECKS, 'ledgerMiddleware() options');
  const ledgerOf = (): MiddlewareLedger | undefined => resolveLedger(options.ledger, getDefaultLedger);
  const idleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  return {
    specificationVersion: 'v4',

    async wrapGenerate<Result extends GenerateResultShape>({
      doGenerate,
      params,
      model,
    }: WrapCallOptions<Result, unknown>): Promise<Result> {
      const ledger = ledgerOf();
      if (!ledger) return doGenerate();
      const ticket = aiSdkCacheTicket(ledger, options.cache, model, params, false);
      const entry = ticket ? await ticket.found() : undefined;
      let init: CallInit | undefined;
      // A hit spends nothing: it is not admitted against budgets and rate limits.
      const started = await beginCall(ledger, () => (init = languageCallInit(model, params, false, options)), {
        admit: entry === undefined,
      });
      if (entry) {
        const cached = replayGenerate<Result>(entry);
        if (started && init) safely(ledger, () => completeGenerate(ledger, ticket!.handle(started), cached));
        return cached;
      }
      if (!started || !init) return doGenerate();
      const call = ticket ? ticket.handle(started) : started;
      let result: Result;
      try {
        result = await doGenerate();
      } catch (error) {
        safely(ledger, () => failCall(call, error));
        throw error;
      }
      safely(ledger, () => {
        ticket?.noteBody(storableGenerate(result as Result & Record<string, unknown>));
        completeGenerate(ledger, call, result);
      });
      return result;
    },

    async wrapStream<Result extends StreamResultShape>({
      doStream,
      params,
      model,
    }: WrapCallOptions<unknown, Result>): Promise<Result> {
      const ledger = ledgerOf();
      if (!ledger) return doStream();
      const ticket = aiSdkCacheTicket(ledger, options.cache, model, params, true);
      const entry = ticket ? await ticket.found() : undefined;
      let init: CallInit | undefined;
      const started = await beginCall(ledger, () => (init = languageCallInit(model, params, true, options)), {
        admit: entry === undefined,
      });
      if (!started || !init) return entry ? replayStreamResult<Result>(entry) : doStream();
      const call = ticket ? ticket.handle(started) : started;
      let result: Result;
      try {
        // A hit replays the stored parts; the recorder reads them as it reads the model's.
        result = entry ? replayStreamResult<Result>(entry) : await doStream();
      } catch (error) {
        safely(ledger, () => failCall(call, error));
        throw error;
      }
      try {
        const recorder = new StreamRecorder(call, {
          ledger,
          idleTimeoutMs,
          signal: params.abortSignal,
        });
        const source = ticket && !entry ? noteParts(result.stream, ticket) : result.stream;
        return { ...result, stream: recorder.wrap(source) } as Result;
      } catch (error) {
        // Could not observe the stream: the application still gets it, unrecorded beyond this failure.
        safely(ledger, () => call.fail(error, { errorType: 'capture' }));
        return result;
      }
    },
  };
}

function completeGenerate(ledger: MiddlewareLedger, call: CallHandle, result: GenerateResultShape): void {
  const content = new ResponseContent();
  if (Array.isArray(result.content)) for (const part of result.content) content.addContent(part);
  const counted = countTokens({
    usage: convertAISDKUsage(result.usage),
    call,
    ledger,
    outputText: content.outputText(),
    reasoningText: content.reasoning,
  });
  call.complete({
    responseMessage: content.message(),
    responseModel: typeof result.response?.modelId === 'string' ? result.response.modelId : null,
    finishReason: finishReasonOf(result.finishReason) ?? null,
    tokens: counted.tokens,
    tokenSource: counted.tokenSource,
  });
}
