import { BoundedMap } from './bounded-map.js';
import type { CallRecord } from './record.js';
import { RecentIds } from './recent-ids.js';

/** Calls of this process whose trace a child can join without asking the store. */
const RECENT_CALLS = 10_000;
/** Calls whose parent is being looked up at once, at most; the oldest are then recorded unresolved. */
const MAX_WAITING = 10_000;

/** What the ledger lends ParentTraces: the store lookup, deferral, delivery and problem reporting. */
export interface ParentTraceCallbacks {
  /** The store's lookup by id (null when absent). */
  lookup(id: string): Promise<CallRecord | null>;
  /** Runs a task off the caller's path, tracked so that `flush()` and reads wait for it. */
  defer(task: () => Promise<void>): void;
  /** Hands a record (perhaps rewritten) on to the queue, handlers and meter. */
  deliver(record: CallRecord, error: unknown): void;
  /** Reports a parent that matched nothing: counted, logged once, passed to `onError`; never thrown. */
  unmatched(field: string, message: string): void;
}

/**
 * Makes an explicit `parentId` join its parent's trace. A parent started in this process gives its
 * trace at once (the child's `start`); any other is looked up in the store after the child is
 * finalized, off the caller's path, before its record is queued: the record then carries the
 * parent's trace, or, when no call has that id, keeps the id and lists the problem. Children of a
 * call still being resolved (they inherited its provisional trace) follow it.
 */
export class ParentTraces {
  /** Call id -> trace id, for calls started in this process. */
  private readonly recent = new RecentIds(RECENT_CALLS);
  /** Calls whose explicit parent was not known at start: the lookup begun then. */
  private readonly pending = new BoundedMap<string, Promise<Found>>({ maxEntries: MAX_WAITING });
  /**
   * Trace of a call being resolved (its own id, a trace it roots) -> that call's lookup: calls
   * started inside it inherited the trace and follow the parent's when it is found.
   */
  private readonly following = new BoundedMap<string, Promise<Found>>({ maxEntries: RECENT_CALLS });
  /** Records held while their trace is resolved: queued unresolved if the process exits first. */
  private readonly waiting = new Map<CallRecord, unknown>();

  constructor(private readonly callbacks: ParentTraceCallbacks) {}

  /** A call started: children may name it as their parent. */
  started(id: string, traceId: string): void {
    this.recent.remember(id, traceId);
  }

  /** The trace of a call started in this process, if it is still remembered. */
  traceOf(id: string): string | undefined {
    return this.recent.traceOf(id);
  }

  /**
   * The call's parent is not known in this process: it is looked up in the store, a turn later
   * (off the caller's path), and the call's record is resolved when it is finalized.
   */
  expect(id: string, parentId: string, traceId: string): void {
    const lookup = new Promise<Found>((resolve) => setImmediate(() => resolve(this.find(parentId))));
    this.pending.set(id, lookup);
    if (traceId === id) this.following.set(traceId, lookup);
  }

  /** Takes a finalized record whose trace is still to be resolved; false for every other record. */
  intercept(record: CallRecord, error: unknown): boolean {
    if (this.pending.size === 0 && this.following.size === 0) return false;
    const lookup = this.pending.get(record.id);
    if (lookup !== undefined) {
      this.pending.delete(record.id);
      this.hold(record, error, async () => {
        let found = await lookup;
        // Not there when the call started: perhaps written since (the parent ended meanwhile).
        if (found.kind === 'missing') found = await this.find(record.parentId!);
        return found;
      });
      return true;
    }
    const inherited = this.following.get(record.traceId);
    if (inherited === undefined || record.parentId === null) return false;
    // A child of a call being resolved: follows what the lookup finds, and reports nothing itself.
    this.hold(record, error, async () => {
      const found = await inherited;
      return found.kind === 'found' ? found : NOT_FOLLOWED;
    });
    return true;
  }

  /** For the process's exit: every held record, unresolved, so that none is lost. */
  drainHeld(): void {
    const held = [...this.waiting];
    this.waiting.clear();
    for (const [record, error] of held) this.callbacks.deliver(record, error);
  }

  private hold(record: CallRecord, error: unknown, resolve: () => Promise<Found>): void {
    this.waiting.set(record, error);
    this.callbacks.defer(async () => {
      const found = await resolve();
      // Delivered already by drainHeld (the process is exiting).
      if (!this.waiting.delete(record)) return;
      if (found.kind === 'found') {
        this.callbacks.deliver(withTrace(record, found.traceId, undefined), error);
        return;
      }
      if (found.kind === 'ignored') {
        this.callbacks.deliver(record, error);
        return;
      }
      const message =
        found.kind === 'missing'
          ? `no call with id "${clip(record.parentId)}" was found in this process or the store; ` +
            'the id is kept and the call has a trace of its own'
          : `the parent "${clip(record.parentId)}" could not be looked up (${found.reason}); the call has a trace of its own`;
      this.callbacks.unmatched('parentId', message);
      this.callbacks.deliver(withTrace(record, record.traceId, `parentId: ${message}`), error);
    });
  }

  private async find(parentId: string): Promise<Found> {
    const known = this.recent.traceOf(parentId);
    if (known !== undefined) return { kind: 'found', traceId: known };
    try {
      const parent = await this.callbacks.lookup(parentId);
      return parent === null ? MISSING : { kind: 'found', traceId: parent.traceId };
    } catch (error) {
      return { kind: 'failed', reason: (error as Error)?.message ?? String(error) };
    }
  }
}

type Found =
  { kind: 'found'; traceId: string } | { kind: 'missing' } | { kind: 'failed'; reason: string } | { kind: 'ignored' };
const MISSING: Found = { kind: 'missing' };
const NOT_FOLLOWED: Found = { kind: 'ignored' };

function withTrace(record: CallRecord, traceId: string, problem: string | undefined): CallRecord {
  if (traceId === record.traceId && problem === undefined) return record;
  const copy: CallRecord = { ...record, traceId };
  if (problem !== undefined) copy.problems = Object.freeze([...(record.problems ?? []), problem]) as string[];
  return Object.freeze(copy);
}

function clip(id: string | null): string {
  const text = id ?? '';
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
