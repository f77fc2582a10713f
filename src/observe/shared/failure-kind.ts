import type { CallRecord } from '../../core/record.js';

/** What went wrong, in the categories logged as separate events. */
export type FailureKind = 'rate_limited' | 'timeout' | 'context_length' | 'other';

const RATE_LIMIT = /rate.?limit|too many requests|quota/i;
const TIMEOUT = /time.?out|timed out|deadline exceeded/i;
const CONTEXT_LENGTH =
  /context.?length|context window|maximum context|prompt is too long|too many tokens|max_tokens_exceeded|input is too long/i;

/**
 * Classifies a failed or cancelled record from its HTTP status, error type and message. Only
 * the record is read, so the same answer comes from a live call and from a stored one.
 *
 * @example
 * failureKind({ ...record, httpStatus: 429 }); // 'rate_limited'
 */
export function failureKind(record: Pick<CallRecord, 'httpStatus' | 'errorType' | 'errorMessage'>): FailureKind {
  const type = record.errorType ?? '';
  const message = record.errorMessage ?? '';
  if (record.httpStatus === 429 || RATE_LIMIT.test(type) || RATE_LIMIT.test(message)) return 'rate_limited';
  if (CONTEXT_LENGTH.test(type) || CONTEXT_LENGTH.test(message)) return 'context_length';
  if (record.httpStatus === 408 || record.httpStatus === 504 || TIMEOUT.test(type) || TIMEOUT.test(message)) {
    return 'timeout';
  }
  return 'other';
}
