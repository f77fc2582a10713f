/**
 * Finalizations handed over once a provider's response has arrived, run on the next turn of the
 * event loop: after the application's own continuation, which then does not wait for its record to
 * be built, priced and queued. After a network wait the CPU caches are cold, and the same bookkeeping
 * that takes 5 µs in a tight loop takes 15 to 20 µs right after the response; run later, it mostly
 * overlaps the application's next wait. `runAll` runs them at once, for anything that reads records.
 */
export class DeferredFinalizations {
  private tasks: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.tasks.length;
  }

  add(task: () => void): void {
    this.tasks.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.runAll);
  }

  readonly runAll = (): void => {
    this.scheduled = false;
    // A task that adds another has it run in this pass: after runAll, readers find nothing pending.
    while (this.tasks.length > 0) {
      const tasks = this.tasks;
      this.tasks = [];
      for (const task of tasks) {
        try {
          task();
        } catch (error) {
          this.onError(error);
        }
      }
    }
  };
}
