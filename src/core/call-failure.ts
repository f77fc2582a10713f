import type { FailureDetails } from './call-types.js';
import { describeError, type ErrorDetails } from './error-details.js';
import type { CallRecord } from './record.js';
import type { FieldOwner } from './record-fields.js';
import { capText } from './sanitize.js';
import { redactSecrets } from './secret-redaction.js';

/** How `cancel()` describes its reason; without one, a standard AbortError. */
export function describeCancellation(reason: unknown, now: number): ErrorDetails {
  return describeError(reason ?? new DOMException('The call was cancelled', 'AbortError'), now);
}

/** Sets a failed or cancelled record's error fields: what the caller gave wins over what the error says. */
export function applyFailure(
  record: CallRecord,
  described: ErrorDetails,
  details: FailureDetails,
  problems: FieldOwner,
): void {
  const errorType = details.errorType ?? described.errorType;
  record.errorType = errorType === null ? null : capText(errorType, problems.maxFieldChars, problems, 'errorType');
  // Providers echo the rejected key ("Incorrect API key provided: sk-..."): never store it.
  record.errorMessage = capText(
    redactSecrets(details.errorMessage ?? described.errorMessage),
    problems.maxFieldChars,
    details.errorMessage === undefined ? undefined : problems,
    'errorMessage',
  );
  record.httpStatus = details.httpStatus ?? described.httpStatus;
  record.retryAfterMs = details.retryAfterMs ?? described.retryAfterMs;
}
