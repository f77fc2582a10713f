import type { CommitEntry, MeterBackend } from './backend.js';
import type { MeterStats } from './meter.js';
import type { MeterHealth } from './meter-health.js';
import type { MeterSettings } from './meter-options.js';
import { ReplayQueue } from './replay-queue.js';
import { withTimeout } from './with-timeout.js';

export type SettlementCounts = Omit<MeterStats, 'pendingReplay'>;

const DEFAULT_BATCH = 256;

/**
 * Settlements on their way to the backend: gathered per turn of the event loop (or per
 * `commitBatchSize`) into one commit, retried with backoff, and handed to the replay queue when
 * the backend stays away. Never rejects: a settlement is never the caller's problem.
 */
export class SettlementQueue {
  private batch: Array<{ entry: CommitEntry; done: () => void }> = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly batchSize: number;
  private readonly replay: ReplayQueue;
  private stopped = false;

  constructor(
    private readonly backend: MeterBackend,
    private readonly settings: MeterSettings,
    private readonly health: MeterHealth,
    private readonly counts: SettlementCounts,
  ) {
    this.batchSize = Math.max(1, backend.commitBatchSize ?? DEFAULT_BATCH);
    this.replay = new ReplayQueue({
      commit: (entries) => this.commitNow(entries),
      now: () => settings.clock.now(),
      baseDelayMs: settings.retry.baseDelayMs,
      maxDelayMs: settings.retry.maxDelayMs,
      maxPending: settings.maxPendingReplay,
      onReplayed: (results) => {
        counts.replayed += results.length;
        this.tally(results);
        health.recovered(this.replay.size);
      },
      onFailed: () => {
        counts.backendErrors += 1;
      },
      onDropped: (count) => {
        counts.droppedReplay += count;
        health.warn(
          { dropped: count },
          `llm-ledger meter: replay queue full, ${count} settlements dropped; recover them with replayRecords()`,
        );
      },
    });
  }

  /** Settlements waiting for the backend to come back. */
  get pendingReplay(): number {
    return this.replay.size;
  }

  enqueue(entry: CommitEntry): Promise<void> {
    return new Promise((done) => {
      this.batch.push({ entry, done });
      if (this.batch.length >= this.batchSize) this.flushBatch();
      else if (!this.scheduled) {
        this.scheduled = true;
        // Settlements arriving in the same turn of the event loop go to the backend together.
        setImmediate(() => this.flushBatch());
      }
    });
  }

  /** Waits for every queued settlement and tries the replay queue once. */
  async flush(): Promise<void> {
    while (this.batch.length > 0 || this.inFlight.size > 0) {
      if (this.batch.length > 0) this.flushBatch();
      await Promise.all([...this.inFlight]);
    }
    if (this.replay.size > 0) await this.replay.drain();
  }

  stop(): void {
    this.stopped = true;
    this.replay.stop();
  }

  private flushBatch(): void {
    this.scheduled = false;
    const pending = this.batch;
    if (pending.length === 0) return;
    this.batch = [];
    const task = this.commitWithRetry(pending.map((item) => item.entry)).then(() => {
      for (const item of pending) item.done();
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async commitWithRetry(entries: readonly CommitEntry[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.tally(await this.commitNow(entries));
        this.health.recovered(this.replay.size);
        if (this.replay.size > 0) this.replay.kick();
        return;
      } catch (error) {
        this.counts.backendErrors += 1;
        if (attempt >= this.settings.retry.attempts || this.stopped) {
          this.health.degrade(error);
          this.replay.add(entries);
          return;
        }
        await sleep(backoff(attempt, this.settings.retry.baseDelayMs, this.settings.retry.maxDelayMs));
      }
    }
  }

  private commitNow(entries: readonly CommitEntry[]): Promise<boolean[]> {
    return withTimeout(this.backend.commit(entries), this.settings.timeoutMs, `The ${this.backend.kind} meter`);
  }

  private tally(results: readonly boolean[]): void {
    for (const applied of results) {
      if (applied) this.counts.applied += 1;
      else this.counts.duplicates += 1;
    }
  }
}

function backoff(attempt: number, baseMs: number, maxMs: number): number {
  // Jitter spreads the retries of many processes that lost the backend at the same moment.
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
