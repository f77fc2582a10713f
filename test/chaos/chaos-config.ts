/** What one chaos worker process runs (passed to it as JSON). */
export interface WorkerConfig {
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };
  /** The Redis meter's URL; none for an unmetered run. */
  redisUrl?: string;
  keyPrefix?: string;
  /** A hard per-day token budget for the worker's one user. */
  budgetTokens?: number;
  spool: string | false;
  durability: 'batched' | 'sync';
  calls: number;
  concurrency: number;
  /** The calls are spread over about this long, so faults land in the middle of the run. */
  durationMs: number;
  /** The application handles SIGTERM itself (drains, then closes the ledger). */
  ownSignalHandler: boolean;
  /** How long the application goes on serving after SIGTERM before it stops (its drain). */
  drainMs: number;
  /** Every Nth record's handler never settles; 0 for none. */
  hangEvery: number;
}
