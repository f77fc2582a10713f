import { nextBackoffDelayMs } from '../../core/backoff.js';
import { BoundedMap } from '../../core/bounded-map.js';
import { entryIdentity, type CommitEntry } from '../backend.js';

export interface ReplayQueueOptions {
  commit(entries: readonly CommitEntry[]): Promise<boolean[]>;
  now(): number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxPending: number;
  onReplayed(results: readonly boolean[], entries: readonly CommitEntry[]): void;
  onFailed(error: unknown): void;
  onDropped(count: number): void;
}

const REPLAY_BATCH = 500;

/**
 * Settlements the backend could not take (it was down after every retry). They are kept, one per
 * record id, and sent again with exponential backoff until the backend takes them; each is
 * idempotent there (the applied-id check), so a settlement that did reach Redis before the
 * connection dropped is not counted twice. Bounded: past `maxPending` the oldest are dropped and
 * counted, to be recovered with `replayRecords()` from the ledger's own records.
 */
export class ReplayQueue {
  /** Oldest first; past `maxPending` the oldest is dropped and counted. */
  private readonly pending: BoundedMap<string, CommitEntry>;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private delayMs: number;
  private stopped = false;

  constructor(private readonly options: ReplayQueueOptions) {
    this.delayMs = options.baseDelayMs;
    this.pending = new BoundedMap({
      maxEntries: options.maxPending,
      onEvict: () => {
        this.dropped += 1;
      },
    });
  }

  get size(): number {
    return this.pending.size;
  }

  add(entries: readonly CommitEntry[]): void {
    // A key already pending is replaced and becomes the newest.
    for (const entry of entries) this.pending.set(entryIdentity(entry) ?? `release:${entry.reservation}`, entry);
    if (this.dropped > 0) {
      const dropped = this.dropped;
      this.dropped = 0;
      this.options.onDropped(dropped);
    }
    this.schedule();
  }

  /** Tries now (the backend just answered another request). */
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.drain();
  }

  /** Sends everything pending, in batches; stops at the first failure and schedules a retry. */
  drain(): Promise<void> {
    if (this.draining) return this.draining;
    this.draining = this.run().finally(() => {
      this.draining = undefined;
      if (this.pending.size > 0) this.schedule();
    });
    return this.draining;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const keys: string[] = [];
      for (const key of this.pending.keys()) {
        keys.push(key);
        if (keys.length === REPLAY_BATCH) break;
      }
      const now = this.options.now();
      // Fresh `now`: TTLs and window checks are relative to when the entry actually lands.
      const batch = keys.map((key) => ({ ...this.pending.peek(key)!, nowMs: now }));
      try {
        const results = await this.options.commit(batch);
        for (const key of keys) this.pending.delete(key);
        this.delayMs = this.options.baseDelayMs;
        this.options.onReplayed(results, batch);
      } catch (error) {
        this.options.onFailed(error);
        this.delayMs = nextBackoffDelayMs(this.delayMs, {
          baseMs: this.options.baseDelayMs,
          maxMs: this.options.maxDelayMs,
        });
        return;
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.draining || this.stopped || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.delayMs);
    // Pending replays must not keep a finished program alive; close() reports what is left.
    this.timer.unref();
  }
}
