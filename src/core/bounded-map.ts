/**
 * The one bounded map of the codebase: a Map that keeps at most `maxEntries` entries (and, with
 * `weigh`, at most `maxWeight` in total, e.g. bytes) and evicts the least recently used first.
 * Every in-process cache and memory of recent ids uses it, so each has the same eviction rule and
 * none grows without bound.
 *
 * Recency is a doubly linked list beside the Map, not the Map's own insertion order: taking the
 * Map's first key after deletions walks over every deleted slot before it (V8 keeps them until the
 * table is rebuilt), which made "delete the oldest" quadratic under load, and moving an entry to
 * the end by delete + set hashes its key twice. Here a hit relinks two pointers, an eviction
 * unlinks the oldest entry: both O(1).
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

interface Entry<K, V> {
  readonly key: K;
  value: V;
  weight: number;
  older: Entry<K, V> | undefined;
  newer: Entry<K, V> | undefined;
}

export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly maxEntries: number;
  readonly maxWeight: number;
  private readonly entries = new Map<K, Entry<K, V>>();
  private readonly weigh: ((value: V, key: K) => number) | undefined;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;
  private oldest: Entry<K, V> | undefined;
  private newest: Entry<K, V> | undefined;
  private totalWeight = 0;

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
    return this.entries.size;
  }

  /** Total weight held now (0 without `weigh`). */
  get weight(): number {
    return this.totalWeight;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, marking the entry as the most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry !== this.newest) {
      this.unlink(entry);
      this.append(entry);
    }
    return entry.value;
  }

  /** The value, leaving its recency as it was (for reads that are not a use, such as draining). */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
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
    const existing = this.entries.get(key);
    if (existing !== undefined) this.remove(existing);
    if (weight > this.maxWeight || this.maxEntries === 0) return false;
    const entry: Entry<K, V> = { key, value, weight, older: undefined, newer: undefined };
    this.entries.set(key, entry);
    this.append(entry);
    this.totalWeight += weight;
    while (this.entries.size > this.maxEntries || this.totalWeight > this.maxWeight) {
      const evicted = this.oldest!;
      this.remove(evicted);
      this.onEvict?.(evicted.key, evicted.value);
    }
    return true;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.remove(entry);
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.oldest = undefined;
    this.newest = undefined;
    this.totalWeight = 0;
  }

  /** Keys from the least to the most recently used. Deleting the key just yielded is safe. */
  *keys(): IterableIterator<K> {
    for (const [key] of this) yield key;
  }

  /** Entries from the least to the most recently used. Deleting the entry just yielded is safe. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    let entry = this.oldest;
    while (entry !== undefined) {
      const newer = entry.newer;
      yield [entry.key, entry.value];
      entry = newer;
    }
  }

  private remove(entry: Entry<K, V>): void {
    this.entries.delete(entry.key);
    this.unlink(entry);
    this.totalWeight -= entry.weight;
  }

  private append(entry: Entry<K, V>): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry<K, V>): void {
    if (entry.older === undefined) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
