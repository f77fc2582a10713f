import type { CallRecord } from './record.js';

/**
 * The records waiting for the store, oldest first. Pending records are `buffer[head..]`. Batches
 * advance `head` instead of copying the rest of the buffer (which was quadratic with a backlog);
 * the consumed prefix is cut off once it is at least half of the array, so the copying stays
 * linear overall.
 */
export class PendingRecords {
  private buffer: CallRecord[] = [];
  private head = 0;

  get size(): number {
    return this.buffer.length - this.head;
  }

  push(record: CallRecord): void {
    this.buffer.push(record);
  }

  /** Takes up to `count` records off the front; `putBack` returns them after a failed write. */
  take(count: number): CallRecord[] {
    const batch = this.buffer.slice(this.head, this.head + count);
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
    return this.buffer.slice(this.head);
  }

  clear(): void {
    this.buffer = [];
    this.head = 0;
  }

  /** Drops the written prefix once it is at least half of the array (amortized O(1) per record). */
  compact(): void {
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }
}
