import { readEnv } from '../../config/env-vars.js';
import { backoffDelayMs, sleep, type BackoffOptions } from '../../core/backoff.js';
import { BoundedMap } from '../../core/bounded-map.js';
import { newCallId } from '../../core/call-id.js';
import { ValidationError } from '../../core/errors.js';
import type { LedgerHandler } from '../../core/handlers.js';
import { silentLogger, type LedgerLogger } from '../../core/logger.js';
import type { CallRecord } from '../../core/record.js';
import { estimateTokens } from '../../tokens/heuristic.js';
import { MeterClosedError } from '../errors.js';
import type { Meter, MeterableRecord } from '../meter.js';
import { cycleAnchorDay, type PeriodInput } from '../counters/period.js';
import { getDefaultMeter } from '../default-meter.js';

export interface TokenCallbackOptions {
  /** Default: `getDefaultMeter()`. */
  meter?: Meter;
  /** Where "recorded N tokens" lines go (debug level). Default silent. */
  logger?: LedgerLogger;
  /** Environment for `CALLBACK_RETRY_ATTEMPTS` (default 3) and `CALLBACK_RETRY_DELAY` (ms, default 100). Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** The response dict an LLM client hands to `onLLMEnd`: `content`, `tokens_used`, `model`, or the split. */
export interface LLMResponseLike {
  content?: unknown;
  model?: string;
  tokens_used?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
}

/** A ledger handler that also works standalone, driven by an LLM client's own callback calls. */
export interface TokenCallback extends LedgerHandler {
  onLLMStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void>;
  onLLMEnd(response: LLMResponseLike, extra?: LLMCallExtra): Promise<void>;
  onLLMError(error: unknown, extra?: LLMCallExtra): Promise<void>;
  /** @deprecated Renamed `onLLMStart`; the old name goes away in the next minor version. */
  onLlmStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void>;
  /** @deprecated Renamed `onLLMEnd`; the old name goes away in the next minor version. */
  onLlmEnd(response: LLMResponseLike, extra?: LLMCallExtra): Promise<void>;
  /** @deprecated Renamed `onLLMError`; the old name goes away in the next minor version. */
  onLlmError(error: unknown, extra?: LLMCallExtra): Promise<void>;
}

/** The extra arguments of the standalone handlers (`**kwargs`): the call's id makes counting idempotent. */
export interface LLMCallExtra {
  id?: string;
  requestId?: string;
  provider?: string;
  model?: string;
}

/**
 * A per-user token counter handler (the `RedisTokenCallbackHandler` shape): counts the calls of
 * one user in their billing cycle (requests, every token bucket and the exact cost). Counts only
 * records attributed to `userId` (set it with `ledger.context({ userId })` or in the call), since
 * ledger handlers see every call. When a record has a total but no prompt/completion split, the
 * prompt is estimated from its messages (4 characters per token) and the rest is completion (as
 * Python's `_extract_detailed_tokens` does). Idempotent per record: combining it with
 * `createDetailedTokenCallback` for the same user does not count a call twice.
 *
 * @example
 * ledger.addHandler(createTokenCallback('user_123', '2024-01-01'));
 */
export function createTokenCallback(
  userId: string,
  cycleStartDate?: string,
  options: TokenCallbackOptions = {},
): TokenCallback {
  return new UserTokenCallback('token-callback', userId, cycleStartDate, options, false);
}

/**
 * A per-user token counter handler that logs the split (the `DetailedRedisTokenCallbackHandler`
 * shape). The counters always keep prompt and completion apart, so it counts exactly what
 * `createTokenCallback` counts (either may run first when both are used); it differs in what it
 * logs: prompt and completion tokens rather than the total.
 *
 * @example
 * const callback = createDetailedTokenCallback('user_123');
 */
export function createDetailedTokenCallback(
  userId: string,
  cycleStartDate?: string,
  options: TokenCallbackOptions = {},
): TokenCallback {
  return new UserTokenCallback('detailed-token-callback', userId, cycleStartDate, options, true);
}

class UserTokenCallback implements TokenCallback {
  private readonly period: PeriodInput;
  private readonly logger: LedgerLogger;
  private readonly retryAttempts: number;
  private readonly retryBackoff: BackoffOptions;
  /**
   * Messages of the calls started with `onLLMStart`, by the id given in `extra` ('' without one),
   * for estimating a prompt from a total; bounded, as an end may never come.
   */
  private readonly startedMessages = new BoundedMap<string, readonly unknown[]>({ maxEntries: MAX_STARTED });

