import type { CallRecord } from '../../core/record.js';
import type { Spool } from '../../core/spool.js';
import type { CommitEntry } from '../backend.js';
import type { MeterableRecord } from '../meter.js';

const DRAIN_BATCH = 500;

export interface SettlementSpoolOptions {
  spool: Spool;
  /** The settlement of a spooled record, as settled by this meter (without a reservation to release). */
  entryOf(record: MeterableRecord): CommitEntry;
  commit(entries: readonly CommitEntry[]): Promise<boolean[]>;
  onApplied(results: readonly boolean[]): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * The records whose settlements the backend could not take, on disk: the in-memory replay queue
 * dies with the process, these do not. Appended (fsynced) when a settlement goes to the replay
 * queue; drained once the backend is back and the replay queue is empty, by settling each record
 * again: idempotent by record id on the backend, so a record the replay queue already applied is
 * skipped (and known ones are not even sent). A process that starts with records left by one that
 * died applies them when its backend first answers.
 */
export class SettlementSpool {
  /** Ids the replay queue applied since they were spooled: their spooled copy needs no commit. */
  private readonly replayed = new Set<string>();
  private draining: Promise<void> | undefined;
  private failed = false;

  constructor(private readonly options: SettlementSpoolOptions) {}

  /** Records kept on disk, not yet applied. */
  get pending(): number {
    try {
      return this.options.spool.state.pending;
    } catch {
      return 0;
    }
  }

  /** Keeps the records on disk. A disk failure is logged once; the replay queue still holds them. */
  keep(records: readonly MeterableRecord[]): void {
    if (records.length === 0) return;
    try {
      this.options.spool.append(records as readonly CallRecord[]);
      this.failed = false;
    } catch (error) {
      if (!this.failed) {
        this.options.warn(
          { error, records: records.length },
          'llm-ledger meter: could not write settlements to the spool; they are kept in memory only',
        );
      }
      this.failed = true;
    }
  }

  /** The replay queue applied these: their spooled copies are acknowledged without a commit. */
  applied(ids: Iterable<string>): void {
    if (this.pending === 0) return;
    for (const id of ids) this.replayed.add(id);
  }

  /** Applies every spooled record, in order; stops (keeping the rest) at the first failure. */
  drain(): Promise<void> {
    this.draining ??= this.run().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  close(): void {
    try {
      this.options.spool.close();
    } catch {
      // Closing twice, or a file already gone: nothing left to release.
    }
  }

  private async run(): Promise<void> {
    const spool = this.options.spool;
    while (this.pending > 0) {
      const records = spool.peek(DRAIN_BATCH);
      const entries = records
        .filter((record) => !this.replayed.has(record.id))
        .map((record) => this.options.entryOf(record));
      if (entries.length > 0) this.options.onApplied(await this.options.commit(entries));
      spool.acknowledge();
      for (const record of records) this.replayed.delete(record.id);
      if (records.length === 0) break;
    }
    if (this.pending === 0) this.replayed.clear();
  }
}
