import { RecordDecoder, RecordEncoder } from './record-codec.js';
import type { PackedBatch, PackedPart } from './packed-batch.js';
import type { CallRecord } from './record.js';

/**
 * Memory per segment. A realistic record takes about 1.5 kB, so one segment holds some hundreds;
 * the memory is a SharedArrayBuffer's, outside the JavaScript heap (and postable to a worker
 * without a copy), and a whole segment is let go once every record in it was taken.
 */
const SEGMENT_BYTES = 1 << 20;
const FIRST_INDEX_SLOTS = 512;

interface Segment {
  memory: SharedArrayBuffer;
  /** Where each record ends, by its number in the segment. */
  ends: Uint32Array;
  /** Records written so far. */
  count: number;
}

/** Where reading goes on: the segment, and how many of its records were taken. */
interface Cursor {
  segment: number;
  read: number;
}

/**
 * Records kept as RecordEncoder bytes instead of objects, oldest first: a backlog of thousands
 * (a store stuck behind a foreign lock, a database down) then costs the garbage collector nothing.
 * Kept as objects, each young-generation collection copied the records that had arrived since the
 * last one (all of them alive, all waiting) and promoted them, with pauses of 10 ms and more at
 * 5,000 calls/s. Encoding costs about 3 µs per record: for the SQLite store, whose worker reads the
 * bytes where they lie, every record is packed as it is queued (the encoding its handoff needs
 * anyway); other stores get records packed only while there is a backlog, and decoding one back
 * costs about 4 µs. Records come back as their stored form: plain JSON data, the same as after a
 * trip through the spool.
 */
export class PackedRecords {
  private readonly encoder = new RecordEncoder(new SharedArrayBuffer(SEGMENT_BYTES));
  /** Shares the encoder's key table, so any segment can be read again (after a failed write). */
  private readonly decoder = new RecordDecoder(this.encoder.keyTable);
  private segments: Segment[] = [newSegment(this.encoder.shared)];
  private cursor: Cursor = { segment: 0, read: 0 };
  /** The cursor before the last take, for `putBack`. */
  private mark: Cursor = { ...this.cursor };
  private total = 0;
  private taken = 0;

  /** Records not taken yet. */
  get size(): number {
    return this.total - this.taken;
  }

  push(record: CallRecord): void {
    let segment = this.segments[this.segments.length - 1]!;
    while (!this.encoder.write(record)) {
      // Full: a new segment, twice as large when even an empty one is too small for the record.
      const size = segment.count === 0 ? segment.memory.byteLength * 2 : SEGMENT_BYTES;
      this.encoder.use(new SharedArrayBuffer(size));
      const next = newSegment(this.encoder.shared);
      if (segment.count === 0) this.segments[this.segments.length - 1] = next;
      else this.segments.push(next);
      segment = next;
    }
    if (segment.count === segment.ends.length) {
      const ends = new Uint32Array(segment.ends.length * 2);
      ends.set(segment.ends);
      segment.ends = ends;
    }
    segment.ends[segment.count++] = this.encoder.length;
    this.total += 1;
  }

  /** Decodes up to `count` records off the front; `putBack` returns them (undoes this take). */
  take(count: number): CallRecord[] {
    const records: CallRecord[] = [];
    for (const part of this.takeParts(count)) decodePart(this.decoder, part, records);
    return records;
  }

  /** Takes up to `count` records off the front as bytes; `putBack` undoes it. */
  takePacked(count: number): PackedBatch {
    const parts = this.takeParts(count);
    return {
      count: parts.reduce((sum, part) => sum + part.count, 0),
      parts,
      keys: this.encoder.keyTable,
      source: this,
      records: () => {
        const records: CallRecord[] = [];
        for (const part of parts) decodePart(this.decoder, part, records);
        return records;
      },
    };
  }

  /** Undoes the last take (the write of its records failed): they are the front again. */
  putBack(): void {
    let count = -this.mark.read;
    for (let segment = this.mark.segment; segment < this.cursor.segment; segment++) {
      count += this.segments[segment]!.count;
    }
    this.taken -= count + this.cursor.read;
    this.cursor = { ...this.mark };
  }

  /** Every record not taken, in order, without taking them. */
  all(): CallRecord[] {
    const records: CallRecord[] = [];
    for (const part of this.partsFrom({ ...this.cursor }, this.size)) decodePart(this.decoder, part, records);
    return records;
  }

  /**
   * Forgets every record. The memory is not written again: a batch taken before may still be
   * read (by a worker, or to put it back).
   */
  clear(): void {
    this.encoder.use(new SharedArrayBuffer(SEGMENT_BYTES));
    this.segments = [newSegment(this.encoder.shared)];
    this.cursor = { segment: 0, read: 0 };
    this.mark = { ...this.cursor };
    this.total = 0;
    this.taken = 0;
  }

  /** Lets go of the segments every record of which was taken (after their write succeeded). */
  release(): void {
    const done = this.cursor.segment;
    if (done === 0) return;
    this.segments = this.segments.slice(done);
    this.cursor = { segment: 0, read: this.cursor.read };
    this.mark = { ...this.cursor };
  }

  private takeParts(count: number): PackedPart[] {
    this.mark = { ...this.cursor };
    const wanted = Math.min(count, this.size);
    this.taken += wanted;
    return this.partsFrom(this.cursor, wanted);
  }

  /** The parts of the next `count` records from `cursor`, which it moves past them. */
  private partsFrom(cursor: Cursor, count: number): PackedPart[] {
    const parts: PackedPart[] = [];
    let left = count;
    while (left > 0) {
      const segment = this.segments[cursor.segment]!;
      const here = Math.min(left, segment.count - cursor.read);
      if (here === 0) {
        cursor.segment += 1;
        cursor.read = 0;
        continue;
      }
      const start = cursor.read === 0 ? 0 : segment.ends[cursor.read - 1]!;
      cursor.read += here;
      parts.push({ memory: segment.memory, start, end: segment.ends[cursor.read - 1]!, count: here });
      left -= here;
    }
    return parts;
  }
}

/**
 * Appends the records of `part` to `into`, read with `decoder` (which must hold the key table the
 * part was written with). Bytes that do not end where the part does are corrupt: it throws.
 */
export function decodePart(decoder: RecordDecoder, part: PackedPart, into: CallRecord[]): void {
  const end = decoder.readAt(part.memory, part.start, part.count, into);
  if (end !== part.end) throw new Error(`packed records: read ${end - part.start} of ${part.end - part.start} bytes`);
}

function newSegment(memory: SharedArrayBuffer): Segment {
  return { memory, ends: new Uint32Array(FIRST_INDEX_SLOTS), count: 0 };
}
