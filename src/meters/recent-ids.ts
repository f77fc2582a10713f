/**
 * The last `capacity` ids seen: the ledger handler and `meteredCall` both settle a call, and the
 * second costs nothing. A ring of ids beside a Set, rather than "delete the Set's first entry",
 * which walks over every earlier deletion each time (quadratic under load).
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: Array<string | undefined>;
  private position = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    const evicted = this.ring[this.position];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.position] = id;
    this.position = (this.position + 1) % this.capacity;
    this.ids.add(id);
  }
}
