import { failCall } from '../capture/record-call.js';
import type { CallHandle } from '../core/call.js';
import { ValidationError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';

/**
 * Recording runs in the connections' event callbacks, where a throw would end the process: a
 * fail-closed ledger refusing a field the upstream sent (a tool call whose name is an object), or a
 * bug of ours. Such a throw is reported, and the call still ends, failed with that error, so that
 * no request goes unrecorded. The client is not concerned: what it receives was decided before.
 */
export function recordSafely(ledger: ProblemSink, call: CallHandle | undefined, work: () => void): void {
  try {
    work();
  } catch (error) {
    recordingFailed(ledger, call, error);
  }
}

export type ProblemSink = Pick<Ledger, 'reportProblem'>;

/** `work` of `recordSafely` threw `error`: reported, and the call failed with it if still open. */
export function recordingFailed(ledger: ProblemSink, call: CallHandle | undefined, error: unknown): void {
  ledger.reportProblem({ kind: error instanceof ValidationError ? 'validation' : 'internal', subject: 'proxy', error });
  if (call === undefined || call.finalized) return;
  try {
    failCall(call, error);
  } catch {
    // Refused once more by a fail-closed ledger: the problem is reported above.
  }
}
