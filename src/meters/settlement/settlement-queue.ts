import { backoffDelayMs, sleep } from '../../core/backoff.js';
import type { CommitEntry, MeterBackend } from '../backend.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { MeterableRecord, MeterStats } from '../meter.js';
import type { MeterHealth } from '../backed-meter/meter-health.js';
import type { MeterSettings } from '../backed-meter/meter-options.js';
import { ReplayQueue } from './replay-queue.js';
import type { SettlementSpool } from './settlement-spool.js';
import { withTimeout } from './with-timeout.js';

export type SettlementCounts = Omit<MeterStats, 'pendingReplay' | 'backendDown' | 'overspend' | 'spooled'>;

interface QueuedSettlement {
  entry: CommitEntry;
  /** The record settled, kept on disk when its settlement has to wait for the backend. */
  record: MeterableRecord | undefined;
  done: () => void;
}

const DEFAULT_BATCH = 256;

/**
 * Settlements on their way to the backend: gathered per turn of the event loop (or per
 * `commitBatchSize`) into one commit, retried with backoff, and handed to the replay queue when
 * the backend stays away. Never rejects: a settlement is never the caller's problem.
 */
export class SettlementQueue {
  private batch: QueuedSettlement[] = [];
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
    private readonly breaker: CircuitBreaker,
    private readonly spool: SettlementSpool | undefined,
  ) {
    this.batchSize = Math.max(1, backend.commitBatchSize ?? DEFAULT_BATCH);
    this.replay = new ReplayQueue({
      commit: (entries) => this.commitNow(entries),
      now: () => settings.clock.now(),
      baseDelayMs: settings.retry.baseDelayMs,
      maxDelayMs: settings.retry.maxDelayMs,
      maxPending: settings.maxPendingReplay,
      onReplayed: (results, entries) => {
        counts.replayed += results.length;
        this.tally(results);
        this.spool?.applied(appliedIds(entries));
        this.breaker.close();
        if (this.replay.size === 0) void this.drainSpool();
      },
      onFailed: (error) => {
        counts.backendErrors += 1;
        this.breaker.trip(error);
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

  /** Settlements kept on disk until the backend takes them. */
  get spooled(): number {
    return this.spool?.pending ?? 0;
  }

  enqueue(entry: CommitEntry, record?: MeterableRecord): Promise<void> {
    return new Promise((done) => {
      this.batch.push({ entry, record, done });
      if (this.batch.length >= this.batchSize) this.flushBatch();
      else if (!this.scheduled) {
        this.scheduled = true;
        // Settlements arriving in the same turn of the event loop go to the backend together.
        setImmediate(() => this.flushBatch());
      }
    });
  }

  /**
   * Sends the settlements queued so far now rather than at the end of the tick: a reservation is
   * about to be made, and the usage of calls finished before it must count against it. A memory
   * or SQLite backend applies them before this returns; Redis has them written on its connection
   * ahead of the reservation's script, which it then runs after them.
   */
  sendPending(): void {
    if (this.batch.length > 0) this.flushBatch();
  }

  /**
   * Waits for every queued settlement; then, unless the backend is known to be down, tries the
   * replay queue and the spool once.
   */
  async flush(): Promise<void> {
    while (this.batch.length > 0 || this.inFlight.size > 0) {
      if (this.batch.length > 0) this.flushBatch();
      await Promise.all([...this.inFlight]);
    }
    if (this.breaker.open) return;
    if (this.replay.size > 0) await this.replay.drain();
    if (this.replay.size === 0 && !this.breaker.open) await this.drainSpool();
  }

  /** The backend is back: replay what waited in memory, then what waited on disk. */
  resume(): void {
    if (this.replay.size > 0) this.replay.kick();
    else void this.drainSpool();
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
    const task = this.commitWithRetry(pending).then(() => {
      for (const item of pending) item.done();
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async commitWithRetry(items: readonly QueuedSettlement[]): Promise<void> {
    const entries = items.map((item) => item.entry);
    for (let attempt = 1; ; attempt++) {
      // Known down: no attempt (each would wait for a timeout); the breaker's probe finds it back.
      if (this.breaker.open) {
        this.keepForReplay(items, entries);
        return;
      }
      try {
        this.tally(await this.commitNow(entries));
        this.breaker.close();
        if (this.replay.size > 0) this.replay.kick();
        return;
      } catch (error) {
        this.counts.backendErrors += 1;
        if (attempt >= this.settings.retry.attempts || this.stopped) {
          this.health.degrade(error);
          this.breaker.trip(error);
          this.keepForReplay(items, entries);
          return;
        }
        await sleep(
          backoffDelayMs(attempt, {
            baseMs: this.settings.retry.baseDelayMs,
            maxMs: this.settings.retry.maxDelayMs,
            // Spreads the retries of many processes that lost the backend at the same moment.
            jitter: 0.2,
          }),
          { unref: true },
        );
      }
    }
  }

  /** In memory for this process, on disk (when there is a spool) for the next one. */
  private keepForReplay(items: readonly QueuedSettlement[], entries: readonly CommitEntry[]): void {
    this.replay.add(entries);
    if (this.spool) {
      const records: MeterableRecord[] = [];
      for (const item of items) if (item.record) records.push(item.record);
      this.spool.keep(records);
    }
  }

  private async drainSpool(): Promise<void> {
    if (!this.spool || this.spool.pending === 0 || this.stopped) return;
    try {
      await this.spool.drain();
    } catch (error) {
      this.counts.backendErrors += 1;
      this.breaker.trip(error);
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

function appliedIds(entries: readonly CommitEntry[]): string[] {
  const ids: string[] = [];
  // A count is not its record's settlement: the spooled record still needs settling.
  for (const entry of entries) if (entry.applyId !== null && !entry.counting) ids.push(entry.applyId);
  return ids;
}
