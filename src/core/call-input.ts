import type { Clock } from './call-owner.js';
import type { ResponseMessage, TokenUsage } from './record.js';
import { json, type FieldOwner } from './record-fields.js';
import { capText } from './sanitize.js';
import { normalizeTokenCounts, type NormalizedTokens } from './token-input.js';
import { toToolCalls } from './tool-calls.js';

/* What a caller reports about a call, checked and sanitized; problems go to `owner.invalid`. */

/**
 * The response message as stored. A string is the assistant's text. Tool calls under `tool_calls`
 * (OpenAI's raw message) or `toolCalls`, in any shape `toToolCalls` accepts, are converted to the
 * shape the SDK wrappers store, so hand-logged and captured calls read alike.
 */
export function toResponseMessage(owner: FieldOwner, message: ResponseMessage | string): ResponseMessage {
  if (typeof message === 'string') {
    return { role: 'assistant', content: capText(message, owner.maxFieldChars, owner, 'responseMessage') };
  }
  const plain = json(owner, 'responseMessage', withToolCalls(owner, message));
  if (typeof plain === 'object' && plain !== null && !Array.isArray(plain)) return plain as ResponseMessage;
  owner.invalid('responseMessage', 'expected a message object or a string; recorded as the content');
  return { role: 'assistant', content: plain };
}

function withToolCalls(owner: FieldOwner, message: ResponseMessage): ResponseMessage {
  const raw = message as ResponseMessage & { tool_calls?: unknown };
  if (raw.tool_calls === undefined && raw.toolCalls === undefined) return message;
  const { tool_calls: snake, toolCalls: camel, ...rest } = raw;
  return withToolCallList(owner, rest as ResponseMessage, camel ?? snake, camel !== undefined && snake !== undefined);
}

/**
 * `message` with the tool calls given (any accepted shape) in our shape under `toolCalls`; an
 * empty list is left out, as the SDK wrappers leave it out.
 */
export function withToolCallList(
  owner: FieldOwner,
  message: ResponseMessage,
  given: unknown,
  givenTwice: boolean,
  field = 'responseMessage.toolCalls',
): ResponseMessage {
  if (givenTwice) owner.invalid(field, 'both toolCalls and tool_calls were given; toolCalls was kept');
  const calls = toToolCalls(owner, field, given);
  if (calls === undefined || calls.length === 0) return message;
  return { ...message, toolCalls: calls };
}

export interface CheckedTokens {
  tokens: TokenUsage;
  source: NormalizedTokens['source'];
}

export function normalizeTokens(owner: FieldOwner, counts: unknown): CheckedTokens {
  const normalized = normalizeTokenCounts(counts);
  for (const problem of normalized.problems) owner.invalid('tokens', problem);
  return { tokens: normalized.tokens, source: normalized.source };
}

/** Dates a call may start at: a date outside is a unit mistake (seconds for ms) or garbage. */
export const EARLIEST_START_MS = Date.UTC(2000, 0, 1);
export const LATEST_START_MS = Date.UTC(2200, 0, 1);

export function resolveStart(value: Date | string | number | undefined, clock: Clock, owner: FieldOwner): number {
  if (value === undefined) return clock.now();
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value));
  if (Number.isFinite(time) && time >= EARLIEST_START_MS && time < LATEST_START_MS) return time;
  let shown: string;
  try {
    shown = value instanceof Date ? (Number.isFinite(time) ? value.toISOString() : 'Invalid Date') : String(value);
  } catch {
    shown = 'an invalid date';
  }
  owner.invalid(
    'startedAt',
    `${shown.slice(0, 60)} is not a date between 2000-01-01 and 2200-01-01 (epoch milliseconds or ISO 8601); the current time is used`,
  );
  return clock.now();
}
