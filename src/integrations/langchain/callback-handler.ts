import { BaseCallbackHandler, type HandleLLMNewTokenCallbackFields } from '@langchain/core/callbacks/base';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { CallHandle, CallInit } from '../../core/call.js';
import { isLedgerError } from '../../core/errors.js';
import { currentContext } from '../../core/context.js';
import type { Ledger } from '../../core/ledger.js';
import type { RequestMode } from '../../core/record.js';
import { getDefaultLedger } from '../default-ledger.js';
import {
  ATTRIBUTION_CHECKS,
  checkIntegrationOptions,
  LEDGER,
  NON_EMPTY_STRING,
  REQUEST_MODE,
  STRING,
} from '../integration-options.js';
import { systemPromptOf, toRecordMessage, type RecordMessage } from './message-conversion.js';
import { modelIdentity, splitDeclaredModel } from './model-identity.js';
import { ModelRun, type RunInterruption } from './model-run.js';
import { RunTree, type TracePlace } from './run-tree.js';

export interface LedgerCallbackHandlerOptions {
  /** Where records go; default: the process-wide ledger from `llm_config.yaml` and the environment. */
  ledger?: Ledger;
  /** The record's `callType` (Python's `task_type`); default `CHAT`. */
  callType?: string;
  /**
   * The model you expect (`gpt-4o-mini` or `openai/gpt-4o-mini`): recorded when the model run does
   * not name its own model or provider. The model's own name always wins.
   */
  modelName?: string;
  /** Forces every run's request mode; default `streaming` when the model streams, else `sync`. */
  requestMode?: RequestMode;
  /** Puts every run in this trace (default: the surrounding `ledger.context()` trace, else LangChain's root run id). */
  traceId?: string;
  /** Parent record of the top-level model runs (with `traceId`). */
  parentId?: string;
  sessionId?: string;
  userId?: string;
  tenantId?: string;
  requestId?: string;
  tags?: readonly string[];
  metadata?: Record<string, unknown>;
}

const HANDLER_OPTION_CHECKS = {
  ...ATTRIBUTION_CHECKS,
  ledger: LEDGER,
  modelName: NON_EMPTY_STRING,
  requestMode: REQUEST_MODE,
  traceId: NON_EMPTY_STRING,
  // null: a top-level run of a trace that has no parent record.
  parentId: [(value: unknown) => value === null || NON_EMPTY_STRING[0](value), 'a non-empty string'] as const,
  requestId: STRING,
};

/**
 * A LangChain callback handler that records every chat model and LLM run inside any chain, agent
 * or graph: one record per model call with its messages, tools, tool calls, `usage_metadata`
 * (cache reads and writes, reasoning), finish reason, response model, errors and time to first
 * token. LangChain's run tree becomes one trace. Chains, tools and retrievers get no record and no
 * tokens, so totals over a trace are exactly the sum of its model calls.
 *
 * Never throws into LangChain: the ledger's own problems are reported through its `onError`.
 *
 * @example
 * const handler = new LedgerCallbackHandler({ ledger, callType: 'extraction', userId: 'u-42' });
 * await chain.invoke({ text }, { callbacks: [handler] });
 * // after a stream you `break` out of (LangChain then fires no end event):
 * handler.interruptOpenRuns();
 */
export class LedgerCallbackHandler extends BaseCallbackHandler {
  name = 'LedgerCallbackHandler';
  private readonly ledger: Ledger;
  private readonly options: LedgerCallbackHandlerOptions;
  private readonly tree: RunTree;
  private readonly open = new Map<string, ModelRun>();

  constructor(options: LedgerCallbackHandlerOptions = {}) {
    // Awaited, so a run's record is final when `invoke()` returns and attribution (AsyncLocalStorage) is kept.
    super({ _awaitHandler: true });
    checkIntegrationOptions(options, HANDLER_OPTION_CHECKS, 'LedgerCallbackHandler options');
    this.options = { ...options };
    this.ledger = options.ledger ?? getDefaultLedger();
    // LangChain swallows handler errors unless raiseError is set: only then can a budget stop a call.
    this.raiseError = this.ledger.gated;
    this.tree = new RunTree(() => this.origin());
  }

  /** One handler instance keeps one run tree: LangChain's copies share it. */
  override copy(): this {
    return this;
  }

  /** Model runs started and not yet finalized. */
  get openRuns(): number {
    return this.open.size;
  }

