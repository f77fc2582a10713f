/**
 * Remembers which keys are above their threshold, so an alert fires once when a value crosses
 * over and again only after it has gone back under (re-armed), never once per call.
 */
export class CrossingTracker {
  private readonly above = new Set<string>();

  /** Returns true exactly when `key` crosses from under to over. */
  update(key: string, over: boolean): boolean {
    if (over) {
      if (this.above.has(key)) return false;
      this.above.add(key);
      return true;
    }
    this.above.delete(key);
    return false;
  }

  /** Re-arms every key whose name starts with `prefix` (a new day for daily thresholds). */
  clear(prefix: string): void {
    for (const key of this.above) if (key.startsWith(prefix)) this.above.delete(key);
  }

  active(): string[] {
    return [...this.above].sort();
  }
}
