import type { CallStart } from './call-types.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';

/**
 * Reacts to calls (a callback handler). Every method is optional and may be async.
 * `onEnd` runs for every finalized call, whatever its status; `onError` runs in addition for
 * calls that failed or were cancelled.
 */
export interface LedgerHandler {
  /** Used in logs and metrics; defaults to the constructor's name. */
  readonly name?: string;
  onStart?(call: CallStart): void | Promise<void>;
  /**
   * Runs synchronously inside `ledger.start()`, in the caller's async context (to read an active
   * OpenTelemetry span, say). Keep it O(1); a throw is counted and reported, never raised.
   */
  onStartSync?(call: CallStart): void;
  onEnd?(record: CallRecord): void | Promise<void>;
  onError?(record: CallRecord, error: unknown): void | Promise<void>;
  /**
   * Awaited by `ledger.flush()` after every queued event was handled: a handler that passes work
   * on (the meter's settlements) finishes it here, so the flush is a barrier for it too. Bounded
   * by the handler timeout like the other methods.
   */
  flush?(): void | Promise<void>;
  /**
   * Events that are not a call's start or end: the response cache (`cache_hit`, `cache_miss`,
   * `response_cached`), stream progress, model loads, batch requests. The log handler writes them
   * as LLM events; others may count them.
   */
  onEvent?(event: LedgerEvent): void | Promise<void>;
}

/** One event for `onEvent`: a name from the LLM event table and its fields. */
export interface LedgerEvent {
  event: string;
  /** The call it concerns, when it concerns one. */
  callId?: string;
  model?: string;
  provider?: string;
  fields: Readonly<Record<string, unknown>>;
}

export interface HandlerStats {
  /** Handler invocations that threw or rejected. */
  errors: number;
  /** Handler invocations that did not settle within the timeout. */
  timeouts: number;
}

type Job =
  | { kind: 'start'; call: CallStart }
  | { kind: 'end'; record: CallRecord; error: unknown }
  | { kind: 'event'; event: LedgerEvent };

/**
 * Runs handlers off the caller's path: events are queued and dispatched together on the next
 * turn of the event loop, each handler isolated from the others, each async invocation bounded by
 * a timeout. A throwing, rejecting or hanging handler never changes or delays the call.
 */
export class HandlerSet {
  private handlers: LedgerHandler[] = [];
  private syncStartHandlers: LedgerHandler[] = [];
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
    if (!this.handlers.includes(handler)) this.setHandlers([...this.handlers, handler]);
  }

  remove(handler: LedgerHandler): boolean {
    const before = this.handlers.length;
    this.setHandlers(this.handlers.filter((existing) => existing !== handler));
    return this.handlers.length !== before;
  }

  start(call: CallStart): void {
    if (this.handlers.length === 0) return;
    for (const handler of this.syncStartHandlers) {
      try {
        handler.onStartSync!(call);
      } catch (error) {
        this.fail(handler, 'onStartSync', error);
      }
    }
    this.enqueue({ kind: 'start', call });
  }

  private setHandlers(handlers: LedgerHandler[]): void {
    this.handlers = handlers;
    this.syncStartHandlers = handlers.filter((handler) => {
      try {
        return typeof handler.onStartSync === 'function';
      } catch {
        return false;
      }
    });
  }

  end(record: CallRecord, error: unknown): void {
    if (this.handlers.length === 0) return;
    this.enqueue({ kind: 'end', record, error });
  }

  event(event: LedgerEvent): void {
    if (this.handlers.length === 0) return;
    this.enqueue({ kind: 'event', event });
  }

  /** Resolves when every queued and running handler invocation has settled or timed out. */
  async idle(): Promise<void> {
    while (this.jobs.length > 0 || this.inFlight.size > 0) {
      if (this.jobs.length > 0) this.drain();
      await Promise.all([...this.inFlight]);
    }
  }

  /** `idle`, then every handler's `flush` (each bounded by the timeout), then `idle` again. */
  async flush(): Promise<void> {
    await this.idle();
    for (const handler of this.handlers) this.invoke(handler, 'flush', (method) => method.call(handler));
    await this.idle();
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
          this.invoke(handler, 'onStart', (method) => method.call(handler, job.call));
        } else if (job.kind === 'event') {
          this.invoke(handler, 'onEvent', (method) => method.call(handler, job.event));
        } else {
          this.invoke(handler, 'onEnd', (method) => method.call(handler, job.record));
          if (job.record.status === 'error' || job.record.status === 'cancelled') {
            this.invoke(handler, 'onError', (method) => method.call(handler, job.record, job.error));
          }
        }
      }
    }
  }

  private invoke(
    handler: LedgerHandler,
    name: 'onStart' | 'onEnd' | 'onError' | 'flush' | 'onEvent',
    run: (method: (...args: unknown[]) => unknown) => unknown,
  ): void {
    let result: Promise<unknown>;
    try {
      // Reading the method is inside the try too: a getter may throw.
      const method = handler[name] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof method !== 'function') return;
      const returned = run(method);
      if (!returned || typeof (returned as PromiseLike<unknown>).then !== 'function') return;
      result = Promise.resolve(returned);
    } catch (error) {
      this.fail(handler, name, error);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const settled = Promise.race([
      result.then(
        () => 'ok' as const,
        (error: unknown) => {
          // A rejection after the timeout was already counted and reported as the timeout.
          if (!timedOut) this.fail(handler, name, error);
          return 'failed' as const;
        },
      ),
      timeout,
    ]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === 'timeout') {
        timedOut = true;
        this.stats.timeouts += 1;
        this.reporter.report({
          kind: 'handler',
          subject: `${handlerName(handler)}.${name}`,
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
  try {
    if (typeof handler.name === 'string' && handler.name !== '') return handler.name;
    const constructorName = (handler as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object'
      ? constructorName
      : 'handler';
  } catch {
    return 'handler';
  }
}
