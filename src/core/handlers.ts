import type { CallStart } from './call.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';

/**
 * Reacts to calls (seed 002's callback handlers). Every method is optional and may be async.
 * `onEnd` runs for every finalized call, whatever its status; `onError` runs in addition for
 * calls that failed or were cancelled.
 */
export interface LedgerHandler {
  /** Used in logs and metrics; defaults to the constructor's name. */
  readonly name?: string;
  onStart?(call: CallStart): void | Promise<void>;
  onEnd?(record: CallRecord): void | Promise<void>;
  onError?(record: CallRecord, error: unknown): void | Promise<void>;
}

export interface HandlerStats {
  /** Handler invocations that threw or rejected. */
  errors: number;
  /** Handler invocations that did not settle within the timeout. */
  timeouts: number;
}

type Job = { kind: 'start'; call: CallStart } | { kind: 'end'; record: CallRecord; error: unknown };

/**
 * Runs handlers off the caller's path: events are queued and dispatched together on the next
 * turn of the event loop, each handler isolated from the others, each async invocation bounded by
 * a timeout. A throwing, rejecting or hanging handler never changes or delays the call.
 */
export class HandlerSet {
  private handlers: LedgerHandler[] = [];
  private jobs: Job[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  readonly stats: HandlerStats = { errors: 0, timeouts: 0 };

  constructor(
    private readonly reporter: ProblemReporter,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.handlers.length;
  }

  add(handler: LedgerHandler): void {
    if (!this.handlers.includes(handler)) this.handlers = [...this.handlers, handler];
  }

  remove(handler: LedgerHandler): boolean {
    const before = this.handlers.length;
    this.handlers = this.handlers.filter((existing) => existing !== handler);
    return this.handlers.length !== before;
  }

  start(call: CallStart): void {
    if (this.handlers.length === 0) return;
    this.enqueue({ kind: 'start', call });
  }

  end(record: CallRecord, error: unknown): void {
    if (this.handlers.length === 0) return;
    this.enqueue({ kind: 'end', record, error });
  }

  /** Resolves when every queued and running handler invocation has settled or timed out. */
  async idle(): Promise<void> {
    while (this.jobs.length > 0 || this.inFlight.size > 0) {
      if (this.jobs.length > 0) this.drain();
      await Promise.all([...this.inFlight]);
    }
  }

  private enqueue(job: Job): void {
    this.jobs.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const jobs = this.jobs;
    this.jobs = [];
    const handlers = this.handlers;
    for (const job of jobs) {
      for (const handler of handlers) {
        if (job.kind === 'start') {
          if (handler.onStart) this.invoke(handler, 'onStart', () => handler.onStart!(job.call));
        } else {
          if (handler.onEnd) this.invoke(handler, 'onEnd', () => handler.onEnd!(job.record));
          if (handler.onError && (job.record.status === 'error' || job.record.status === 'cancelled')) {
            this.invoke(handler, 'onError', () => handler.onError!(job.record, job.error));
          }
        }
      }
    }
  }

  private invoke(handler: LedgerHandler, method: string, run: () => void | Promise<void>): void {
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      this.fail(handler, method, error);
      return;
    }
    if (!result || typeof (result as Promise<void>).then !== 'function') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const settled = Promise.race([
      Promise.resolve(result).then(
        () => 'ok' as const,
        (error: unknown) => {
          this.fail(handler, method, error);
          return 'failed' as const;
        },
      ),
      timeout,
    ]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.stats.timeouts += 1;
        this.reporter.report({
          kind: 'handler',
          subject: `${handlerName(handler)}.${method}`,
          error: new Error(`handler did not settle within ${this.timeoutMs} ms`),
        });
      }
      this.inFlight.delete(settled);
    });
    this.inFlight.add(settled);
  }

  private fail(handler: LedgerHandler, method: string, error: unknown): void {
    this.stats.errors += 1;
    this.reporter.report({ kind: 'handler', subject: `${handlerName(handler)}.${method}`, error });
  }
}

export function handlerName(handler: LedgerHandler): string {
  return (
    handler.name ??
    (handler.constructor?.name && handler.constructor.name !== 'Object' ? handler.constructor.name : 'handler')
  );
}
