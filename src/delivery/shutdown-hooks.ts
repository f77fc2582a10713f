/** What the hooks need from a ledger. */
export interface Closable {
  close(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Flushes and closes the ledger when the process is asked to stop (SIGTERM, SIGINT) or runs out
 * of work (`beforeExit`), so that a graceful shutdown loses no record in `batched` durability.
 * After a signal the process exits with the conventional code (128 + signal number) unless the
 * application has its own listener for that signal, in which case exiting is left to it.
 * Returns a function that removes the hooks; embedding apps that manage shutdown themselves
 * should not install them (createLedger's `shutdownHooks: false`).
 */
export function installShutdownHooks(ledger: Closable): () => void {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= ledger.close().catch(() => undefined));
  const onSignal = (signal: NodeJS.Signals) => {
    void close().then(() => {
      remove();
      // Ours was the only listener: behave as if none had been installed.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = () => {
    // beforeExit fires again once close() settles; the second time there is nothing left to do.
    if (closing === undefined) void close();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  function remove(): void {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
  }
  return remove;
}