  constructor(
    readonly name: string,
    private readonly userId: string,
    cycleStartDate: string | undefined,
    private readonly options: TokenCallbackOptions,
    private readonly detailed: boolean,
  ) {
    // An empty user id is a typed error at creation, not a failure at the first call.
    if (typeof userId !== 'string' || userId.trim() === '') {
      throw new ValidationError('userId', 'a non-empty user id is required');
    }
    if (cycleStartDate !== undefined) cycleAnchorDay(cycleStartDate);
    this.period = cycleStartDate === undefined ? 'month' : `cycle:${cycleStartDate}`;
    this.logger = options.logger ?? silentLogger;
    const env = options.env ?? process.env;
    this.retryAttempts = readEnv(env, 'CALLBACK_RETRY_ATTEMPTS') ?? 3;
    const retryDelayMs = readEnv(env, 'CALLBACK_RETRY_DELAY') ?? 100;
    this.retryBackoff = { baseMs: retryDelayMs, maxMs: Math.max(retryDelayMs, MAX_RETRY_DELAY_MS) };
  }

  onEnd(record: CallRecord): void {
    if (record.userId !== this.userId) return;
    // Not awaited (as for the meter handler): `meter.flush()` waits for it.
    void this.countRecord(withEstimatedSplit(record));
  }

  /** @deprecated Renamed `onLLMStart`. */
  onLlmStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void> {
    return this.onLLMStart(messages, extra);
  }

  /** @deprecated Renamed `onLLMEnd`. */
  onLlmEnd(response: LLMResponseLike, extra?: LLMCallExtra): Promise<void> {
    return this.onLLMEnd(response, extra);
  }

  /** @deprecated Renamed `onLLMError`. */
  onLlmError(error: unknown, extra?: LLMCallExtra): Promise<void> {
    return this.onLLMError(error, extra);
  }

  /** Standalone use, as an LLM client drives callbacks: remembers the prompt. */
  async onLLMStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void> {
    const key = startKey(extra);
    this.startedMessages.set(key, Array.isArray(messages) ? messages : []);
  }

  /**
   * Standalone use: counts the response's tokens for this user. With only a total, the prompt is
   * estimated from the started messages; with no token count at all, both are estimated (prompt
   * from the messages, completion from `content`). A token count that is not a
   * non-negative number is reported (warn) and estimated instead, never counted as 0.
   */
  async onLLMEnd(response: LLMResponseLike, extra: LLMCallExtra = {}): Promise<void> {
    const key = startKey(extra);
    // A composite gives the end an id its start did not have.
    const startedKey = this.startedMessages.has(key) ? key : '';
    const messages = this.startedMessages.get(startedKey) ?? [];
    this.startedMessages.delete(startedKey);
    const read = responseTokens(response);
    if (read.invalid.length > 0) {
      this.logger.warn(
        { userId: this.userId, fields: read.invalid },
        `llm-ledger token callback: ${read.invalid.join(', ')} in the response to onLLMEnd is not a ` +
          'non-negative number of tokens; the tokens were estimated instead',
      );
    }
    let tokens = read;
    if (read.total === 0) {
      const input = estimateTokens(
        messages
          .map(messageText)
          .filter((part) => part !== '')
          .join('\n'),
      );
      const output = estimateTokens(contentText(response?.content));
      tokens = { input, output, total: input + output, invalid: read.invalid };
    }
    const record: CallRecord = {
      id: stringOr(extra.id) ?? stringOr(extra.requestId) ?? newCallId(),
      userId: this.userId,
      tenantId: null,
      provider: stringOr(extra.provider) ?? 'unknown',
      model: stringOr(response?.model) ?? stringOr(extra.model) ?? 'unknown',
      metadata: {},
      tokens: {
        input: tokens.input,
        output: tokens.output,
        total: tokens.total,
        cacheRead: 0,
        cacheWrite: 0,
        reasoning: 0,
      },
      cost: null,
      startedAt: new Date().toISOString(),
      systemPrompt: null,
      messages,
    } as unknown as CallRecord;
    await this.countRecord(withEstimatedSplit(record));
  }

