import type { CallOwner } from './call-owner.js';
import { MAX_DATE_MS } from './iso-time.js';
import type { ResponseMessage, TokenUsage } from './record.js';
import { json } from './record-fields.js';
import { capText } from './sanitize.js';
import { normalizeTokenCounts, type TokenCountsInput } from './token-input.js';

/* What a caller reports about a call, checked and sanitized; problems go to `owner.invalid`. */

export function toResponseMessage(owner: CallOwner, message: ResponseMessage | string): ResponseMessage {
  if (typeof message === 'string') return { role: 'assistant', content: capText(message, owner.maxFieldChars) };
  const plain = json(owner, 'responseMessage', message);
  if (typeof plain === 'object' && plain !== null && !Array.isArray(plain)) return plain as ResponseMessage;
  owner.invalid('responseMessage', 'expected a message object or a string; recorded as the content');
  return { role: 'assistant', content: plain };
}

export function normalizeTokens(owner: CallOwner, counts: TokenCountsInput): TokenUsage {
  const normalized = normalizeTokenCounts(counts);
  for (const problem of normalized.problems) owner.invalid('tokens', problem);
  return normalized.tokens;
}

const START_HEADROOM_MS = 1e12;

export function resolveStart(value: Date | string | number | undefined, owner: CallOwner): number {
  if (value === undefined) return owner.clock.now();
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value));
  // A date so far out that adding the call's duration would leave the range of Date is refused too.
  if (Number.isFinite(time) && Math.abs(time) <= MAX_DATE_MS - START_HEADROOM_MS) return time;
  owner.invalid('startedAt', `${String(value)} is not a valid date; the current time is used`);
  return owner.clock.now();
}
