/** What the pricer reports the first time it meets a model it cannot price. */
export interface UnpricedModelEvent {
  provider: string;
  model: string;
  /** Why: unknown to the catalog and config, or known but with no price in force at the call's time. */
  reason: string;
}

/**
 * Counts unpriced calls and reports each unknown (provider, model) once, so logs get one warning
 * per model name instead of one per call. A throwing callback is ignored: pricing never throws.
 */
export class UnpricedTracker {
  private readonly seen = new Set<string>();
  private calls = 0;

  constructor(private readonly onUnpricedModel?: (event: UnpricedModelEvent) => void) {}

  record(provider: string, model: string, reason: string): void {
    this.calls += 1;
    const key = `${provider}\u0000${model}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    try {
      this.onUnpricedModel?.({ provider, model, reason });
    } catch {
      // The callback belongs to the user; a failure there must not fail the call being recorded.
    }
  }

  get unpricedCalls(): number {
    return this.calls;
  }

  /** `provider/model` of every unpriced model seen, in first-seen order. */
  get unknownModels(): string[] {
    return [...this.seen].map((key) => key.replace('\u0000', '/'));
  }
}
