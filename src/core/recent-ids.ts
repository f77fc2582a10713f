import { BoundedMap } from './bounded-map.js';

/**
 * The ids of the last `capacity` calls of this process, each with an optional trace id: what lets a
 * child that names its parent join the parent's trace, and a duplicate caller-supplied id be caught.
 *
 * Every call is remembered, for about two seconds at 5,000 calls/s. Kept as strings in a Map, the
 * ids outlived the young generation's collections and were copied, then promoted, by each of them:
 * at that rate about 0.4 MB per collection, half of its pause. Ids in the UUID form (ours, and most
 * SDKs' run ids) are therefore kept as four 32-bit words in typed arrays, which the collector does
 * not scan, with the least recently used out first (the recency list in typed arrays too), indexed
 * by an open-addressing hash table. Other ids, rarer and owned by the caller anyway, go to a
 * BoundedMap. A trace id equal to the call's own id (a root
 * call) is not kept at all; any other is kept by reference, as it is shared by the trace's calls.
 * A hit makes the entry the most recent, so a long-running parent whose children keep naming it
 * stays known.
 */
export class RecentIds {
  private readonly capacity: number;
  /** Four words of the id per slot. */
  private readonly words: Uint32Array;
  /** Per slot: the trace id, or undefined when it is the id itself. */
  private readonly traces: Array<string | undefined>;
  /** Per slot: its position in `table`, or -1 when the slot is free. */
  private readonly tableIndexOf: Int32Array;
  /** Recency: per slot, the next older and newer slot (-1 at the ends). */
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  private oldest = -1;
  private newest = -1;
  /** Slots are taken from `free` first, then from those never used (below `unused`: none). */
  private unused = 0;
  private readonly free: number[] = [];
  /** Hash table of slots (-1: empty), linear probing; at least twice the capacity, a power of 2. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private held = 0;
  private readonly others: BoundedMap<string, string | undefined>;
  /** The id being looked up or stored. */
  private readonly parsed = new Uint32Array(4);

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RecentIds capacity must be a whole number >= 1, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.words = new Uint32Array(capacity * 4);
    this.traces = new Array<string | undefined>(capacity).fill(undefined);
    this.tableIndexOf = new Int32Array(capacity).fill(-1);
    this.older = new Int32Array(capacity).fill(-1);
    this.newer = new Int32Array(capacity).fill(-1);
    let size = 1;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.others = new BoundedMap({ maxEntries: capacity });
  }

  /** Entries held now (the UUID-form ids and the others together). */
  get size(): number {
    return this.held + this.others.size;
  }

  has(id: string): boolean {
    if (!this.parse(id)) return this.others.has(id);
    return this.find() !== -1;
  }

  /** Remembers `id` as the most recent, with its trace id when that differs from the id. */
  remember(id: string, traceId: string = id): void {
    const trace = traceId === id ? undefined : traceId;
    if (!this.parse(id)) {
      this.others.set(id, trace);
      return;
    }
    const found = this.find();
    if (found !== -1) {
      const slot = this.table[found]!;
      this.traces[slot] = trace;
      this.touch(slot);
      return;
    }
    if (this.held === this.capacity) this.forget(this.tableIndexOf[this.oldest]!);
    const slot = this.free.pop() ?? this.unused++;
    const at = slot * 4;
    const parsed = this.parsed;
    this.words[at] = parsed[0]!;
    this.words[at + 1] = parsed[1]!;
    this.words[at + 2] = parsed[2]!;
    this.words[at + 3] = parsed[3]!;
    this.traces[slot] = trace;
    let position = this.home(parsed, 0);
    while (this.table[position] !== -1) position = (position + 1) & this.mask;
    this.table[position] = slot;
    this.tableIndexOf[slot] = position;
    this.append(slot);
    this.held += 1;
  }

  /** The trace id of a remembered call (its own id for a root call), or undefined; a hit makes it the most recent. */
  traceOf(id: string): string | undefined {
    if (!this.parse(id)) {
      if (!this.others.has(id)) return undefined;
      return this.others.get(id) ?? id;
    }
    const found = this.find();
    if (found === -1) return undefined;
    const slot = this.table[found]!;
    this.touch(slot);
    return this.traces[slot] ?? id;
  }

  /** Reads a UUID-shaped id (lower-case hex) into `parsed`; false for any other id. */
  private parse(id: string): boolean {
    if (id.length !== 36) return false;
    const parsed = this.parsed;
    let word = 0;
    let value = 0;
    let digits = 0;
    for (let index = 0; index < 36; index++) {
      const code = id.charCodeAt(index);
      if (index === 8 || index === 13 || index === 18 || index === 23) {
        if (code !== 0x2d) return false;
        continue;
      }
      let nibble: number;
      if (code >= 0x30 && code <= 0x39) nibble = code - 0x30;
      else if (code >= 0x61 && code <= 0x66) nibble = code - 0x57;
      else return false; // upper case too: "A" and "a" make different ids in every store
      value = (value << 4) | nibble;
      if (++digits === 8) {
        parsed[word++] = value >>> 0;
        value = 0;
        digits = 0;
      }
    }
    return true;
  }

  /** The home position of four words: the last is random in UUIDv4 and v7, the others mixed in for any version. */
  private home(words: Uint32Array, at: number): number {
    return (Math.imul(words[at + 3]! ^ words[at]! ^ words[at + 1]! ^ words[at + 2]!, 0x9e3779b1) >>> 0) & this.mask;
  }

  /** The table position holding the parsed id, or -1. */
  private find(): number {
    const parsed = this.parsed;
    const words = this.words;
    for (let position = this.home(parsed, 0); ; position = (position + 1) & this.mask) {
      const slot = this.table[position]!;
      if (slot === -1) return -1;
      const at = slot * 4;
      if (
        words[at] === parsed[0] &&
        words[at + 1] === parsed[1] &&
        words[at + 2] === parsed[2] &&
        words[at + 3] === parsed[3]
      ) {
        return position;
      }
    }
  }

  private touch(slot: number): void {
    if (slot === this.newest) return;
    this.unlink(slot);
    this.append(slot);
  }

  private append(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest !== -1) this.newer[this.newest] = slot;
    this.newest = slot;
    if (this.oldest === -1) this.oldest = slot;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === -1) this.oldest = newer;
    else this.newer[older] = newer;
    if (newer === -1) this.newest = older;
    else this.older[newer] = older;
  }

  /**
   * Frees the slot at a table position. The table uses backward-shift deletion: later entries of
   * the same probe run move up, so that no lookup stops early at the hole.
   */
  private forget(position: number): void {
    const removed = this.table[position]!;
    this.unlink(removed);
    this.tableIndexOf[removed] = -1;
    this.traces[removed] = undefined;
    this.free.push(removed);
    this.held -= 1;
    let hole = position;
    for (let probe = (hole + 1) & this.mask; ; probe = (probe + 1) & this.mask) {
      const slot = this.table[probe]!;
      if (slot === -1) break;
      const home = this.home(this.words, slot * 4);
      // The entry may move to the hole unless its home lies after the hole, up to its position.
      const movable = hole <= probe ? home <= hole || home > probe : home <= hole && home > probe;
      if (movable) {
        this.table[hole] = slot;
        this.tableIndexOf[slot] = hole;
        hole = probe;
      }
    }
    this.table[hole] = -1;
  }
}
