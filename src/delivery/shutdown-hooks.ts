/** What the hooks need from a ledger. */
export interface Closable {
  close(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** One set of process listeners for every ledger, so many ledgers add no listener warnings. */
const registered = new Set<Closable>();
let closing: Promise<void> | undefined;

function closeAll(): Promise<void> {
  closing ??= Promise.all([...registered].map((ledger) => ledger.close().catch(() => undefined))).then(() => undefined);
  return closing;
}

function onSignal(signal: NodeJS.Signals): void {
  void closeAll().then(() => {
    uninstall();
    // Ours was the only listener: behave as if none had been installed (exit 128 + signal).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onBeforeExit(): void {
  // beforeExit fires again once the ledgers are closed; by then there is nothing left to do.
  if (closing === undefined && registered.size > 0) void closeAll();
}

function install(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('beforeExit', onBeforeExit);
}

/**
 * Flushes and closes the ledger when the process is asked to stop (SIGTERM, SIGINT) or runs out
 * of work (`beforeExit`), so that a graceful shutdown loses no record in `batched` durability.
 * After a signal the process exits as it would have (128 + signal number) unless the application
 * has its own listener for that signal, in which case exiting is left to it. Returns a function
 * that unregisters the ledger (call it when closing the ledger yourself); embedding apps that
 * manage shutdown should not install the hooks at all (createLedger's `shutdownHooks: false`).
 *
 * @example
 * const ledger = createLedger({ store: 'postgres://ledger@db/ledger', shutdownHooks: false });
 * const unregister = installShutdownHooks(ledger);
 */
export function installShutdownHooks(ledger: Closable): () => void {
  if (registered.size === 0) install();
  registered.add(ledger);
  return () => {
    if (registered.delete(ledger) && registered.size === 0) uninstall();
  };
}
