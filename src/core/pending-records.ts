import type { CallRecord } from './record.js';

/**
 * The records waiting for the store, oldest first. Pending records are `buffer[head..]`. Batches
 * advance `head` instead of copying the rest of the buffer (which was quadratic with a backlog);
 * the consumed prefix is cut off once it is at least half of the array, so the copying stays
 * linear overall.
 */
export class PendingRecords {
  private buffer: Array<CallRecord | undefined> = [];
  private head = 0;
  /** Slots before this one were written and no longer hold their record. */
  private released = 0;

  get size(): number {
    return this.buffer.length - this.head;
  }

  push(record: CallRecord): void {
    this.buffer.push(record);
  }

  /** Takes up to `count` records off the front; `putBack` returns them after a failed write. */
  take(count: number): CallRecord[] {
    const batch = this.buffer.slice(this.head, this.head + count) as CallRecord[];
    this.head += batch.length;
    return batch;
  }

  takeOne(): CallRecord {
    const record = this.buffer[this.head]!;
    this.head += 1;
    return record;
  }

  /** Returns the last `count` records taken to the front, in their order. */
  putBack(count: number): void {
    this.head -= count;
  }

  /** Every pending record, in order (a copy; they stay pending until `clear`). */
  all(): CallRecord[] {
    return this.buffer.slice(this.head) as CallRecord[];
  }

  clear(): void {
    this.buffer = [];
    this.head = 0;
    this.released = 0;
  }

  /**
   * After a write: drops the written prefix once it is at least half of the array (amortized O(1)
   * per record), and until then the references to the written records. Kept, they lived on for
   * two or three more batches while calls kept arriving, long enough for young-generation
   * collections to copy and promote them.
   */
  compact(): void {
    if (this.head === this.buffer.length) {
      this.clear();
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
      this.released = 0;
    } else if (this.released < this.head) {
      this.buffer.fill(undefined, this.released, this.head);
      this.released = this.head;
    }
  }
}
