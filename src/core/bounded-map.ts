/**
 * The one bounded map of the codebase: a Map that keeps at most `maxEntries` entries (and, with
 * `weigh`, at most `maxWeight` in total, e.g. bytes) and evicts the least recently used first.
 * Every in-process cache uses it, so each has the same eviction rule and none grows without bound;
 * the one exception is the call path's memory of recent call ids (recent-ids.ts), which keeps the
 * same rule in typed arrays.
 *
 * Recency is a doubly linked list beside the Map, not the Map's own insertion order: taking the
 * Map's first key after deletions walks over every deleted slot before it (V8 keeps them until the
 * table is rebuilt), which made "delete the oldest" quadratic under load, and moving an entry to
 * the end by delete + set hashes its key twice. Here a hit relinks two indices, an eviction
 * unlinks the oldest entry: both O(1). The list lives in arrays of slot numbers, reused as entries
 * come and go, rather than in an object per entry: long-lived small objects would each be promoted
 * to the old generation and collected there, which cost more than the map itself.
 */
export interface BoundedMapOptions<K, V> {
  /** Most entries kept (0 keeps none). */
  maxEntries: number;
  /** Most total weight kept, as measured by `weigh`. Default: no bound on weight. */
  maxWeight?: number;
  /** The weight of an entry (a finite number >= 0), such as its size in bytes. Default: 0. */
  weigh?: (value: V, key: K) => number;
  /** Called for each entry the bounds push out (not for `delete`, `clear` or a replaced value). */
  onEvict?: (key: K, value: V) => void;
}

const NONE = -1;

export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly maxEntries: number;
  readonly maxWeight: number;
  /** Key -> slot; a slot's key, value, weight and neighbours are at its index in the arrays below. */
  private readonly slots = new Map<K, number>();
  private readonly keyAt: Array<K | undefined> = [];
  private readonly valueAt: Array<V | undefined> = [];
  private readonly weightAt: number[] = [];
  private readonly older: number[] = [];
  private readonly newer: number[] = [];
  /** Slots freed by delete or eviction, taken before new ones. */
  private readonly free: number[] = [];
  private oldest = NONE;
  private newest = NONE;
  private totalWeight = 0;
  private readonly weigh: ((value: V, key: K) => number) | undefined;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;

  constructor(options: BoundedMapOptions<K, V>) {
    const { maxEntries, maxWeight = Number.POSITIVE_INFINITY } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`BoundedMap maxEntries must be a whole number >= 0, got ${String(maxEntries)}`);
    }
    if (Number.isNaN(maxWeight) || maxWeight < 0) {
      throw new RangeError(`BoundedMap maxWeight must be a number >= 0, got ${String(maxWeight)}`);
    }
    this.maxEntries = maxEntries;
    this.maxWeight = maxWeight;
    this.weigh = options.weigh;
    this.onEvict = options.onEvict;
  }

  /** Entries held now. */
  get size(): number {
    return this.slots.size;
  }

  /** Total weight held now (0 without `weigh`). */
  get weight(): number {
    return this.totalWeight;
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  /** The value, marking the entry as the most recently used. */
  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.newest) {
      this.unlink(slot);
      this.append(slot);
    }
    return this.valueAt[slot];
  }

  /** The value, leaving its recency as it was (for reads that are not a use, such as draining). */
  peek(key: K): V | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.valueAt[slot];
  }

  /**
   * Adds or replaces an entry as the most recently used, then evicts the least recently used until
   * both bounds hold. False when the entry alone exceeds the bounds: it is not kept, and any
   * previous value of the key is removed.
   */
  set(key: K, value: V): boolean {
    const weight = this.weigh === undefined ? 0 : this.weigh(value, key);
    if (!(weight >= 0) || weight === Number.POSITIVE_INFINITY) {
      throw new RangeError(`BoundedMap weigh must return a finite number >= 0, got ${String(weight)}`);
    }
    const existing = this.slots.get(key);
    if (existing !== undefined) this.remove(existing);
    if (weight > this.maxWeight || this.maxEntries === 0) return false;
    const slot = this.free.length > 0 ? this.free.pop()! : this.keyAt.length;
    this.keyAt[slot] = key;
    this.valueAt[slot] = value;
    this.weightAt[slot] = weight;
    this.slots.set(key, slot);
    this.append(slot);
    this.totalWeight += weight;
    while (this.slots.size > this.maxEntries || this.totalWeight > this.maxWeight) {
      const evicted = this.oldest;
      const evictedKey = this.keyAt[evicted] as K;
      const evictedValue = this.valueAt[evicted] as V;
      this.remove(evicted);
      this.onEvict?.(evictedKey, evictedValue);
    }
    return true;
  }

  delete(key: K): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.remove(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    for (const array of [this.keyAt, this.valueAt, this.weightAt, this.older, this.newer, this.free]) array.length = 0;
    this.oldest = NONE;
    this.newest = NONE;
    this.totalWeight = 0;
  }

  /** Keys from the least to the most recently used. Deleting the key just yielded is safe. */
  *keys(): IterableIterator<K> {
    for (const [key] of this) yield key;
  }

  /** Entries from the least to the most recently used. Deleting the entry just yielded is safe. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    let slot = this.oldest;
    while (slot !== NONE) {
      const next = this.newer[slot]!;
      yield [this.keyAt[slot] as K, this.valueAt[slot] as V];
      slot = next;
    }
  }

  private remove(slot: number): void {
    this.slots.delete(this.keyAt[slot] as K);
    this.unlink(slot);
    this.totalWeight -= this.weightAt[slot]!;
    // Released for the collector; the slot is reused by a later set.
    this.keyAt[slot] = undefined;
    this.valueAt[slot] = undefined;
    this.free.push(slot);
  }

  private append(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest === NONE) this.oldest = slot;
    else this.newer[this.newest] = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === NONE) this.oldest = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.newest = older;
    else this.older[newer] = older;
  }
}
