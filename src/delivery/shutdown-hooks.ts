/** What the hooks need from a ledger. */
export interface Closable {
  close(): Promise<void>;
  /**
   * Synchronously keeps every record not yet in the store (in a spool, for the next process to
   * replay); called on the process's 'exit' event, where nothing can be awaited.
   */
  spoolPendingNow?(): number;
}

export interface ShutdownHookOptions {
  /**
   * Longest wait for the final flush on `beforeExit`; past it, what is still pending is spooled
   * synchronously (when the ledger has or can open a spool) and the flush is left to finish or not.
   * Default 10,000 ms.
   */
  timeoutMs?: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const DEFAULT_TIMEOUT_MS = 10_000;

/** One set of process listeners for every ledger, so many ledgers add no listener warnings. */
const registered = new Map<Closable, Required<ShutdownHookOptions>>();
let closing: Promise<void> | undefined;

function closeAll(): Promise<void> {
  closing ??= Promise.all([...registered.keys()].map((ledger) => ledger.close().catch(() => undefined))).then(
    () => undefined,
  );
  return closing;
}

function spoolAll(): void {
  for (const ledger of registered.keys()) {
    try {
      ledger.spoolPendingNow?.();
    } catch {
      // The ledger reports its own spool failures; an exiting process has nowhere else to go.
    }
  }
}

/**
 * Ours runs first (it is prepended), so it sees every other listener of the signal, `once` ones
 * included. With none, the signal is ours to honour: flush, close and exit as the signal would
 * have. With the application's own listener, the application is shutting down gracefully: its
 * drain still finishes calls, so the ledger keeps recording them and closes on `beforeExit` (the
 * process ran out of work), on 'exit' (spooled synchronously) or when the application closes it.
 */
function onSignal(signal: NodeJS.Signals): void {
  const others = process.listeners(signal).filter((listener) => listener !== onSignal).length;
  if (others > 0) return;
  void closeAll().then(() => {
    uninstall();
    // Ours was the only listener: behave as if none had been installed (exit 128 + signal).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onBeforeExit(): void {
  // beforeExit fires again once the ledgers are closed; by then there is nothing left to do.
  if (closing !== undefined || registered.size === 0) return;
  const timeoutMs = Math.max(...[...registered.values()].map((options) => options.timeoutMs));
  // Ref'd on purpose: it keeps the process alive while the flush runs, and no longer than this.
  const timer = setTimeout(spoolAll, timeoutMs);
  void closeAll().finally(() => clearTimeout(timer));
}

function onExit(): void {
  // The application called process.exit() (or the last flush timed out): keep what is pending.
  spoolAll();
}

function install(): void {
  for (const signal of SIGNALS) process.prependListener(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
}

function uninstall(): void {
  closing = undefined;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('beforeExit', onBeforeExit);
  process.off('exit', onExit);
}

/**
 * Makes a graceful shutdown lose no record in `batched` durability:
 * - SIGTERM/SIGINT with no listener of the application: flushes, closes the ledger, then exits as
 *   the signal would have (128 + signal number).
 * - SIGTERM/SIGINT with the application's own listener (a graceful handler that drains requests):
 *   leaves the ledger open, so calls finishing during the drain are recorded; the application
 *   decides when the process ends.
 * - `beforeExit` (no work left): flushes and closes, waiting at most `timeoutMs`.
 * - 'exit' (process.exit(), nothing can be awaited): appends what is still pending to the spool
 *   synchronously; the next process replays it.
 * Returns a function that unregisters the ledger (called by the ledger's own close()). Embedding
 * apps that manage shutdown can skip the hooks (createLedger's `shutdownHooks: false`) and call
 * `await ledger.close()` themselves.
 *
 * @example
 * const ledger = createLedger({ store: 'postgres://ledger@db/ledger', shutdownHooks: false });
 * const unregister = installShutdownHooks(ledger);
 */
export function installShutdownHooks(ledger: Closable, options: ShutdownHookOptions = {}): () => void {
  if (registered.size === 0) install();
  registered.set(ledger, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  return () => {
    if (registered.delete(ledger) && registered.size === 0) uninstall();
  };
}
