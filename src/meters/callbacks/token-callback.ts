import { ValidationError } from '../../core/errors.js';
import type { LedgerHandler } from '../../core/handlers.js';
import { silentLogger, type LedgerLogger } from '../../core/logger.js';
import type { CallRecord } from '../../core/record.js';
import { estimateTokens } from '../../tokens/heuristic.js';
import type { Meter, MeterableRecord } from '../meter.js';
import { cycleAnchorDay, type PeriodInput } from '../period.js';
import { getDefaultMeter } from './default-meter.js';

export interface TokenCallbackOptions {
  /** Default: `getDefaultMeter()`. */
  meter?: Meter;
  /** Where "recorded N tokens" lines go (debug level). Default silent. */
  logger?: LedgerLogger;
}

/**
 * Seed 002's `RedisTokenCallbackHandler`: counts the calls of one user in their billing cycle
 * (requests, every token bucket and the exact cost). Counts only records attributed to `userId`
 * (set it with `ledger.context({ userId })` or in the call), since ledger handlers see every call.
 * When a record has a total but no prompt/completion split, the prompt is estimated from its
 * messages (4 characters per token) and the rest is completion, as the seed's
 * `_extract_detailed_tokens` does. Idempotent per record: combining it with
 * `createDetailedTokenCallback` for the same user does not count a call twice (the seed would).
 *
 * @example
 * ledger.addHandler(createTokenCallback('user_123', '2024-01-01'));
 */
export function createTokenCallback(
  userId: string,
  cycleStartDate?: string,
  options: TokenCallbackOptions = {},
): LedgerHandler {
  return new UserTokenCallback('token-callback', userId, cycleStartDate, options, false);
}

/**
 * Seed 002's `DetailedRedisTokenCallbackHandler`. The counters always keep prompt and completion
 * apart, so it counts exactly what `createTokenCallback` counts (either may run first when both
 * are used); it differs in what it logs: prompt and completion tokens rather than the total.
 *
 * @example
 * const callback = createDetailedTokenCallback('user_123');
 */
export function createDetailedTokenCallback(
  userId: string,
  cycleStartDate?: string,
  options: TokenCallbackOptions = {},
): LedgerHandler {
  return new UserTokenCallback('detailed-token-callback', userId, cycleStartDate, options, true);
}

class UserTokenCallback implements LedgerHandler {
  private readonly period: PeriodInput;
  private readonly logger: LedgerLogger;

  constructor(
    readonly name: string,
    private readonly userId: string,
    cycleStartDate: string | undefined,
    private readonly options: TokenCallbackOptions,
    private readonly detailed: boolean,
  ) {
    // The seed raises ValueError for an empty user id; a typed error here, at creation.
    if (typeof userId !== 'string' || userId.trim() === '') {
      throw new ValidationError('userId', 'a non-empty user id is required');
    }
    if (cycleStartDate !== undefined) cycleAnchorDay(cycleStartDate);
    this.period = cycleStartDate === undefined ? 'month' : `cycle:${cycleStartDate}`;
    this.logger = options.logger ?? silentLogger;
  }

  onEnd(record: CallRecord): void {
    if (record.userId !== this.userId) return;
    const counted = withEstimatedSplit(record);
    const meter = this.options.meter ?? getDefaultMeter();
    // Not awaited (as for the meter handler): `meter.flush()` waits for it.
    meter.count(counted, { subject: { dimension: 'user', id: this.userId }, period: this.period }).then(
      () =>
        this.logger.debug(
          { userId: this.userId, recordId: record.id },
          this.detailed
            ? `Recorded ${counted.tokens.input} prompt + ${counted.tokens.output} completion tokens for ${this.userId}`
            : `Recorded ${counted.tokens.total} tokens for ${this.userId}`,
        ),
      // The seed logs and carries on: a closed meter must not break the caller.
      (error: unknown) => this.logger.warn({ userId: this.userId, error }, `Failed to record token usage: ${error}`),
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

/** The seed's strategy when only a total is known: estimate the prompt, the rest is completion. */
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
