import type { Clock } from './call-owner.js';
import type { ResponseMessage, ToolCall, TokenUsage } from './record.js';
import { json, type FieldOwner } from './record-fields.js';
import { capText } from './sanitize.js';
import { normalizeTokenCounts, type NormalizedTokens } from './token-input.js';

/* What a caller reports about a call, checked and sanitized; problems go to `owner.invalid`. */

/**
 * The response message as stored. A string is the assistant's text. OpenAI's raw message shape
 * (`tool_calls` with `function.arguments`) is converted to the shape the SDK wrappers store
 * (`toolCalls`, arguments as a JSON string), so hand-logged and captured calls read alike.
 */
export function toResponseMessage(owner: FieldOwner, message: ResponseMessage | string): ResponseMessage {
  if (typeof message === 'string') {
    return { role: 'assistant', content: capText(message, owner.maxFieldChars, owner, 'responseMessage') };
  }
  const plain = json(owner, 'responseMessage', withToolCalls(message));
  if (typeof plain === 'object' && plain !== null && !Array.isArray(plain)) return plain as ResponseMessage;
  owner.invalid('responseMessage', 'expected a message object or a string; recorded as the content');
  return { role: 'assistant', content: plain };
}

function withToolCalls(message: ResponseMessage): ResponseMessage {
  const raw = (message as { tool_calls?: unknown }).tool_calls;
  if (raw === undefined || message.toolCalls !== undefined || !Array.isArray(raw)) return message;
  const { tool_calls: _ignored, ...rest } = message as ResponseMessage & { tool_calls?: unknown };
  return { ...rest, toolCalls: raw.map(toolCall) };
}

function toolCall(raw: unknown): ToolCall {
  if (typeof raw !== 'object' || raw === null) return { type: 'function', function: { name: '', arguments: '' } };
  const { function: fn, ...rest } = raw as { function?: { name?: unknown; arguments?: unknown } };
  if (typeof fn !== 'object' || fn === null) return rest as ToolCall;
  const args = fn.arguments;
  let text: string;
  try {
    text = typeof args === 'string' ? args : (JSON.stringify(args ?? {}) ?? '{}');
  } catch {
    text = '{}';
  }
  return { ...rest, function: { ...fn, name: typeof fn.name === 'string' ? fn.name : '', arguments: text } };
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
