import type { PackedBatch } from './packed-batch.js';
import { PackedRecords } from './packed-records.js';
import type { CallRecord } from './record.js';

/**
 * The records waiting for the store, oldest first: first as objects (`buffer[head..]`), then,
 * once more than `packAbove` are waiting, as bytes outside the heap (PackedRecords): a backlog
 * behind a slow or stuck store does not slow the garbage collector down, and with it every call.
 * Batches advance `head` instead of copying the rest of the buffer (which was quadratic with a
 * backlog); the consumed prefix is cut off once it is at least half of the array, so the copying
 * stays linear overall.
 */
export class PendingRecords {
  private buffer: Array<CallRecord | undefined> = [];
  private head = 0;
  /** Slots before this one were written and no longer hold their record. */
  private released = 0;
  /** Created at the first backlog; records pushed while it holds any go to it too (order). */
  private packed: PackedRecords | undefined;
  /** Where the last take came from, for `putBack`; `undefined` after `clear`. */
  private lastTake: { objects: number; packed: number } | undefined;

  /** @param packAbove From this many pending records on, new ones are kept packed. */
  constructor(private readonly packAbove = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.buffer.length - this.head + (this.packed?.size ?? 0);
  }

  push(record: CallRecord): void {
    if ((this.packed !== undefined && this.packed.size > 0) || this.size >= this.packAbove) {
      (this.packed ??= new PackedRecords()).push(record);
    } else this.buffer.push(record);
  }

  /** Takes up to `count` records off the front; `putBack` returns them after a failed write. */
  take(count: number): CallRecord[] {
    const batch = this.buffer.slice(this.head, this.head + count) as CallRecord[];
    this.head += batch.length;
    this.lastTake = { objects: batch.length, packed: 0 };
    if (batch.length < count && this.packed !== undefined && this.packed.size > 0) {
      const unpacked = this.packed.take(count - batch.length);
      this.lastTake.packed = unpacked.length;
      for (const record of unpacked) batch.push(record);
    }
    return batch;
  }

  takeOne(): CallRecord {
    return this.take(1)[0]!;
  }

  /**
   * When every record before them was taken: up to `count` packed records, as bytes (see
   * PackedBatch). Undefined when the front holds objects (or nothing).
   */
  takePacked(count: number): PackedBatch | undefined {
    if (this.head < this.buffer.length || this.packed === undefined || this.packed.size === 0) return undefined;
    const batch = this.packed.takePacked(count);
    this.lastTake = { objects: 0, packed: batch.count };
    return batch;
  }

  /**
   * Returns the records of the last take to the front, in their order. When everything pending
   * was cleared meanwhile (moved to the spool while they were being written), `taken` gives them
   * back, still in front of whatever came since.
   */
  putBack(taken: () => readonly CallRecord[]): void {
    const last = this.lastTake;
    this.lastTake = undefined;
    if (last === undefined) {
      const records = taken();
      this.buffer = [...records, ...this.buffer.slice(this.head)];
      this.head = 0;
      this.released = 0;
      return;
    }
    this.head -= last.objects;
    if (last.packed > 0) this.packed!.putBack();
  }

  /** Every pending record, in order (a copy; they stay pending until `clear`). */
  all(): CallRecord[] {
    const records = this.buffer.slice(this.head) as CallRecord[];
    if (this.packed !== undefined && this.packed.size > 0) for (const record of this.packed.all()) records.push(record);
    return records;
  }

  clear(): void {
    this.clearObjects();
    this.lastTake = undefined;
    if (this.packed !== undefined && this.packed.size > 0) this.packed.clear();
  }

  /**
   * After a write: drops the written prefix once it is at least half of the array (amortized O(1)
   * per record), and until then the references to the written records. Kept, they lived on for
   * two or three more batches while calls kept arriving, long enough for young-generation
   * collections to copy and promote them. Packed records taken are let go a segment at a time.
   */
  compact(): void {
    this.lastTake = undefined;
    this.packed?.release();
    if (this.head === this.buffer.length) {
      this.clearObjects();
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
      this.released = 0;
    } else if (this.released < this.head) {
      this.buffer.fill(undefined, this.released, this.head);
      this.released = this.head;
    }
  }

  private clearObjects(): void {
    this.buffer = [];
    this.head = 0;
    this.released = 0;
  }
}
