import type { LedgerLogger } from './logger.js';

export type ProblemKind = 'store' | 'handler' | 'validation' | 'pricing' | 'internal' | (string & {});

export interface Problem {
  kind: ProblemKind;
  error: unknown;
  /** What it concerns: a handler name, a store kind, a field. */
  subject?: string;
}

/**
 * Counts every internal problem and logs each distinct one once, so a store outage or a
 * throwing handler cannot flood the host's logs. The user's `onError` sees every occurrence.
 */
export class ProblemReporter {
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly logger: LedgerLogger,
    private readonly onError?: (problem: Problem) => void,
  ) {}

  report(problem: Problem): void {
    this.counts.set(problem.kind, (this.counts.get(problem.kind) ?? 0) + 1);
    const message = describeProblem(problem.error);
    const key = `${problem.kind}\u0000${problem.subject ?? ''}\u0000${message}`;
    if (!this.seen.has(key)) {
      if (this.seen.size > 1000) this.seen.clear();
      this.seen.add(key);
      try {
        this.logger.warn(
          { kind: problem.kind, subject: problem.subject, error: problem.error },
          `llm-ledger ${problem.kind} problem${problem.subject ? ` (${problem.subject})` : ''}: ${message}`,
        );
      } catch {
        // a broken logger must not break recording
      }
    }
    if (this.onError) {
      try {
        this.onError(problem);
      } catch {
        // the user's error hook must not break recording either
      }
    }
  }

  /** Allows the same problem to be logged again, after a recovery. */
  forget(kind: ProblemKind): void {
    for (const key of this.seen) if (key.startsWith(`${kind}\u0000`)) this.seen.delete(key);
  }

  count(kind: ProblemKind): number {
    return this.counts.get(kind) ?? 0;
  }
}

function describeProblem(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unprintable error';
  }
}