  /** Standalone use: a failed call is logged at warn level; nothing is counted. */
  async onLLMError(error: unknown, extra: LLMCallExtra = {}): Promise<void> {
    this.startedMessages.delete(startKey(extra));
    this.logger.warn(
      { userId: this.userId, error, model: extra.model, provider: extra.provider },
      `LLM call failed for ${this.userId}: ${(error as Error)?.message ?? String(error)}`,
    );
  }

  /** Counts with retries (CALLBACK_RETRY_ATTEMPTS, CALLBACK_RETRY_DELAY doubling); resolves either way. */
  private async countRecord(counted: MeterableRecord): Promise<void> {
    const meter = this.options.meter ?? getDefaultMeter();
    const target = { subject: { dimension: 'user' as const, id: this.userId }, period: this.period };
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retryAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt, this.retryBackoff));
      try {
        await meter.count(counted, target);
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error;
        // A closed meter stays closed: retrying would only delay the warning.
        if (error instanceof MeterClosedError) break;
      }
    }
    if (lastError !== undefined) {
      // Log and carry on: a closed meter must not break the caller.
      this.logger.warn(
        { userId: this.userId, error: lastError, attempts: this.retryAttempts + 1 },
        `Failed to record token usage: ${String(lastError)}`,
      );
      return;
    }
    this.logger.debug(
      { userId: this.userId, recordId: counted.id },
      this.detailed
        ? `Recorded ${counted.tokens.input} prompt + ${counted.tokens.output} completion tokens for ${this.userId}`
        : `Recorded ${counted.tokens.total} tokens for ${this.userId}`,
    );
  }

  onError(record: CallRecord, error: unknown): void {
    if (record.userId !== this.userId) return;
    this.logger.debug(
      { userId: this.userId, recordId: record.id, error },
      `LLM call failed for ${this.userId}; what it used is counted`,
    );
  }
}

/** Calls started and not yet ended that a callback remembers the messages of. */
const MAX_STARTED = 1000;
/**
 * No wait between two attempts is longer than this (or than CALLBACK_RETRY_DELAY itself), however
 * many attempts are configured: doubling 100 times would overflow the timer.
 */
const MAX_RETRY_DELAY_MS = 30_000;

function startKey(extra: LLMCallExtra | undefined): string {
  return stringOr(extra?.id) ?? stringOr(extra?.requestId) ?? '';
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

interface ResponseTokens {
  input: number;
  output: number;
  total: number;
  /** Fields present but not a non-negative finite number of tokens. */
  invalid: string[];
}

function responseTokens(response: LLMResponseLike | undefined): ResponseTokens {
  const invalid: string[] = [];
  const usage = isObject(response?.usage) ? response.usage : undefined;
  const count = (name: string, value: unknown) => {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 2 ** 53) return Math.round(value);
    invalid.push(name);
    return 0;
  };
  const input = count('prompt_tokens', response?.prompt_tokens ?? usage?.prompt_tokens);
  const output = count('completion_tokens', response?.completion_tokens ?? usage?.completion_tokens);
  const total = Math.max(count('tokens_used', response?.tokens_used ?? usage?.total_tokens), input + output);
  return { input, output, total, invalid };
}

function isObject(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null;
}

function contentText(content: unknown): string {
  if (content === undefined || content === null) return '';
  return typeof content === 'string' ? content : JSON.stringify(content);
}

/** When only a total is known: estimate the prompt, the rest is completion. */
function withEstimatedSplit(record: CallRecord): MeterableRecord {
  const tokens = record.tokens;
  if (tokens.total <= 0 || tokens.input > 0 || tokens.output > 0) return record;
  const parts = [record.systemPrompt ?? '', ...record.messages.map(messageText)].filter((part) => part !== '');
  const text = parts.join('\n');
  const input = Math.min(tokens.total, estimateTokens(text));
  return { ...record, tokens: { ...tokens, input, output: tokens.total - input } };
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  const content = (message as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : content === undefined ? '' : JSON.stringify(content);
}