  /**
   * Finalizes every model run still open as `partial` (output estimated from the text received
   * unless the provider's counts had all arrived) and forgets the run tree. Call it after breaking
   * out of `runnable.stream()` yourself; `streamWithUsage` does it for you.
   */
  interruptOpenRuns(reason: RunInterruption = 'consumer_stopped'): void {
    for (const [runId, run] of this.open) {
      this.open.delete(runId);
      this.guard(() => run.interrupt(reason));
    }
    this.tree.clear();
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> | void {
    return this.guardStart(() => {
      const converted = (messages[0] ?? []).map(toRecordMessage);
      return this.startModelRun({ llm, messages: converted, runId, parentRunId, extraParams, tags, metadata, runName });
    });
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> | void {
    return this.guardStart(() => {
      const converted: RecordMessage[] = prompts.slice(0, 1).map((prompt) => ({ role: 'user', content: prompt }));
      return this.startModelRun({ llm, messages: converted, runId, parentRunId, extraParams, tags, metadata, runName });
    });
  }

  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: HandleLLMNewTokenCallbackFields,
  ): void {
    const run = this.open.get(runId);
    if (run) this.guard(() => run.token(token, fields?.chunk));
  }

  override handleLLMEnd(
    output: LLMResult,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    extraParams?: Record<string, unknown>,
  ): void {
    // LangChain's own cache answered (`cached: true`): a hit, recorded as one.
    const cached = extraParams?.cached === true;
    this.finishModelRun(runId, (run) => (cached ? run.endCached(output) : run.end(output)));
  }

  override handleLLMError(error: unknown, runId: string): void {
    this.finishModelRun(runId, (run) => run.error(error));
  }

  override handleChainStart(
    _chain: Serialized,
    _inputs: unknown,
    runId: string,
    _runType?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    _runName?: string,
    parentRunId?: string,
  ): void {
    this.guard(() => this.tree.enter(runId, parentRunId));
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  override handleChainError(_error: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  override handleToolStart(_tool: Serialized, _input: string, runId: string, parentRunId?: string): void {
    this.guard(() => this.tree.enter(runId, parentRunId));
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  override handleToolError(_error: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  override handleRetrieverStart(_retriever: Serialized, _query: string, runId: string, parentRunId?: string): void {
    this.guard(() => this.tree.enter(runId, parentRunId));
  }

  override handleRetrieverEnd(_documents: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  override handleRetrieverError(_error: unknown, runId: string): void {
    this.tree.leave(runId);
  }

  private startModelRun(start: {
    llm: Serialized;
    messages: RecordMessage[];
    runId: string;
    parentRunId: string | undefined;
    extraParams: Record<string, unknown> | undefined;
    tags: string[] | undefined;
    metadata: Record<string, unknown> | undefined;
    runName: string | undefined;
  }): Promise<void> | void {
    if (this.open.has(start.runId)) return;
    const place = this.tree.enter(start.runId, start.parentRunId);
    const identity = modelIdentity(start.llm, start.extraParams, start.metadata);
    const declared = splitDeclaredModel(this.options.modelName);
    const provider = identity.provider ?? declared.provider ?? 'unknown';
    const init: CallInit = {
      provider,
      model: identity.model ?? declared.model ?? 'unknown',
      callType: this.options.callType,
      messages: start.messages,
      systemPrompt: systemPromptOf(start.messages),
      tools: identity.tools,
      toolChoice: identity.toolChoice,
      params: identity.params,
      requestMode: this.options.requestMode ?? (identity.streaming ? 'streaming' : 'sync'),
      traceId: place.traceId,
      parentId: place.parentId,
      sessionId: this.options.sessionId,
      userId: this.options.userId,
      tenantId: this.options.tenantId,
      requestId: this.options.requestId,
      tags: this.options.tags,
      metadata: {
        ...this.options.metadata,
        langchain: runMetadata(start.runId, start.parentRunId, start.runName, start.tags),
      },
    };
    // System text is inside the messages too: counted once.
    const prompt = { messages: start.messages, tools: identity.tools };
    const track = (call: CallHandle) => {
      this.tree.recorded(start.runId, call.id);
      this.open.set(start.runId, new ModelRun(call, provider, prompt, this.ledger));
    };
    // Under budgets and rate limits the call is admitted before LangChain contacts the provider.
    if (this.ledger.gated) return this.ledger.startAdmitted(init).then(track);
    track(this.ledger.start(init));
  }

  private finishModelRun(runId: string, finish: (run: ModelRun) => void): void {
    const run = this.open.get(runId);
    this.tree.leave(runId);
    if (!run) return;
    this.open.delete(runId);
    this.guard(() => finish(run));
  }

  /** Attribution for a root run: explicit options, else the surrounding `ledger.context()`. */
  private origin(): Partial<TracePlace> | undefined {
    if (this.options.traceId) return { traceId: this.options.traceId, parentId: this.options.parentId ?? null };
    const context = currentContext();
    if (context?.traceId) return { traceId: context.traceId, parentId: context.parentId ?? null };
    return undefined;
  }

  /**
   * A model run's start: a budget or rate-limit refusal (QuotaExceededError, RateLimitedError) is
   * the one error that reaches LangChain, so the model call is stopped before the provider is
   * contacted; anything else is reported like every other problem.
   */
  private guardStart(start: () => Promise<void> | void): Promise<void> | void {
    let pending: Promise<void> | void;
    try {
      pending = start();
    } catch (error) {
      this.report(error);
      return;
    }
    return pending?.catch((error: unknown) => {
      if (isRefusal(error)) throw error;
      this.report(error);
    });
  }

  /** Recording never breaks the application's chain: problems go to the ledger's error reporting. */
  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    try {
      this.ledger.reportInvalidInput('langchain', error instanceof Error ? error.message : String(error));
    } catch {
      // A fail-closed ledger throws here; LangChain's run must still go on.
    }
  }
}

function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return isLedgerError(error) && (code === 'QUOTA_EXCEEDED' || code === 'RATE_LIMITED');
}

function runMetadata(
  runId: string,
  parentRunId: string | undefined,
  runName: string | undefined,
  tags: string[] | undefined,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { runId };
  if (parentRunId) metadata.parentRunId = parentRunId;
  if (runName) metadata.runName = runName;
  if (tags && tags.length > 0) metadata.tags = tags;
  return metadata;
}
